from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.breaks import CounterState, served_by, service_universe
from queue_server.domain.rotation import Infeasible, RotationPlan, plan_rotation

WIB = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2025, 11, 24, 11, 30, tzinfo=WIB)


def window(minutes: int) -> tuple[dt.datetime, dt.datetime]:
    return START, START + dt.timedelta(minutes=minutes)


def counter(code: str, *services: str, **flags: bool) -> CounterState:
    return CounterState(code, frozenset(services), **flags)


def offsets(plan: RotationPlan) -> dict[str, int]:
    return {e.counter: int((e.start - START).total_seconds() // 60) for e in plan.entries}


def coverage_problems(
    counters: tuple[CounterState, ...], plan: RotationPlan, length: int, break_minutes: int,
    min_staffed: int,
) -> list[str]:
    """Minute-by-minute check of a plan, independent of how it was built."""
    problems = []
    staffed = [c for c in counters if c.staffed]
    if sorted(e.counter for e in plan.entries) != sorted(c.code for c in staffed):
        problems.append("not exactly one break per staffed counter")
    if [e.start for e in plan.entries] != sorted(e.start for e in plan.entries):
        problems.append("entries not sorted by start")
    for e in plan.entries:
        if e.start < START or e.end > START + dt.timedelta(minutes=length):
            problems.append(f"{e.counter} outside the window")
        if e.end - e.start != dt.timedelta(minutes=break_minutes):
            problems.append(f"{e.counter} has the wrong length")
    away = offsets(plan)
    universe = service_universe(counters)
    for service in sorted(universe):
        serving = [c.code for c in staffed if service in served_by(c, universe)]
        if not serving:
            continue
        for minute in range(length):
            present = sum(not away[c] <= minute < away[c] + break_minutes for c in serving)
            if present < min_staffed:
                problems.append(f"{service} has {present} counters at minute {minute}")
                break
    return problems


def test_two_counters_sharing_a_service_rest_one_after_the_other() -> None:
    counters = (counter("A1", "KTP-EL", "KK"), counter("A2", "KTP-EL", "KK"))
    plan = plan_rotation(counters, *window(120), 30, 1)
    assert isinstance(plan, RotationPlan)
    assert [(e.counter, e.start.strftime("%H:%M"), e.end.strftime("%H:%M"))
            for e in plan.entries] == [("A1", "11:30", "12:00"), ("A2", "12:00", "12:30")]


def test_a_service_with_a_single_counter_makes_the_plan_infeasible() -> None:
    counters = (counter("A1", "KTP-EL"), counter("A2", "KTP-EL"), counter("C1", "SKCK"))
    result = plan_rotation(counters, *window(120), 30, 1)
    assert isinstance(result, Infeasible)
    assert result.service == "SKCK" and result.kind == "too_few_counters"
    assert "Layanan SKCK hanya dilayani 1 loket" in result.reason


def test_a_window_too_short_for_the_rounds_names_the_service() -> None:
    counters = tuple(counter(f"A{i}", "KTP-EL") for i in range(1, 4))
    result = plan_rotation(counters, *window(60), 30, 2)
    assert isinstance(result, Infeasible)
    assert result.service == "KTP-EL" and result.kind == "window_too_short"
    assert "perlu 3 giliran (90 menit), jendela hanya 60 menit" in result.reason
    assert isinstance(plan_rotation(counters, *window(90), 30, 2), RotationPlan)


def test_services_that_fit_alone_can_still_clash_through_shared_counters() -> None:
    # A triangle: every two counters share a service, so all three breaks must be apart,
    # but a 60-minute window holds only two 30-minute rounds.
    counters = (counter("C1", "X", "Z"), counter("C2", "X", "Y"), counter("C3", "Y", "Z"))
    result = plan_rotation(counters, *window(60), 30, 1)
    assert isinstance(result, Infeasible)
    assert result.kind == "shared_counters" and result.service in {"X", "Y", "Z"}
    assert isinstance(plan_rotation(counters, *window(90), 30, 1), RotationPlan)


def test_a_break_longer_than_the_window_blames_no_service() -> None:
    result = plan_rotation((counter("A1", "KTP-EL"),), *window(20), 30, 0)
    assert isinstance(result, Infeasible) and result.service is None


def test_priority_only_counters_rest_too_but_cover_nothing() -> None:
    counters = (counter("A1", "KTP-EL"), counter("A2", "KTP-EL"),
                counter("P1", "*", priority_only=True))
    plan = plan_rotation(counters, *window(60), 30, 1)
    assert isinstance(plan, RotationPlan)
    assert plan.for_counter("P1") is not None
    assert offsets(plan)["A1"] != offsets(plan)["A2"]


def test_unstaffed_counters_get_no_break_and_no_coverage() -> None:
    counters = (counter("A1", "KTP-EL"), counter("A2", "KTP-EL", staffed=False),
                counter("A3", "KTP-EL"))
    plan = plan_rotation(counters, *window(60), 30, 1)
    assert isinstance(plan, RotationPlan)
    assert plan.for_counter("A2") is None
    assert offsets(plan)["A1"] != offsets(plan)["A3"]


def test_a_site_the_size_of_probolinggo_gets_a_valid_plan() -> None:
    rng = random.Random(7)
    services = [f"S{i:03d}" for i in range(150)]
    serving: dict[int, set[str]] = {i: set() for i in range(45)}
    for i, service in enumerate(services):
        agency = i % 15  # 15 agencies of 3 counters each
        for c in rng.sample(range(agency * 3, agency * 3 + 3), rng.randint(2, 3)):
            serving[c].add(service)
    counters = tuple(counter(f"L{i:02d}", *sorted(s)) for i, s in serving.items())
    counters += (counter("P1", "*", priority_only=True), counter("P2", "*", priority_only=True))
    plan = plan_rotation(counters, *window(120), 30, 1)
    assert isinstance(plan, RotationPlan)
    assert coverage_problems(counters, plan, 120, 30, 1) == []
    assert offsets(plan)["P1"] != offsets(plan)["P2"]


@st.composite
def sites(draw: st.DrawFn, max_counters: int, max_services: int) -> tuple[CounterState, ...]:
    size = draw(st.integers(2, max_counters))
    service_count = draw(st.integers(1, max_services))
    serving: dict[int, set[str]] = {i: set() for i in range(size)}
    for s in range(service_count):
        for c in draw(st.sets(st.integers(0, size - 1), min_size=1)):
            serving[c].add(f"S{s}")
    return tuple(
        CounterState(f"C{i}", frozenset(serving[i] or {"S0"}),
                     staffed=draw(st.integers(0, 4)) != 0 or i < 2,
                     priority_only=draw(st.integers(0, 9)) == 0)
        for i in range(size)
    )


@st.composite
def paired_sites(draw: st.DrawFn) -> tuple[CounterState, ...]:
    """Every service served by exactly two counters: with a minimum of one, rotating breaks
    is colouring a graph, where services that fit alone can still clash."""
    size = draw(st.integers(3, 5))
    pairs = draw(st.sets(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1))
                         .filter(lambda p: p[0] < p[1]), min_size=1, max_size=8))
    serving: dict[int, set[str]] = {i: set() for i in range(size)}
    for n, (a, b) in enumerate(sorted(pairs)):
        serving[a].add(f"S{n}")
        serving[b].add(f"S{n}")
    return tuple(CounterState(f"C{i}", frozenset(serving[i])) for i in range(size))


