"""Ticket rows of the database to domain tickets (and queue candidates), and the one query
shape that reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from queue_server.domain.ordering import Candidate
from queue_server.domain.tickets import Status, Ticket
from queue_server.services.context import Loket
from queue_server.store import tables as t

TICKET_COLUMNS = (
    t.tickets.c.id, t.tickets.c.service_id, t.tickets.c.queue, t.tickets.c.number,
    t.tickets.c.priority, t.tickets.c.status, t.tickets.c.issued_at, t.tickets.c.queued_at,
    t.tickets.c.called_at, t.tickets.c.started_at, t.tickets.c.finished_at,
    t.tickets.c.counter_id, t.tickets.c.officer_id, t.tickets.c.recall_count,
    t.tickets.c.transfer_count, t.tickets.c.business_day,
)


#: The time a waiting ticket is ordered by (the index ``ix_tickets_line`` serves it).
ORDER_TIME = t.queue_time


def select_tickets() -> Any:
    return select(*TICKET_COLUMNS)


def to_domain(loket: Loket, row: Row[Any]) -> Ticket:
    return Ticket(
        id=row.id,
        service=loket.ids.service_codes[row.service_id],
        queue=row.queue,
        number=row.number,
        priority=row.priority,
        status=Status(row.status),
        issued_at=row.issued_at,
        queued_at=row.queued_at,
        called_at=row.called_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counter=loket.ids.counter_codes.get(row.counter_id) if row.counter_id else None,
        officer=str(row.officer_id) if row.officer_id is not None else None,
        recall_count=row.recall_count,
        transfer_count=row.transfer_count,
    )


def candidate(row: Row[Any]) -> Candidate:
    return Candidate(id=row.id, priority=row.priority, queued_at=row.queued_at,
                     due_at=getattr(row, "due_at", None))
