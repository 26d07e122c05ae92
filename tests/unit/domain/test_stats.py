from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.stats import (
    Distribution,
    ScoreWeights,
    TicketRecord,
    arrival_heatmap,
    best_officers,
    distribution,
    nearest_rank,
    summarize,
    utilisation,
)

# Monday 1 July 2024, 08.00 WIB
T0 = datetime(2024, 7, 1, 1, 0, tzinfo=UTC)


def at(seconds: float | None) -> datetime | None:
    return None if seconds is None else T0 + timedelta(seconds=seconds)


def ticket(
    id: str,
    status: str,
    issued: float = 0,
    called: float | None = None,
    started: float | None = None,
    finished: float | None = None,
    *,
    agency: str = "DUKCAPIL",
    service: str = "KTP",
    counter: str | None = "L1",
    officer: str | None = "budi",
    target: int | None = 600,
    transferred: bool = False,
) -> TicketRecord:
    issued_at = at(issued)
    assert issued_at is not None
    return TicketRecord(
        id=id, agency=agency, service=service, counter=counter, officer=officer, priority=None,
        status=status, issued_at=issued_at, called_at=at(called), started_at=at(started),
        finished_at=at(finished), transferred=transferred, target_wait_s=target,
    )


DUKCAPIL_DAY = [
    ticket("A", "done", 0, 60, 90, 390),  # wait 60, service 300
    ticket("B", "done", 0, 300, None, 500),  # wait 300, service 200 (from the call)
    ticket("C", "done", 60, 960, 960, 1060),  # wait 900, service 100
    ticket("D", "no_show", 120, 720, None, 900),  # wait 600, no service time
    ticket("E", "waiting", 180, counter=None, officer=None),
    ticket("F", "cancelled", 200, None, None, 400, counter=None, officer=None),
]


def test_a_small_day_gives_hand_computed_counts_and_times() -> None:
    [row] = summarize(DUKCAPIL_DAY, "agency")

    assert row.key == "DUKCAPIL"
    assert (row.issued, row.served, row.no_show, row.cancelled, row.expired) == (6, 3, 1, 1, 0)
    assert (row.transferred_out, row.open, row.transferred) == (0, 1, 0)
    assert row.waiting == Distribution(4, 465.0, 450.0, 900.0, 900.0)
    assert row.service == Distribution(3, 200.0, 200.0, 300.0, 300.0)


def test_a_wait_equal_to_the_target_counts_as_within_it() -> None:
    [row] = summarize(DUKCAPIL_DAY, "all")

    assert row.key == "all"
    assert row.within_target_share == 0.75  # 60, 300 and 600 of 60, 300, 600, 900


def test_within_target_share_is_none_without_targets_or_calls() -> None:
    untargeted = [ticket("A", "done", 0, 60, 90, 390, target=None)]
    uncalled = [ticket("B", "waiting", 0)]

    assert summarize(untargeted, "all")[0].within_target_share is None
    assert summarize(uncalled, "all")[0].within_target_share is None


def test_groups_are_sorted_and_tickets_without_a_counter_come_last() -> None:
    records = [*DUKCAPIL_DAY, ticket("G", "done", 0, 30, 30, 90, agency="BPJS", counter="L9")]

    assert [r.key for r in summarize(records, "agency")] == ["BPJS", "DUKCAPIL"]
    assert [r.key for r in summarize(records, "counter")] == ["L1", "L9", None]
    assert [r.issued for r in summarize(records, "counter")] == [4, 1, 2]


def test_transferred_tickets_are_counted_apart_from_the_status_partition() -> None:
    records = [
        ticket("A", "transferred", 0, 60),
        ticket("A2", "done", 0, 700, 700, 800, service="KK", transferred=True),
    ]
    [row] = summarize(records, "all")

    assert (row.transferred_out, row.served, row.transferred) == (1, 1, 2)


def test_a_clock_skewed_interval_is_left_out() -> None:
    [row] = summarize([ticket("A", "done", 100, 50, 60, 90)], "all")

    assert row.waiting.count == 0
    assert row.service.count == 1


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="group_by"):
        summarize(DUKCAPIL_DAY, "loket")  # type: ignore[arg-type]


