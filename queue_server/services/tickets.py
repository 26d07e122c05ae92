"""Issuing tickets and what an officer does with them."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import estimate, ordering
from queue_server.domain import tickets as lifecycle
from queue_server.domain.errors import Closed, DomainError, Forbidden, Invalid, NotFound
from queue_server.domain.numbering import format_number, parse_number
from queue_server.domain.schedule import quota_left
from queue_server.domain.tickets import Status, Ticket
from queue_server.services.access import Role, oversees_counters
from queue_server.services.context import Actor, Loket
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import candidate, select_tickets, to_domain
from queue_server.site import Service
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import locking, skip_locked, upsert


def _topics(loket: Loket, ticket: Ticket) -> tuple[str, ...]:
    topics = ["display", "supervisor", f"service:{ticket.service}", f"ticket:{ticket.id}"]
    if ticket.counter:
        topics.append(f"counter:{ticket.counter}")
    agency = loket.site.services_by_code[ticket.service].agency
    topics.append(f"agency:{agency}")
    return tuple(topics)


def _emit(tx: Tx, loket: Loket, type_: str, ticket: Ticket, **extra: Any) -> None:
    payload = {"ticket": ticket_json(loket, ticket), "service": ticket.service,
               "agency": loket.site.services_by_code[ticket.service].agency,
               "counter": ticket.counter, **extra}
    if ticket.counter:
        counter = loket.site.counter(ticket.counter)
        if counter is not None:
            payload["counter_number"] = counter.number
            payload["counter_name"] = counter.name
    tx.emit(type_, _topics(loket, ticket), payload)


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
    idempotency key had already produced it)."""
    service = loket.site.services_by_code.get(service_code)
    if service is None:
        raise Invalid("unknown_service", service=service_code)
    if not service.active:
        raise Closed("service_inactive", service=service_code)
    if priority is not None and priority not in {c.code for c in loket.site.priority_categories}:
        raise Invalid("unknown_priority", priority=priority)
    if idempotency_key is not None:
        async with loket.db.read() as conn:
            existing = await _by_key(conn, loket, idempotency_key)
        if existing is not None:
            return await holder_view(loket, await ticket_view(loket, existing)), False
    now = loket.clock.now()
    loket.gate.check(service, now)
    try:
        async with loket.db.write(loket.ids.site, now) as tx:
            # Checked again inside the transaction: on SQLite writers are serialised, so a
            # racing request with the same key has committed by now.
            existing = await _by_key(tx.conn, loket, idempotency_key) if idempotency_key else None
            if existing is None:
                ticket = await _insert_ticket(tx, loket, service, priority, idempotency_key,
                                              channel)
    except IntegrityError:
        # On PostgreSQL the racing request shows up as a unique violation on the key: ours
        # rolled back (its number too, so no gap), theirs is the ticket.
        if idempotency_key is None:
            raise
        async with loket.db.read() as conn:
            existing = await _by_key(conn, loket, idempotency_key)
        if existing is None:
            raise
    if existing is not None:
        return await holder_view(loket, await ticket_view(loket, existing)), False
    return await holder_view(loket, await ticket_view(loket, ticket)), True


async def _insert_ticket(tx: Tx, loket: Loket, service: Service, priority: str | None,
                         idempotency_key: str | None, channel: str) -> Ticket:
    day = loket.business_day(tx.now)
    service_id = loket.ids.services[service.code]
    # Allocating the number first takes the queue's row lock, so the quota count below sees
    # every ticket committed before us and two kiosks cannot both take the last one.
    number = await _next_number(tx, loket, service.queue, day)
    if service.daily_quota is not None:
        issued = (await tx.conn.execute(select(func.count()).select_from(t.tickets).where(
            t.tickets.c.site_id == loket.ids.site, t.tickets.c.business_day == day,
            t.tickets.c.first_service_id == service_id))).scalar_one()
        if quota_left(service.daily_quota, issued) == 0:
            raise Closed("quota_exhausted", service=service.name, quota=service.daily_quota)
    ticket = Ticket(id=secrets.token_urlsafe(12), service=service.code, queue=service.queue,
                    number=number, priority=priority, status=Status.WAITING, issued_at=tx.now,
                    queued_at=tx.now)
    await tx.conn.execute(insert(t.tickets).values(
        id=ticket.id, site_id=loket.ids.site, service_id=service_id,
        first_service_id=service_id, queue=ticket.queue, business_day=day, number=number,
        priority=priority, status=ticket.status.value, issued_at=tx.now, queued_at=tx.now,
        idempotency_key=idempotency_key, channel=channel,
        visitor_key=secrets.token_urlsafe(16)))
    _emit(tx, loket, "ticket.issued", ticket)
    return ticket


