from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.lineup import calling_order
from queue_server.domain.ordering import Candidate, OrderingPolicy, choose_next

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
POLICY = OrderingPolicy(priority_every=3, max_normal_wait=timedelta(minutes=30))


def _c(name: str, minutes_ago: int, priority: str | None = None) -> Candidate:
    return Candidate(name, priority, NOW - timedelta(minutes=minutes_ago))


def test_priority_goes_first_but_every_fourth_call_is_a_normal_ticket() -> None:
    priority = [_c(f"p{i}", 10 - i, "lansia") for i in range(5)]
    normal = [_c(f"n{i}", 10 - i) for i in range(3)]
    order = calling_order(priority, normal, streak=0, now=NOW, policy=POLICY)
    assert [c.id for c in order] == ["p0", "p1", "p2", "n0", "p3", "p4", "n1", "n2"]


def test_a_normal_ticket_waiting_too_long_goes_before_priority() -> None:
    order = calling_order([_c("p", 5, "anak")], [_c("n", 45)], streak=0, now=NOW,
                          policy=POLICY)
    assert [c.id for c in order] == ["n", "p"]


def test_a_priority_only_counter_lists_priority_tickets_only() -> None:
    order = calling_order([_c("p", 5, "anak")], [_c("n", 45)], streak=0, now=NOW,
                          policy=POLICY, priority_only=True)
    assert [c.id for c in order] == ["p"]


def test_the_list_stops_at_the_limit() -> None:
    normal = [_c(f"n{i}", 100 - i) for i in range(50)]
    assert len(calling_order([], normal, streak=0, now=NOW, policy=POLICY, limit=7)) == 7


@given(st.lists(st.tuples(st.integers(0, 90), st.booleans()), max_size=25),
       st.integers(0, 5))
def test_the_first_in_the_list_is_what_call_next_would_pick(
        tickets: list[tuple[int, bool]], streak: int) -> None:
    candidates = [_c(f"t{i}", m, "lansia" if p else None) for i, (m, p) in enumerate(tickets)]
    priority = [c for c in candidates if c.priority]
    normal = [c for c in candidates if not c.priority]
    order = calling_order(priority, normal, streak=streak, now=NOW, policy=POLICY, limit=100)
    assert sorted(c.id for c in order) == sorted(c.id for c in candidates)
    head_p = min(priority, key=lambda c: c.sort_key, default=None)
    head_n = min(normal, key=lambda c: c.sort_key, default=None)
    first = choose_next(head_p, head_n, streak=streak, now=NOW, policy=POLICY)
    assert (order[0] if order else None) == (first.ticket if first else None)
