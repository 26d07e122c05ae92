"""The event a ticket's change emits, and the topics it goes to."""

from __future__ import annotations

from typing import Any

from queue_server.domain.tickets import Ticket
from queue_server.services.context import Loket
from queue_server.services.ticket_json import ticket_json
from queue_server.store.db import Tx


def _topics(loket: Loket, ticket: Ticket) -> tuple[str, ...]:
    topics = ["display", "supervisor", f"service:{ticket.service}", f"ticket:{ticket.id}"]
    if ticket.counter:
        topics.append(f"counter:{ticket.counter}")
    agency = loket.site.services_by_code[ticket.service].agency
    topics.append(f"agency:{agency}")
    return tuple(topics)


def emit_ticket(tx: Tx, loket: Loket, type_: str, ticket: Ticket, **extra: Any) -> None:
    payload = {"ticket": ticket_json(loket, ticket), "service": ticket.service,
               "agency": loket.site.services_by_code[ticket.service].agency,
               "counter": ticket.counter, **extra}
    if ticket.counter:
        counter = loket.site.counter(ticket.counter)
        if counter is not None:
            payload["counter_number"] = counter.number
            payload["counter_name"] = counter.name
    tx.emit(type_, _topics(loket, ticket), payload)
