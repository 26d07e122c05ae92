"""Issuing tickets and what an officer does with them."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import tickets as lifecycle
from queue_server.domain.errors import Closed, DomainError, Forbidden, Invalid, NotFound
from queue_server.domain.numbering import format_number, parse_number
from queue_server.domain.tickets import Status, Ticket
from queue_server.services import acting_batch, calling_batch, issuing_batch
from queue_server.services.access import Role
from queue_server.services.acting_batch import act_batch
from queue_server.services.calling_batch import call_batch
from queue_server.services.context import Actor, Loket
from queue_server.services.group_commit import GroupCommit
from queue_server.services.issuing_batch import issue_batch
from queue_server.services.ticket_events import emit_ticket
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import select_tickets, to_domain

# Re-exported: callers elsewhere still read a ticket through ``tickets``.
from queue_server.services.waiting import holder_view as holder_view
from queue_server.services.waiting import ticket_view as ticket_view
from queue_server.services.waiting import visitor_key as visitor_key
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import locking

# --- issuing --------------------------------------------------------------------------------


async def issue_ticket(
    loket: Loket,
    service_code: str,
    priority: str | None,
    *,
    idempotency_key: str | None = None,
    channel: str = "kiosk",
) -> tuple[dict[str, Any], bool]:
    """Issue a ticket; returns its JSON and whether it was created now (``False`` when the
    idempotency key had already produced it). Requests arriving together are written in one
    transaction (``issuing_batch``) with the same outcome as one after another."""
    service = loket.site.services_by_code.get(service_code)
    if service is None:
        raise Invalid("unknown_service", service=service_code)
    if not service.active:
        raise Closed("service_inactive", service=service_code)
    if priority is not None and priority not in {c.code for c in loket.site.priority_categories}:
        raise Invalid("unknown_priority", priority=priority)
    now = loket.clock.now()
    try:
        loket.gate.check(service, now)
    except Closed:
        # A kiosk retrying a ticket it was given before closing time still gets it.
        if idempotency_key is None:
            raise
        async with loket.db.read() as conn:
            existing = await _by_key(conn, loket, idempotency_key)
        if existing is None:
            raise
        return await holder_view(loket, await ticket_view(loket, existing)), False
    if loket.issuing is None:
        loket.issuing = GroupCommit(functools.partial(issue_batch, loket))
    answer: tuple[dict[str, Any], bool] = await loket.issuing.submit(
        issuing_batch.Request(service, priority, idempotency_key, channel, now))
    return answer


async def _by_key(conn: AsyncConnection, loket: Loket, key: str) -> Ticket | None:
    row = (await conn.execute(select_tickets().where(
        t.tickets.c.site_id == loket.ids.site, t.tickets.c.idempotency_key == key))).first()
    return to_domain(loket, row) if row else None


# --- reading --------------------------------------------------------------------------------


def key_matches(expected: str | None, given: object) -> bool:
    return (isinstance(given, str) and expected is not None
            and secrets.compare_digest(expected.encode(), given.encode()))


async def get_ticket(loket: Loket, ticket_id: str) -> dict[str, Any]:
    async with loket.db.read() as conn:
        row = (await conn.execute(select_tickets().where(
            t.tickets.c.site_id == loket.ids.site, t.tickets.c.id == ticket_id))).first()
    if row is None:
        raise NotFound("ticket_not_found")
    return await ticket_view(loket, to_domain(loket, row))


# --- at the counter -------------------------------------------------------------------------


def _check_counter(actor: Actor, counter_code: str) -> None:
    if actor.role == Role.OFFICER or actor.counter is not None:
        if actor.counter is None:
            raise Forbidden("no_counter")
        if actor.counter != counter_code:
            raise Forbidden("wrong_counter", signed_in=actor.counter, counter=counter_code)


async def call_next(loket: Loket, counter_code: str, actor: Actor) -> dict[str, Any] | None:
    """The counter's next ticket (priority first, without starving the others), or ``None``
    when nobody waits. Two counters calling at once never get the same ticket."""
    called = await call_next_with_visitor(loket, counter_code, actor)
    return None if called is None else called[0]


async def call_next_with_visitor(loket: Loket, counter_code: str, actor: Actor
                                 ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """:func:`call_next`, with the booked visitor's details for the officer (``None`` for a
    walk-in). Calls arriving together are made in one transaction (``calling_batch``) with
    the same outcome as one after another."""
    counter = loket.counter(counter_code)
    _check_counter(actor, counter_code)
    if loket.calling is None:
        loket.calling = GroupCommit(functools.partial(call_batch, loket))
    answer: tuple[dict[str, Any], dict[str, Any] | None] | None = await loket.calling.submit(
        calling_batch.Request(counter, actor.user_id, loket.clock.now()))
    return answer


async def _ready_to_call(tx: Tx, counter_id: int, counter_code: str) -> Any:
    """The counter's row, once it is open and holds no ticket; else the reason it may not
    call."""
    tk = t.tickets
    state = (await tx.conn.execute(select(
        t.counters.c.state, t.counters.c.priority_streak).where(
            t.counters.c.id == counter_id))).one()
    if state.state == "break":
        raise DomainError("counter_on_break", counter=counter_code)
    if state.state != "open":
        raise DomainError("counter_closed", counter=counter_code)
    held = (await tx.conn.execute(select(tk.c.queue, tk.c.number).where(
        tk.c.counter_id == counter_id,
        tk.c.status.in_([Status.CALLED.value, Status.SERVING.value])).limit(1))).first()
    if held is not None:
        raise DomainError("counter_busy", number=format_number(held.queue, held.number))
    return state


def parse_ticket_number(text: str) -> tuple[str, int]:
    """``"a-12"``, ``"A12"`` or ``"A-012"`` → ``("A", 12)``: what an officer types from a
    slip held up at the counter."""
    cleaned = text.strip().upper().replace(" ", "")
    letters = cleaned.rstrip("0123456789").rstrip("-")
    digits = cleaned[len(cleaned.rstrip("0123456789")):]
    try:
        if not 1 <= len(digits) <= 6 or int(digits) < 1:
            raise ValueError(text)
        return parse_number(format_number(letters, int(digits)))
    except ValueError:
        raise Invalid("invalid", field="number", what="queue_number") from None


async def call_number(loket: Loket, counter_code: str, number_text: str,
                      actor: Actor) -> dict[str, Any]:
    """Call one particular waiting ticket of today (the visitor standing at the counter),
    out of turn. Atomic like :func:`call_next`: of two counters calling the same number at
    once, one gets it and the other is told it is no longer waiting."""
    counter = loket.counter(counter_code)
    _check_counter(actor, counter_code)
    prefix, number = parse_ticket_number(number_text)
    text = format_number(prefix, number)
    counter_id = loket.ids.counters[counter_code]
    now = loket.clock.now()
    tk = t.tickets
    async with loket.db.write(loket.ids.site, now) as tx:
        await _ready_to_call(tx, counter_id, counter_code)
        query = select_tickets().where(
            tk.c.site_id == loket.ids.site, tk.c.business_day == loket.business_day(now),
            tk.c.queue == prefix, tk.c.number == number)
        # Waits for a racing counter's commit, then sees the row as it left it.
        row = (await tx.conn.execute(locking(tx.conn, query))).first()
        if row is None:
            raise NotFound("number_not_found", number=text)
        before = to_domain(loket, row)
        if before.status is not Status.WAITING:
            words = _STATUS_WORDS.get(before.status, (before.status.value,) * 2)
            raise DomainError("number_not_waiting", number=text, status=before.status.value,
                              status_id=words[0], status_en=words[1])
        serves = "*" in counter.services or before.service in counter.services
        if not serves or (counter.priority_only and before.priority is None):
            service = loket.site.services_by_code[before.service]
            raise DomainError("number_not_for_counter", number=text, service=service.name)
        ticket = lifecycle.call(before, counter_code, str(actor.user_id), now)
        result = await tx.conn.execute(update(tk).where(
            tk.c.id == ticket.id, tk.c.status == Status.WAITING.value).values(
                status=ticket.status.value, counter_id=counter_id, officer_id=actor.user_id,
                called_at=now, started_at=None, recall_count=0))
        if result.rowcount != 1:  # pragma: no cover - excluded by the lock above
            raise DomainError("number_not_waiting", number=text, status="called",
                              status_id="dipanggil", status_en="called")
        emit_ticket(tx, loket, "ticket.called", ticket, by_number=True)
    return ticket_json(loket, ticket, ahead=0)


_STATUS_WORDS = {Status.CALLED: ("sudah dipanggil", "already called"),
                 Status.SERVING: ("sedang dilayani", "being served"),
                 Status.DONE: ("sudah selesai", "already finished"),
                 Status.NO_SHOW: ("ditandai tidak hadir", "marked as a no-show"),
                 Status.TRANSFERRED: ("sudah dialihkan", "transferred"),
                 Status.CANCELLED: ("dibatalkan", "cancelled"),
                 Status.EXPIRED: ("kedaluwarsa", "expired")}


async def _act(
    loket: Loket,
    ticket_id: str,
    actor: Actor,
    event_type: str,
    change: Callable[[Ticket, datetime], Ticket],
    extra: Callable[[Tx, Ticket, Ticket], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Check the actor holds the ticket, apply the rule, save, emit; actions arriving
    together share one transaction (``acting_batch``), each as if alone."""
    if loket.acting is None:
        loket.acting = GroupCommit(functools.partial(act_batch, loket))
    after: Ticket = await loket.acting.submit(acting_batch.Request(
        ticket_id, actor, event_type, change, loket.clock.now(), extra))
    return await ticket_view(loket, after)


