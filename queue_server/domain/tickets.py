"""The ticket lifecycle as pure transitions.

waiting → called → serving → done, with recall (called → called), no-show after enough
recalls, return to the queue, transfer to another service (keeping the original queue time so
the visitor does not start over), cancel, and expiry at the end of the business day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from queue_server.domain.errors import DomainError


class Status(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: Statuses a ticket never leaves.
FINAL = frozenset({Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.EXPIRED})
#: Statuses in which a counter holds the ticket.
AT_COUNTER = frozenset({Status.CALLED, Status.SERVING})


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    service: str
    queue: str
    number: int
    priority: str | None
    status: Status
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter: str | None = None
    officer: str | None = None
    recall_count: int = 0
    transfer_count: int = 0


def _require(ticket: Ticket, allowed: frozenset[Status], action: str) -> None:
    if ticket.status not in allowed:
        raise DomainError("bad_state", action=action, status=ticket.status.value)


def call(ticket: Ticket, counter: str, officer: str | None, now: datetime) -> Ticket:
    _require(ticket, frozenset({Status.WAITING}), "call")
    return replace(
        ticket,
        status=Status.CALLED,
        counter=counter,
        officer=officer,
        called_at=now,
        started_at=None,
        recall_count=0,
    )


def recall(ticket: Ticket, now: datetime) -> Ticket:
    _require(ticket, frozenset({Status.CALLED}), "recall")
    return replace(ticket, recall_count=ticket.recall_count + 1)


def start(ticket: Ticket, now: datetime) -> Ticket:
    _require(ticket, frozenset({Status.CALLED}), "start")
    return replace(ticket, status=Status.SERVING, started_at=now)


def finish(ticket: Ticket, now: datetime) -> Ticket:
    _require(ticket, AT_COUNTER, "finish")
    return replace(ticket, status=Status.DONE, finished_at=now)


def no_show(ticket: Ticket, now: datetime, *, min_recalls: int) -> Ticket:
    """A called visitor who did not come, after the counter recalled them ``min_recalls`` times."""
    _require(ticket, frozenset({Status.CALLED}), "no_show")
    if ticket.recall_count < min_recalls:
        raise DomainError("recall_first", needed=min_recalls, done=ticket.recall_count)
    return replace(ticket, status=Status.NO_SHOW, finished_at=now)


def return_to_queue(ticket: Ticket, now: datetime) -> Ticket:
    """Back to waiting at its old place: ``queued_at`` is kept, so it is next in line."""
    _require(ticket, AT_COUNTER, "return")
    return replace(
        ticket,
        status=Status.WAITING,
        counter=None,
        officer=None,
        called_at=None,
        started_at=None,
        recall_count=0,
    )


def transfer(ticket: Ticket, service: str, queue: str, now: datetime) -> Ticket:
    """Queue the visitor at another service, keeping number and original issue time."""
    _require(ticket, AT_COUNTER, "transfer")
    if service == ticket.service:
        raise DomainError("same_service", service=service)
    return replace(
        ticket,
        service=service,
        status=Status.WAITING,
        counter=None,
        officer=None,
        called_at=None,
        started_at=None,
        recall_count=0,
        transfer_count=ticket.transfer_count + 1,
    )


def cancel(ticket: Ticket, now: datetime) -> Ticket:
    _require(ticket, frozenset({Status.WAITING}), "cancel")
    return replace(ticket, status=Status.CANCELLED, finished_at=now)


def expire(ticket: Ticket, now: datetime) -> Ticket:
    """End of the business day: tickets still open are kept, marked expired."""
    if ticket.status in FINAL:
        return ticket
    return replace(ticket, status=Status.EXPIRED, finished_at=now)
