from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.breaks import (
    BreakBook,
    CounterState,
    can_take_break,
    cancel_request,
    end_break,
    grant_waiting,
    overdue,
    request_break,
    served_by,
    service_universe,
)

WIB = ZoneInfo("Asia/Jakarta")
NOON = dt.datetime(2025, 11, 24, 12, 0, tzinfo=WIB)


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def counter(code: str, *services: str, **flags: bool) -> CounterState:
    return CounterState(code, frozenset(services), **flags)


def dukcapil_book(min_staffed: int = 1) -> BreakBook:
    return BreakBook((counter("A1", "KTP-EL", "KK"), counter("A2", "KTP-EL", "KK")), min_staffed)


def test_of_two_counters_sharing_a_service_the_first_is_granted_and_the_second_queued() -> None:
    book, outcome, decision, until = request_break(dukcapil_book(), "A1", 30, NOON)
    assert outcome == "granted" and decision.granted
    assert until == NOON + minutes(30)
    assert book.counter("A1").on_break

    book, outcome, decision, until = request_break(book, "A2", 30, NOON + minutes(1))
    assert outcome == "queued" and until is None
    assert decision.blocked_services == ("KK", "KTP-EL")
    assert "antrean nomor 1" in decision.reason("id")
    assert [w.counter for w in book.waiting] == ["A2"]


def test_a_queued_break_is_granted_when_the_first_one_ends() -> None:
    book = request_break(dukcapil_book(), "A1", 30, NOON).state
    book = request_break(book, "A2", 20, NOON + minutes(1)).state
    book, granted = end_break(book, "A1", NOON + minutes(29))
    assert granted == [("A2", NOON + minutes(49))]
    assert book.waiting == ()
    assert not book.counter("A1").on_break and book.counter("A2").on_break


def test_queued_breaks_are_granted_first_come_first_served() -> None:
    book = BreakBook(tuple(counter(f"A{i}", "KTP-EL") for i in range(1, 5)), 2)
    book = request_break(book, "A1", 30, NOON).state
    book = request_break(book, "A2", 30, NOON).state
    book = request_break(book, "A4", 30, NOON + minutes(2)).state
    book = request_break(book, "A3", 30, NOON + minutes(3)).state
    assert [w.counter for w in book.waiting] == ["A4", "A3"]
    book, granted = end_break(book, "A1", NOON + minutes(30))
    assert [code for code, _ in granted] == ["A4"]


def test_a_later_request_overtakes_only_when_the_earlier_still_cannot_go() -> None:
    book = BreakBook((counter("A1", "KTP-EL"), counter("A2", "KTP-EL", "PASPOR"),
                      counter("B1", "PASPOR"), counter("B2", "PASPOR")), 1)
    book = request_break(book, "A1", 30, NOON).state
    assert request_break(book, "A2", 30, NOON).outcome == "queued"  # KTP-EL blocks it
    book = request_break(book, "A2", 30, NOON).state
    result = request_break(book, "B1", 30, NOON + minutes(1))
    assert result.outcome == "granted"  # PASPOR keeps A2 and B2, A2 cannot go anyway


def test_the_sole_counter_of_a_service_is_refused_with_the_reason() -> None:
    book = BreakBook((counter("C1", "SKCK"), counter("A1", "KTP-EL"), counter("A2", "KTP-EL")), 1)
    book, outcome, decision, _ = request_break(book, "C1", 30, NOON)
    assert outcome == "refused"
    assert decision.permanent and decision.blocked_services == ("SKCK",)
    assert decision.reason("id") == (
        "Loket C1 tidak bisa istirahat: Layanan SKCK hanya dilayani loket ini"
    )
    assert "served only by this counter" in decision.reason("en")
    assert book.waiting == ()


def test_a_service_with_fewer_counters_than_the_minimum_is_named() -> None:
    counters = (counter("A1", "KTP-EL"), counter("A2", "KTP-EL"))
    decision = can_take_break(counters, "A1", 2)
    assert decision.permanent
    assert "hanya dilayani 2 loket, minimal 2 harus tetap buka" in decision.reason_id


def test_an_unstaffed_colleague_makes_the_break_wait_not_fail() -> None:
    book = BreakBook((counter("A1", "KTP-EL"), counter("A2", "KTP-EL", staffed=False)), 1)
    book, outcome, _, _ = request_break(book, "A1", 30, NOON)
    assert outcome == "queued"
    # The colleague signs in: the service reloads the book from the database and grants what
    # coverage now allows, the request keeping its place.
    staffed = BreakBook((counter("A1", "KTP-EL"), counter("A2", "KTP-EL")), 1,
                        book.active, book.waiting)
    book, granted = grant_waiting(staffed, NOON + minutes(5))
    assert granted == [("A1", NOON + minutes(35))] and book.waiting == ()


