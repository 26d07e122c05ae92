"""Rows to the public JSON shapes of API.md."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from queue_server.domain.numbering import format_number
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
    return Candidate(id=row.id, priority=row.priority, queued_at=row.queued_at)


def ticket_json(loket: Loket, ticket: Ticket, *, ahead: int | None = None,
                estimated_wait_s: int | None = None) -> dict[str, Any]:
    service = loket.site.services_by_code[ticket.service]
    agency = next(a for a in loket.site.agencies if a.code == service.agency)
    counter = loket.site.counter(ticket.counter) if ticket.counter else None
    return {
        "id": ticket.id,
        "number": format_number(ticket.queue, ticket.number),
        "service": service.code,
        "service_name": service.name,
        "service_name_en": service.name_en,
        "agency": agency.code,
        "agency_name": agency.short_name,
        "priority": ticket.priority,
        "status": ticket.status.value,
        "issued_at": loket.local(ticket.issued_at),
        "called_at": loket.local(ticket.called_at),
        "started_at": loket.local(ticket.started_at),
        "finished_at": loket.local(ticket.finished_at),
        "counter": counter.code if counter else None,
        "counter_number": counter.number if counter else None,
        "counter_name": counter.name if counter else None,
        "recall_count": ticket.recall_count,
        "transfer_count": ticket.transfer_count,
        "ahead": ahead,
        "estimated_wait_s": estimated_wait_s,
        "track_url": f"{loket.public_url}/t/{ticket.id}",
    }
