"""A domain ticket as the public JSON of API.md (``TICKET``)."""

from __future__ import annotations

from typing import Any

from queue_server.domain.numbering import format_number
from queue_server.domain.tickets import Ticket
from queue_server.services.context import Loket


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
        "track_url": f"{loket.public_url}{loket.path}/t/{ticket.id}",
    }