def test_a_priority_only_counter_does_not_count_toward_coverage() -> None:
    counters = (counter("A1", "KTP-EL"), counter("P1", "*", priority_only=True))
    assert can_take_break(counters, "A1", 1).permanent
    assert served_by(counters[1], service_universe(counters)) == frozenset()


def test_a_priority_only_counter_may_always_take_its_break() -> None:
    counters = (counter("A1", "KTP-EL"), counter("P1", "*", priority_only=True))
    assert can_take_break(counters, "P1", 1).granted


def test_a_normal_star_counter_covers_every_service() -> None:
    counters = (counter("A1", "KTP-EL"), counter("B1", "PASPOR"), counter("U1", "*"))
    assert can_take_break(counters, "A1", 1).granted
    assert can_take_break(counters, "U1", 1).granted
    a1_away = (counter("A1", "KTP-EL", on_break=True), *counters[1:])
    decision = can_take_break(a1_away, "U1", 1)
    assert decision.blocked_services == ("KTP-EL",) and not decision.permanent


def test_a_counter_that_is_closed_on_break_or_waiting_is_refused() -> None:
    book = BreakBook((counter("A1", "KTP-EL", open=False), counter("A2", "KTP-EL"),
                      counter("A3", "KTP-EL")), 1)
    assert request_break(book, "A1", 30, NOON).outcome == "refused"
    book = request_break(book, "A2", 30, NOON).state
    assert request_break(book, "A2", 30, NOON).outcome == "refused"
    book = request_break(book, "A3", 30, NOON).state
    assert request_break(book, "A3", 30, NOON).outcome == "refused"
    assert request_break(book, "ZZ", 30, NOON).outcome == "refused"
    assert cancel_request(book, "A3").waiting == ()


def test_break_length_must_be_between_five_and_one_hundred_twenty_minutes() -> None:
    book = dukcapil_book()
    assert request_break(book, "A1", 4, NOON).outcome == "refused"
    assert request_break(book, "A1", 121, NOON).outcome == "refused"
    assert request_break(book, "A1", 5, NOON).outcome == "granted"
    assert request_break(book, "A1", 120, NOON).outcome == "granted"


def test_breaks_running_over_are_reported_longest_overdue_first() -> None:
    book = BreakBook(tuple(counter(f"A{i}", "KTP-EL") for i in range(1, 5)), 1)
    book = request_break(book, "A1", 30, NOON).state
    book = request_break(book, "A2", 15, NOON).state
    book = request_break(book, "A3", 60, NOON).state
    assert overdue(book, NOON + minutes(30)) == ["A2"]
    assert overdue(book, NOON + minutes(31)) == ["A2", "A1"]
    book, _ = end_break(book, "A2", NOON + minutes(40))
    assert overdue(book, NOON + minutes(40)) == ["A1"]


SERVICES = ["S1", "S2", "S3", "S4"]


@st.composite
def coverage_cases(draw: st.DrawFn) -> tuple[tuple[CounterState, ...], str, int]:
    size = draw(st.integers(1, 8))
    counters = tuple(
        CounterState(
            f"C{i}",
            frozenset(draw(st.lists(st.sampled_from([*SERVICES, "*"]), min_size=1,
                                    max_size=3))),
            staffed=draw(st.booleans()),
            open=draw(st.booleans()),
            on_break=draw(st.booleans()),
            priority_only=draw(st.booleans()),
        )
        for i in range(size)
    )
    return counters, f"C{draw(st.integers(0, size - 1))}", draw(st.integers(0, 3))


def covering(counters: tuple[CounterState, ...], service: str) -> int:
    universe = service_universe(counters)
    return sum(c.covering and service in served_by(c, universe) for c in counters)


@given(coverage_cases())
def test_a_granted_break_never_leaves_a_service_below_the_minimum(
    case: tuple[tuple[CounterState, ...], str, int],
) -> None:
    counters, code, min_staffed = case
    decision = can_take_break(counters, code, min_staffed)
    if not decision.granted:
        return
    after = tuple(
        CounterState(c.code, c.services, c.staffed, c.open, True, c.priority_only)
        if c.code == code else c for c in counters
    )
    me = next(c for c in counters if c.code == code)
    for service in served_by(me, service_universe(counters)):
        assert covering(after, service) >= min_staffed