async def recall(loket: Loket, ticket_id: str, actor: Actor) -> dict[str, Any]:
    return await _act(loket, ticket_id, actor, "ticket.recalled", lifecycle.recall)


async def start(loket: Loket, ticket_id: str, actor: Actor) -> dict[str, Any]:
    return await _act(loket, ticket_id, actor, "ticket.started", lifecycle.start)


async def finish(loket: Loket, ticket_id: str, actor: Actor) -> dict[str, Any]:
    return await _act(loket, ticket_id, actor, "ticket.finished", lifecycle.finish)


async def no_show(loket: Loket, ticket_id: str, actor: Actor) -> dict[str, Any]:
    recalls = loket.site.no_show_after_recalls
    return await _act(loket, ticket_id, actor, "ticket.no_show",
                      lambda tk, now: lifecycle.no_show(tk, now, min_recalls=recalls))


async def return_to_queue(loket: Loket, ticket_id: str, actor: Actor) -> dict[str, Any]:
    return await _act(loket, ticket_id, actor, "ticket.returned", lifecycle.return_to_queue)


async def transfer(loket: Loket, ticket_id: str, service_code: str,
                   actor: Actor) -> dict[str, Any]:
    target = loket.site.services_by_code.get(service_code)
    if target is None:
        raise Invalid("unknown_service", service=service_code)

    async def record(tx: Tx, before: Ticket, after: Ticket) -> None:
        await tx.conn.execute(insert(t.ticket_transfers).values(
            site_id=loket.ids.site, ticket_id=after.id,
            from_service_id=loket.ids.services[before.service],
            to_service_id=loket.ids.services[after.service],
            counter_id=loket.ids.counters.get(before.counter or ""),
            officer_id=actor.user_id, at=tx.now))

    return await _act(
        loket, ticket_id, actor, "ticket.transferred",
        lambda tk, now: lifecycle.transfer(tk, target.code, tk.queue, now),
        extra=record)


async def transfer_history(loket: Loket, ticket_id: str) -> list[dict[str, Any]]:
    tr = t.ticket_transfers
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(tr).where(tr.c.ticket_id == ticket_id)
                                   .order_by(tr.c.at, tr.c.id))).all()
    return [{"from": loket.ids.service_codes[r.from_service_id],
             "to": loket.ids.service_codes[r.to_service_id],
             "counter": loket.ids.counter_codes.get(r.counter_id) if r.counter_id else None,
             "at": loket.local(r.at)} for r in rows]