def brute_force_exists(
    counters: tuple[CounterState, ...], length: int, break_minutes: int, min_staffed: int,
    step: int, identical: bool = False,
) -> bool:
    """Try every grid start for every staffed counter, minute by minute. When the counters are
    interchangeable (``identical``), only non-decreasing starts need trying."""
    staffed = [c for c in counters if c.staffed]
    universe = service_universe(counters)
    serving = {s: [i for i, c in enumerate(staffed) if s in served_by(c, universe)]
               for s in universe}
    cap = {s: len(m) - min_staffed for s, m in serving.items() if m}
    away = {s: [0] * length for s in cap}
    starts = range(0, length - break_minutes + 1, step)

    def place(i: int, earliest: int = 0) -> bool:
        if i == len(staffed):
            return True
        mine = [s for s in cap if i in serving[s]]
        for start in starts[earliest if identical else 0:]:
            span = range(start, start + break_minutes)
            if all(away[s][t] < cap[s] for s in mine for t in span):
                for s in mine:
                    for t in span:
                        away[s][t] += 1
                if place(i + 1, starts.index(start)):
                    return True
                for s in mine:
                    for t in span:
                        away[s][t] -= 1
        return False

    return all(c >= 0 for c in cap.values()) and place(0)


@settings(max_examples=300, deadline=None)
@given(
    sites(max_counters=12, max_services=8),
    st.integers(1, 2),
    st.integers(60, 180),
    st.integers(15, 45),
)
def test_a_plan_always_keeps_every_service_covered_and_gives_everyone_one_break(
    counters: tuple[CounterState, ...], min_staffed: int, length: int, break_minutes: int,
) -> None:
    result = plan_rotation(counters, *window(length), break_minutes, min_staffed)
    if isinstance(result, RotationPlan):
        assert coverage_problems(counters, result, length, break_minutes, min_staffed) == []
        return
    assert result.kind != "search_limit"
    assert result.service is not None
    universe = service_universe(counters)
    k = sum(c.staffed and result.service in served_by(c, universe) for c in counters)
    if result.kind == "too_few_counters":
        assert 0 < k <= min_staffed
    else:
        # The named service alone (or with the services it shares counters with) has no plan.
        alone = tuple(c for c in counters
                      if c.staffed and result.service in served_by(c, universe))
        if result.kind == "window_too_short":
            only = tuple(CounterState(c.code, frozenset({result.service})) for c in alone)
            assert not brute_force_exists(only, length, break_minutes, min_staffed, 5, True)
        elif sum(c.staffed for c in counters) <= 4 and length - break_minutes <= 90:
            assert not brute_force_exists(counters, length, break_minutes, min_staffed, 5)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(sites(max_counters=5, max_services=4), paired_sites()),
    st.integers(0, 2),
    st.integers(30, 75),
    st.integers(15, 30),
    st.sampled_from([5, 10, 15]),
)
def test_a_plan_is_found_exactly_when_brute_force_finds_one(
    counters: tuple[CounterState, ...], min_staffed: int, length: int, break_minutes: int,
    step: int,
) -> None:
    result = plan_rotation(counters, *window(length), break_minutes, min_staffed, step)
    exists = break_minutes <= length and brute_force_exists(
        counters, length, break_minutes, min_staffed, step)
    assert isinstance(result, RotationPlan) == exists
    if isinstance(result, RotationPlan):
        assert coverage_problems(counters, result, length, break_minutes, min_staffed) == []
        assert all((o % step) == 0 for o in offsets(result).values())