async def _next_number(tx: Tx, loket: Loket, queue: str, day: Any) -> int:
    stmt = upsert(
        tx.conn, t.number_streams,
        {"site_id": loket.ids.site, "queue": queue, "business_day": day, "last_number": 1},
        key=["site_id", "queue", "business_day"],
        update={"last_number": t.number_streams.c.last_number + 1},
    ).returning(t.number_streams.c.last_number)
    return int((await tx.conn.execute(stmt)).scalar_one())


async def _by_key(conn: AsyncConnection, loket: Loket, key: str) -> Ticket | None:
    row = (await conn.execute(select_tickets().where(
        t.tickets.c.site_id == loket.ids.site, t.tickets.c.idempotency_key == key))).first()
    return to_domain(loket, row) if row else None


# --- reading --------------------------------------------------------------------------------


async def visitor_key(loket: Loket, ticket_id: str) -> str | None:
    async with loket.db.read() as conn:
        key = (await conn.execute(select(t.tickets.c.visitor_key).where(
            t.tickets.c.site_id == loket.ids.site, t.tickets.c.id == ticket_id))).scalar()
    return str(key) if key else None


async def holder_view(loket: Loket, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as its holder gets it at issue: with the visitor key, which lets them
    answer the survey, and the tracking URL carrying it. Never put this on a topic."""
    key = await visitor_key(loket, ticket["id"])
    if key is None:
        return ticket
    return {**ticket, "visitor_key": key, "track_url": f"{ticket['track_url']}?k={key}"}


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


class _ServiceTimes:
    """Recent service durations per service, cached briefly: the estimate need not be exact
    to the second, and the query would otherwise run on every issued ticket."""

    ttl_s = 30.0

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int], tuple[float, list[float]]] = {}

    async def get(self, loket: Loket, service_id: int) -> list[float]:
        key = (loket.ids.site, service_id)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        async with loket.db.read() as conn:
            rows = (await conn.execute(
                select(t.tickets.c.called_at, t.tickets.c.started_at, t.tickets.c.finished_at)
                .where(t.tickets.c.site_id == loket.ids.site,
                       t.tickets.c.service_id == service_id,
                       t.tickets.c.status == Status.DONE.value)
                .order_by(t.tickets.c.finished_at.desc()).limit(20))).all()
        durations = [(r.finished_at - (r.started_at or r.called_at)).total_seconds()
                     for r in rows if r.finished_at and (r.started_at or r.called_at)]
        self._cache[key] = (time.monotonic(), durations)
        return durations


service_times = _ServiceTimes()


async def ticket_view(loket: Loket, ticket: Ticket) -> dict[str, Any]:
    """The ticket's JSON with people ahead and the estimated wait while it waits."""
    if ticket.status is not Status.WAITING:
        return {**ticket_json(loket, ticket, ahead=0 if ticket.status in lifecycle.AT_COUNTER
                              else None), "now_serving": None}
    service = loket.site.services_by_code[ticket.service]
    service_id = loket.ids.services[service.code]
    tk = t.tickets
    me = ordering.Candidate(ticket.id, ticket.priority, ticket.queued_at)
    if ticket.priority is not None:
        ahead_filter = and_(tk.c.priority.is_not(None), tk.c.queued_at < me.queued_at)
    else:
        ahead_filter = or_(tk.c.priority.is_not(None), tk.c.queued_at < me.queued_at)
    async with loket.db.read() as conn:
        ahead = (await conn.execute(select(func.count()).select_from(tk).where(
            tk.c.site_id == loket.ids.site, tk.c.status == Status.WAITING.value,
            tk.c.service_id == service_id, tk.c.id != ticket.id, ahead_filter))).scalar_one()
        open_counters = (await conn.execute(
            select(func.count()).select_from(t.counters.join(
                t.counter_services, t.counter_services.c.counter_id == t.counters.c.id))
            .where(t.counter_services.c.service_id == service_id,
                   t.counters.c.state == "open", t.counters.c.priority_only.is_(False))
        )).scalar_one()
        serving = await _now_serving(conn, loket, service_id)
    typical = estimate.typical_service_s(await service_times.get(loket, service_id),
                                         service.service_s)
    wait = estimate.estimate_wait_s(ahead, typical, open_counters)
    return {**ticket_json(loket, ticket, ahead=ahead, estimated_wait_s=wait),
            "now_serving": serving}


async def _now_serving(conn: AsyncConnection, loket: Loket,
                       service_id: int) -> dict[str, Any] | None:
    """The number most recently called at the service and still at a counter: what a
    waiting visitor compares their own number with."""
    tk = t.tickets
    row = (await conn.execute(
        select(tk.c.queue, tk.c.number, tk.c.counter_id).where(
            tk.c.site_id == loket.ids.site, tk.c.service_id == service_id,
            tk.c.business_day == loket.business_day(loket.clock.now()),
            tk.c.status.in_([s.value for s in lifecycle.AT_COUNTER]))
        .order_by(tk.c.called_at.desc(), tk.c.id).limit(1))).first()
    if row is None:
        return None
    code = loket.ids.counter_codes.get(row.counter_id) if row.counter_id else None
    counter = loket.site.counter(code) if code else None
    return {"number": format_number(row.queue, row.number),
            "counter": code, "counter_name": counter.name if counter else None}


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
    counter = loket.counter(counter_code)
    _check_counter(actor, counter_code)
    counter_id = loket.ids.counters[counter_code]
    service_ids = [loket.ids.services[s] for s in counter.services]
    now = loket.clock.now()
    day = loket.business_day(now)
    tk = t.tickets
    async with loket.db.write(loket.ids.site, now) as tx:
        state = await _ready_to_call(tx, counter_id, counter_code)

        def head(priority: bool) -> Any:
            return skip_locked(tx.conn, select(tk.c.id, tk.c.priority, tk.c.queued_at).where(
                tk.c.site_id == loket.ids.site, tk.c.business_day == day,
                tk.c.status == Status.WAITING.value, tk.c.service_id.in_(service_ids),
                tk.c.priority.is_not(None) if priority else tk.c.priority.is_(None),
            ).order_by(tk.c.queued_at, tk.c.id).limit(1))

        p_row = (await tx.conn.execute(head(True))).first()
        n_row = None if counter.priority_only else (await tx.conn.execute(head(False))).first()
        choice = ordering.choose_next(
            candidate(p_row) if p_row else None, candidate(n_row) if n_row else None,
            streak=state.priority_streak, now=now, policy=loket.site.ordering,
            priority_only=counter.priority_only)
        if choice is None:
            return None
        row = (await tx.conn.execute(select_tickets().where(tk.c.id == choice.ticket.id))).one()
        ticket = lifecycle.call(to_domain(loket, row), counter_code, str(actor.user_id), now)
        result = await tx.conn.execute(update(tk).where(
            tk.c.id == ticket.id, tk.c.status == Status.WAITING.value).values(
                status=ticket.status.value, counter_id=counter_id, officer_id=actor.user_id,
                called_at=now, started_at=None, recall_count=0))
        if result.rowcount != 1:  # pragma: no cover - excluded by the locks above
            raise DomainError("conflict")
        await tx.conn.execute(update(t.counters).where(t.counters.c.id == counter_id)
                              .values(priority_streak=choice.streak))
        _emit(tx, loket, "ticket.called", ticket)
    return ticket_json(loket, ticket, ahead=0)


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
        _emit(tx, loket, "ticket.called", ticket, by_number=True)
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
    extra: Callable[[Tx, Ticket, Ticket], Any] | None = None,
) -> dict[str, Any]:
    """Load the ticket under lock, check the actor holds it, apply the rule, save, emit."""
    now = loket.clock.now()
    tk = t.tickets
    async with loket.db.write(loket.ids.site, now) as tx:
        query = select_tickets().where(tk.c.site_id == loket.ids.site, tk.c.id == ticket_id)
        row = (await tx.conn.execute(locking(tx.conn, query))).first()
        if row is None:
            raise NotFound("ticket_not_found")
        before = to_domain(loket, row)
        # The counter holding the ticket acts on it; a supervisor signed in without a counter
        # may clear up a ticket left at a closed counter.
        holds = before.counter is not None and actor.counter == before.counter
        if not (holds or oversees_counters(actor)):
            raise Forbidden("not_your_ticket")
        after = change(before, now)
        result = await tx.conn.execute(update(tk).where(
            tk.c.id == after.id, tk.c.status == before.status.value).values(
                status=after.status.value,
                service_id=loket.ids.services[after.service],
                counter_id=loket.ids.counters[after.counter] if after.counter else None,
                officer_id=int(after.officer) if after.officer else None,
                called_at=after.called_at, started_at=after.started_at,
                finished_at=after.finished_at, recall_count=after.recall_count,
                transfer_count=after.transfer_count))
        if result.rowcount != 1:  # pragma: no cover - the row is locked
            raise DomainError("conflict")
        if extra is not None:
            await extra(tx, before, after)
        _emit(tx, loket, event_type, after if after.counter else before,
              status=after.status.value)
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
