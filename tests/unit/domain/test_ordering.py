from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.lineup import calling_order
from queue_server.domain.ordering import (
    Candidate,
    OrderingPolicy,
    ahead_of,
    around,
    choose_next,
    heads,
)

T0 = datetime(2025, 11, 24, 1, 0, tzinfo=UTC)
POLICY = OrderingPolicy(priority_every=3, max_normal_wait=timedelta(minutes=30))


def c(id_: str, minute: int, priority: str | None = None) -> Candidate:
    return Candidate(id_, priority, T0 + timedelta(minutes=minute))


def count_ahead(ticket: Candidate, waiting: list[Candidate]) -> int:
    """People ahead of ``ticket`` over a whole queue, by the rules production runs."""
    return ahead_of(ticket.priority, around(ticket, waiting))


def call_order(queue: list[Candidate], *, streak: int, now: datetime,
               policy: OrderingPolicy) -> list[Candidate]:
    """The counter screen's forecast (the code production runs), for the whole queue."""
    return calling_order([x for x in queue if x.priority is not None],
                         [x for x in queue if x.priority is None], streak=streak, now=now,
                         policy=policy, limit=len(queue))


def test_priority_goes_first() -> None:
    choice = choose_next(c("p", 5, "lansia"), c("n", 0), streak=0, now=T0 + timedelta(minutes=6),
                         policy=POLICY)
    assert choice is not None and choice.ticket.id == "p" and choice.streak == 1


def test_after_n_priority_calls_in_a_row_a_normal_ticket_goes_next() -> None:
    choice = choose_next(c("p", 5, "lansia"), c("n", 0), streak=3, now=T0 + timedelta(minutes=6),
                         policy=POLICY)
    assert choice is not None and choice.ticket.id == "n" and choice.streak == 0


def test_a_normal_ticket_that_waited_too_long_goes_before_priority() -> None:
    choice = choose_next(c("p", 40, "lansia"), c("n", 0), streak=0,
                         now=T0 + timedelta(minutes=31), policy=POLICY)
    assert choice is not None and choice.ticket.id == "n"


def test_a_priority_only_counter_never_calls_normal_tickets() -> None:
    assert choose_next(None, c("n", 0), streak=0, now=T0, policy=POLICY,
                       priority_only=True) is None


def test_heads_are_the_oldest_of_each_class_with_id_breaking_ties() -> None:
    p, n = heads([c("b", 1), c("a", 1), c("p2", 3, "anak"), c("p1", 2, "lansia")])
    assert (p and p.id, n and n.id) == ("p1", "a")


candidates = st.lists(
    st.tuples(st.integers(0, 120), st.sampled_from([None, "lansia", "anak"])),
    max_size=40,
).map(lambda items: [c(f"t{i:03d}", minute, prio) for i, (minute, prio) in enumerate(items)])


@given(candidates, st.integers(1, 5), st.integers(0, 5), st.integers(0, 200))
def test_call_order_calls_everyone_once_and_keeps_each_class_in_arrival_order(
        queue: list[Candidate], every: int, streak: int, now_min: int) -> None:
    policy = OrderingPolicy(priority_every=every, max_normal_wait=timedelta(minutes=30))
    order = call_order(queue, streak=streak, now=T0 + timedelta(minutes=now_min), policy=policy)
    assert sorted(x.id for x in order) == sorted(x.id for x in queue)
    for klass in (lambda x: x.priority is None, lambda x: x.priority is not None):
        picked = [x.sort_key for x in order if klass(x)]
        assert picked == sorted(picked)


@given(candidates, st.integers(1, 5))
def test_normal_tickets_never_wait_more_than_n_priority_calls(queue: list[Candidate],
                                                              every: int) -> None:
    policy = OrderingPolicy(priority_every=every, max_normal_wait=timedelta(days=1))
    order = call_order(queue, streak=0, now=T0, policy=policy)
    normal_left = sum(1 for x in order if x.priority is None)
    run = 0
    for ticket in order:
        if ticket.priority is None:
            normal_left -= 1
            run = 0
        else:
            run += 1
            if normal_left > 0:
                assert run <= every, "a waiting normal ticket was starved"


@given(candidates)
def test_people_ahead_is_an_upper_bound_of_the_position_in_call_order(
        queue: list[Candidate]) -> None:
    order = call_order(queue, streak=0, now=T0, policy=OrderingPolicy(
        priority_every=10**6, max_normal_wait=timedelta(days=1)))
    for position, ticket in enumerate(order):
        assert count_ahead(ticket, queue) >= position or ticket.priority is not None
        if ticket.priority is not None:
            assert count_ahead(ticket, queue) == position


@given(candidates, st.data())
def test_people_ahead_counted_in_parts_equals_counting_the_whole_queue(
        queue: list[Candidate], data: st.DataObject) -> None:
    """What a database counts in one query plus the tickets of a batch it has not stored yet
    gives the same answer as the list (the issuing batch and ``ticket_view`` rely on it)."""
    if not queue:
        return
    ticket = data.draw(st.sampled_from(queue))
    cut = data.draw(st.integers(0, len(queue)))
    seen = around(ticket, queue[:cut]) + around(ticket, queue[cut:])
    assert ahead_of(ticket.priority, seen) == count_ahead(ticket, queue)


def test_a_normal_ticket_counts_every_priority_ticket_a_priority_ticket_only_older_ones(
        ) -> None:
    queue = [c("p1", 0, "lansia"), c("n1", 1), c("me", 2), c("p2", 3, "anak"), c("n2", 4)]
    assert count_ahead(queue[2], queue) == 3
    assert count_ahead(queue[3], queue) == 1
    assert around(queue[2], queue) == around(queue[2], queue[:2]) + around(queue[2], queue[2:])
