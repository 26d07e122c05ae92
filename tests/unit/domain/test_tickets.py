from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.domain import tickets as lc
from queue_server.domain.errors import DomainError
from queue_server.domain.tickets import Status, Ticket

T0 = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)


def waiting(**kw: object) -> Ticket:
    base = dict(id="t1", service="KTP", queue="A", number=12, priority=None,
                status=Status.WAITING, issued_at=T0, queued_at=T0)
    base.update(kw)
    return Ticket(**base)  # type: ignore[arg-type]


def test_a_ticket_goes_from_waiting_to_called_to_serving_to_done() -> None:
    called = lc.call(waiting(), "A1", "7", T0 + timedelta(minutes=5))
    assert (called.status, called.counter, called.called_at) == (
        Status.CALLED, "A1", T0 + timedelta(minutes=5))
    serving = lc.start(called, T0 + timedelta(minutes=6))
    done = lc.finish(serving, T0 + timedelta(minutes=16))
    assert done.status is Status.DONE and done.finished_at == T0 + timedelta(minutes=16)


def test_a_called_ticket_may_finish_without_being_started() -> None:
    assert lc.finish(lc.call(waiting(), "A1", None, T0), T0).status is Status.DONE


def test_no_show_needs_the_configured_number_of_recalls() -> None:
    called = lc.call(waiting(), "A1", None, T0)
    with pytest.raises(DomainError) as refused:
        lc.no_show(called, T0, min_recalls=2)
    assert refused.value.code == "recall_first"
    twice = lc.recall(lc.recall(called, T0), T0)
    assert twice.recall_count == 2
    assert lc.no_show(twice, T0, min_recalls=2).status is Status.NO_SHOW


def test_return_to_queue_keeps_the_original_place() -> None:
    called = lc.call(waiting(), "A1", "7", T0 + timedelta(minutes=3))
    back = lc.return_to_queue(lc.recall(called, T0), T0 + timedelta(minutes=4))
    assert back.status is Status.WAITING
    assert (back.counter, back.officer, back.recall_count) == (None, None, 0)
    assert back.queued_at == T0


def test_transfer_keeps_number_and_issue_time_and_counts_the_move() -> None:
    called = lc.call(waiting(), "A1", None, T0 + timedelta(minutes=3))
    moved = lc.transfer(called, "NPWP", "A", T0 + timedelta(minutes=9))
    assert (moved.service, moved.status, moved.number) == ("NPWP", Status.WAITING, 12)
    assert moved.queued_at == T0 and moved.transfer_count == 1
    with pytest.raises(DomainError) as same:
        lc.transfer(lc.call(moved, "B1", None, T0), "NPWP", "A", T0)
    assert same.value.code == "same_service"


@pytest.mark.parametrize(("action", "status"), [
    (lambda t: lc.call(t, "A1", None, T0), Status.CALLED),
    (lambda t: lc.start(t, T0), Status.WAITING),
    (lambda t: lc.recall(t, T0), Status.SERVING),
    (lambda t: lc.finish(t, T0), Status.DONE),
    (lambda t: lc.return_to_queue(t, T0), Status.WAITING),
    (lambda t: lc.cancel(t, T0), Status.CALLED),
])
def test_actions_from_the_wrong_state_are_refused(action: object, status: Status) -> None:
    with pytest.raises(DomainError) as refused:
        action(waiting(status=status))  # type: ignore[operator]
    assert refused.value.code == "bad_state"


def test_expiry_marks_open_tickets_and_leaves_finished_ones() -> None:
    assert lc.expire(waiting(), T0).status is Status.EXPIRED
    assert lc.expire(lc.call(waiting(), "A1", None, T0), T0).status is Status.EXPIRED
    done = lc.finish(lc.call(waiting(), "A1", None, T0), T0)
    assert lc.expire(done, T0 + timedelta(hours=9)) == done