def test_p90_is_the_nearest_rank_observation() -> None:
    assert nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9) == 10
    assert nearest_rank([42], 0.9) == 42
    assert distribution([]) == Distribution(0, None, None, None, None)


def test_arrivals_are_placed_by_local_weekday_and_hour() -> None:
    records = [
        ticket("A", "done"),  # Monday 08.xx WIB
        ticket("B", "done", 1800),  # Monday 08.30 WIB
        ticket("C", "done", -5400),  # 23.30 UTC on Sunday is 06.30 WIB on Monday
        ticket("D", "done", 4 * 86400 + 9000),  # Friday 10.30 WIB
    ]
    heat = arrival_heatmap(records, "Asia/Jakarta")

    assert heat.count(0, 8) == 2
    assert heat.count(0, 6) == 1
    assert heat.count(4, 10) == 1
    assert heat.total == 4 == sum(heat.as_dict().values())
    assert len(heat.as_dict()) == 7 * 24
    assert heat.days == (1, 0, 0, 0, 1, 0, 0)
    assert heat.mean(0, 8) == 2.0
    assert heat.mean(2, 8) == 0.0


def test_a_naive_issue_time_is_refused_by_the_heatmap() -> None:
    naive = TicketRecord("A", "X", "S", None, None, None, "waiting", datetime(2024, 7, 1),
                         None, None, None, False, None)

    with pytest.raises(ValueError, match="timezone-aware"):
        arrival_heatmap([naive], "Asia/Jakarta")


def test_agencies_with_few_visitors_for_their_counters_are_flagged() -> None:
    records = (
        [ticket(f"a{i}", "done", agency="A", counter="A1", called=10) for i in range(24)]
        + [ticket(f"b{i}", "done", agency="B", counter="B1", called=10) for i in range(12)]
        + [ticket(f"c{i}", "done", agency="C", counter="C1", called=10) for i in range(6)]
        + [ticket(f"e{i}", "waiting", agency="E", counter=None) for i in range(3)]
    )
    rows = {r.agency: r for r in utilisation(records, {"A": 2, "B": 1, "C": 4, "D": 1}, 6)}

    # rates A 2.0, B 2.0, C 0.25, D 0 per counter-hour: median 1.125, threshold 0.5625
    assert rows["A"].per_counter_hour == 2.0
    assert rows["C"].per_counter_hour == 0.25
    assert rows["A"].site_median == 1.125
    assert rows["A"].threshold == 0.5625
    assert {a: r.flag for a, r in rows.items()} == {
        "A": None, "B": None, "C": "few_visitors", "D": "no_visitors", "E": "no_counters",
    }
    assert rows["E"].per_counter_hour is None
    # counters: 4, 2, 1 visitors per open hour; median 2, so C1 (1.0) is not below 1.0
    assert [(c.counter, c.per_hour, c.low) for c in rows["C"].counter_rows] == [
        ("C1", 1.0, False),
    ]


def test_a_transfer_inside_an_agency_is_one_visitor() -> None:
    records = [
        ticket("A", "transferred", 0, 60),
        ticket("A", "done", 0, 700, 700, 800, service="KK", transferred=True),
    ]
    [row] = utilisation(records, {"DUKCAPIL": 1}, 2.0)

    assert (row.visitors, row.served, row.per_counter_hour) == (1, 1, 0.5)


def test_utilisation_needs_positive_open_hours() -> None:
    with pytest.raises(ValueError, match="open_hours"):
        utilisation([], {"A": 1}, 0)


def served_by(officer: str, seconds: int, n: int, status: str = "done") -> list[TicketRecord]:
    return [
        ticket(f"{officer}{status}{i}", status, 0, 10, 10, 10 + seconds, officer=officer)
        for i in range(n)
    ]


OFFICER_DAY = [
    *served_by("o1", 100, 4),  # fast
    *served_by("o2", 300, 4),  # slow
    *served_by("o3", 200, 2),  # typical, and two visitors who did not come
    *served_by("o3", 0, 2, "no_show"),
]


def test_best_officer_score_shows_every_component() -> None:
    scores = best_officers(OFFICER_DAY, {"o1": 100.0, "o2": None, "o3": 62.5}, min_served=1)

    assert [s.officer for s in scores] == ["o1", "o2", "o3"]
    first, second, third = scores
    assert (first.rank, first.volume, first.speed_ratio, first.speed) == (1, 1.0, 0.5, 1.0)
    assert (first.skm, first.attendance, first.score) == (1.0, 1.0, 1.0)
    # o2 has no SKM: its weight is dropped, (0.3×1 + 0.2×0 + 0.1×1) / 0.6
    assert (second.speed_ratio, second.speed, second.skm) == (1.5, 0.0, None)
    assert second.score == pytest.approx(2 / 3)
    assert (third.served, third.no_show, third.volume, third.speed) == (2, 2, 0.5, 0.5)
    assert (third.skm, third.attendance, third.score) == (0.5, 0.5, 0.5)


def test_officers_below_the_minimum_served_are_listed_last() -> None:
    scores = best_officers(OFFICER_DAY, {"o3": 100.0}, min_served=3)

    assert scores[-1].officer == "o3"
    assert not scores[-1].eligible
    assert all(s.eligible for s in scores[:-1])


def test_equal_officers_are_ordered_by_id() -> None:
    records = served_by("siti", 120, 3) + served_by("andi", 120, 3)

    scores = best_officers(records, {}, ScoreWeights(volume=1, speed=1, skm=1, attendance=1),
                           min_served=1)

    assert [(s.rank, s.officer) for s in scores] == [(1, "andi"), (2, "siti")]
    assert scores[0].score == scores[1].score


STATUSES = ["waiting", "called", "serving", "done", "no_show", "transferred", "cancelled",
            "expired"]


@st.composite
def records(draw: st.DrawFn) -> TicketRecord:
    status = draw(st.sampled_from(STATUSES))
    issued = draw(st.integers(0, 7 * 86400))
    called = started = finished = None
    if status not in ("waiting", "cancelled") and draw(st.booleans()):
        called = issued + draw(st.integers(0, 7200))
        if status in ("serving", "done") and draw(st.booleans()):
            started = called + draw(st.integers(0, 120))
        if status in ("done", "no_show"):
            finished = (started or called) + draw(st.integers(0, 3600))
    return ticket(
        str(draw(st.integers(0, 50))), status, issued, called, started, finished,
        agency=draw(st.sampled_from(["A", "B", "C"])),
        service=draw(st.sampled_from(["S1", "S2"])),
        counter=draw(st.sampled_from(["L1", "L2", None])),
        officer=draw(st.sampled_from(["o1", "o2", "o3", None])),
        target=draw(st.none() | st.integers(0, 3600)),
        transferred=draw(st.booleans()),
    )


def assert_ordered(d: Distribution) -> None:
    if d.count == 0:
        assert (d.mean_s, d.median_s, d.p90_s, d.max_s) == (None, None, None, None)
        return
    assert d.median_s is not None and d.p90_s is not None and d.max_s is not None
    assert d.mean_s is not None and 0 <= d.mean_s <= d.max_s + 1e-9
    assert d.median_s <= d.p90_s <= d.max_s


@given(st.lists(records(), max_size=60), st.sampled_from(["agency", "service", "counter",
                                                          "officer", "all"]))
def test_summaries_partition_the_tickets_and_order_their_statistics(
    tickets: list[TicketRecord], group_by: str
) -> None:
    rows = summarize(tickets, group_by)  # type: ignore[arg-type]

    assert sum(r.issued for r in rows) == len(tickets)
    for r in rows:
        parts = r.served + r.no_show + r.expired + r.cancelled + r.transferred_out + r.open
        assert parts == r.issued
        assert 0 <= r.transferred <= r.issued
        assert r.waiting.count <= r.issued and r.service.count <= r.served
        assert_ordered(r.waiting)
        assert_ordered(r.service)
        assert r.within_target_share is None or 0 <= r.within_target_share <= 1


@given(st.lists(records(), max_size=60))
def test_heatmap_and_officer_scores_stay_in_range(tickets: list[TicketRecord]) -> None:
    assert arrival_heatmap(tickets, "Asia/Jakarta").total == len(tickets)

    scores = best_officers(tickets, {"o1": 80.0, "o2": None}, min_served=0)

    assert [s.rank for s in scores] == list(range(1, len(scores) + 1))
    for s in scores:
        assert 0 <= s.score <= 1
        for part in (s.volume, s.speed, s.skm, s.attendance):
            assert part is None or 0 <= part <= 1
