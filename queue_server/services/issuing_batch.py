"""Issuing a batch of tickets in one writing transaction (see ``group_commit.py``).

The outcome is exactly that of issuing the batch's requests one after another in arrival
order: a repeated ``Idempotency-Key`` gets the ticket it already produced (in an earlier
transaction or earlier in this batch), a used-up quota refuses that request alone, and each
queue's numbers stay contiguous. The cost is per batch: one key lookup, one number step for
all queues, one quota count, one multi-row insert, one event-sequence bump, and the counts a
waiting visitor is told.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import ordering
from queue_server.domain.errors import Closed
from queue_server.domain.schedule import quota_left
from queue_server.domain.tickets import Status, Ticket
from queue_server.services.context import Loket
from queue_server.services.ticket_events import emit_ticket
from queue_server.services.ticket_rows import select_tickets, to_domain
from queue_server.services.waiting import (
    holder_json,
    holder_view,
    now_serving,
    open_counters,
    ticket_view,
    waiting_view,
)
from queue_server.site import Service
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import lock_key, upsert

#: A batch that loses a race on an idempotency key to another process is tried again (its
#: numbers rolled back with it); after this many tries each request goes alone.
ATTEMPTS = 3

Answer = tuple[dict[str, Any], bool]


@dataclass(frozen=True)
class Request:
    service: Service
    priority: str | None
    key: str | None
    channel: str
    now: datetime
    #: a checked-in online booking: its id, and its slot's start (the calling order's time);
    #: its seat was counted when booked, so the quota does not refuse it
    booking_id: int | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class _New:
    ticket: Ticket
    visitor_key: str


@dataclass(frozen=True)
class _Existing:
    """The key had already produced this ticket in an earlier transaction."""

    ticket: Ticket


@dataclass(frozen=True)
class _Same:
    """The key was used earlier in this batch: the answer is that request's ticket."""

    index: int


_Outcome = _New | _Existing | _Same | Exception


async def issue_batch(loket: Loket, requests: list[Request]) -> list[Answer | Exception]:
    """Each request's answer (the ticket as its holder gets it, and whether it was created
    now) or its refusal, in order."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            outcomes, counted = await _written(loket, requests)
            break
        except IntegrityError:
            # Another process committed a ticket under one of our keys between our lookup
            # and our insert. Everything here rolled back, numbers too; the next try finds
            # that ticket.
            if attempt < ATTEMPTS:
                continue
            if len(requests) == 1:
                raise
            return [await _alone(loket, r) for r in requests]
    views: dict[int, dict[str, Any]] = {}
    for i, (seen, counters, serving) in counted.items():
        new = outcomes[i]
        assert isinstance(new, _New)
        views[i] = holder_json(await waiting_view(loket, new.ticket, seen, counters, serving),
                               new.visitor_key)
    answers: list[Answer | Exception] = []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, _New):
            answers.append((views[i], True))
        elif isinstance(outcome, _Same):
            answers.append((views[outcome.index], False))
        elif isinstance(outcome, _Existing):
            answers.append((await holder_view(loket, await ticket_view(loket, outcome.ticket)),
                            False))
        else:
            answers.append(outcome)
    return answers


async def _alone(loket: Loket, request: Request) -> Answer | Exception:
    try:
        return (await issue_batch(loket, [request]))[0]
    except Exception as exc:  # this request's failure is its own
        return exc


async def _written(loket: Loket, requests: list[Request]
                   ) -> tuple[list[_Outcome], dict[int, _Counted]]:
    """The batch's outcomes, committed, and what each new ticket's visitor is told.

    That is read on a connection of its own while the tickets are written and committed, so
    the transaction (which holds the queues' number rows, and on SQLite the write lock) is
    that much shorter: the reads need none of the batch's rows (its tickets are placed among
    the others in memory), and every ticket of the same queues committed before ours is
    visible to them, since we hold those queues' number rows by then."""
    counting: asyncio.Task[dict[int, _Counted]] | None = None
    try:
        async with loket.db.write(loket.ids.site, max(r.now for r in requests)) as tx:
            outcomes, rows = await _decide(tx, loket, requests)
            counting = asyncio.create_task(_count_around(loket, outcomes))
            await _store(tx, loket, outcomes, rows)
        return outcomes, await counting
    finally:
        if counting is not None:
            if not counting.done():  # the transaction failed: nobody needs the count
                counting.cancel()
            # Never left running or failing unseen; a failed count after a failed write
            # says nothing the write's own exception does not.
            await asyncio.gather(counting, return_exceptions=True)


async def _decide(tx: Tx, loket: Loket, requests: list[Request]
                  ) -> tuple[list[_Outcome], list[dict[str, Any]]]:
    """One outcome per request, numbers reserved for the new tickets, and their rows."""
    site = loket.ids.site
    tk = t.tickets
    keys = {r.key for r in requests if r.key is not None}
    stored: dict[str, Ticket] = {}
    if keys:
        rows = (await tx.conn.execute(select_tickets().add_columns(tk.c.idempotency_key).where(
            tk.c.site_id == site, tk.c.idempotency_key.in_(keys)))).all()
        stored = {row.idempotency_key: to_domain(loket, row) for row in rows}
    dated = [(r, loket.business_day(r.now)) for r in requests]
    # Reserve numbers for every request that may take one. Taking these row locks first
    # means the quota count below sees every ticket committed before us.
    wanted = collections.Counter((r.service.queue, day) for r, day in dated
                                 if r.key not in stored)
    first = await _reserve_numbers(tx, loket, wanted)
    used = await _quota_used(tx, loket, [(r, d) for r, d in dated if r.key not in stored])
    following = dict(first)
    outcomes: list[_Outcome] = []
    taken_by_key: dict[str, int] = {}
    rows_out: list[dict[str, Any]] = []
    for i, (request, day) in enumerate(dated):
        if request.key is not None and request.key in stored:
            outcomes.append(_Existing(stored[request.key]))
            continue
        if request.key is not None and request.key in taken_by_key:
            outcomes.append(_Same(taken_by_key[request.key]))
            continue
        service = request.service
        service_id = loket.ids.services[service.code]
        if service.daily_quota is not None and request.booking_id is None:
            if quota_left(service.daily_quota, used[(service_id, day)]) == 0:
                outcomes.append(Closed("quota_exhausted", service=service.name,
                                       quota=service.daily_quota))
                continue
            used[(service_id, day)] += 1
        number = following[(service.queue, day)]
        following[(service.queue, day)] += 1
        ticket = Ticket(id=secrets.token_urlsafe(12), service=service.code, queue=service.queue,
                        number=number, priority=request.priority, status=Status.WAITING,
                        issued_at=request.now, queued_at=request.now)
        new = _New(ticket, secrets.token_urlsafe(16))
        rows_out.append({
            "id": ticket.id, "site_id": site, "service_id": service_id,
            "first_service_id": service_id, "queue": ticket.queue, "business_day": day,
            "number": number, "priority": ticket.priority, "status": ticket.status.value,
            "issued_at": request.now, "queued_at": request.now,
            "idempotency_key": request.key, "channel": request.channel,
            "visitor_key": new.visitor_key, "booking_id": request.booking_id,
            "due_at": request.due_at})
        if request.key is not None:
            taken_by_key[request.key] = i
        outcomes.append(new)
    await _give_back_numbers(tx, loket, wanted, first, following)
    return outcomes, rows_out


async def _store(tx: Tx, loket: Loket, outcomes: list[_Outcome],
                 rows: list[dict[str, Any]]) -> None:
    """The new tickets' rows and their events."""
    if rows:
        await tx.conn.execute(insert(t.tickets), rows)
    for outcome in outcomes:
        if isinstance(outcome, _New):
            emit_ticket(tx, loket, "ticket.issued", outcome.ticket)


async def _reserve_numbers(tx: Tx, loket: Loket,
                           wanted: collections.Counter[tuple[str, date]]
                           ) -> dict[tuple[str, date], int]:
    """Step each (queue, day) by the numbers wanted, in one statement (``UPDATE … RETURNING``
    as an upsert); the first reserved number of each. Rows go in a fixed order, so two
    processes lock the same queues in the same order and cannot deadlock."""
    if not wanted:
        return {}
    ns = t.number_streams
    rows = [{"site_id": loket.ids.site, "queue": queue, "business_day": day,
             "last_number": count} for (queue, day), count in sorted(wanted.items())]
    stmt = upsert(tx.conn, ns, rows, key=["site_id", "queue", "business_day"],
                  update=lambda proposed: {
                      "last_number": ns.c.last_number + proposed.last_number}
                  ).returning(ns.c.queue, ns.c.business_day, ns.c.last_number)
    first: dict[tuple[str, date], int] = {}
    for queue, day, last in (await tx.conn.execute(stmt)):
        first[(queue, day)] = int(last) - wanted[(queue, day)] + 1
    return first


async def _give_back_numbers(tx: Tx, loket: Loket,
                             wanted: collections.Counter[tuple[str, date]],
                             first: dict[tuple[str, date], int],
                             following: dict[tuple[str, date], int]) -> None:
    """Return the numbers reserved for requests that did not take one (a used-up quota, a
    key repeated in the batch), so that each queue's numbers stay contiguous. We hold the
    rows' locks, so nobody took a number after ours."""
    ns = t.number_streams
    for (queue, day), count in wanted.items():
        if following[(queue, day)] != first[(queue, day)] + count:
            await tx.conn.execute(update(ns).where(
                ns.c.site_id == loket.ids.site, ns.c.queue == queue,
                ns.c.business_day == day).values(last_number=following[(queue, day)] - 1))


async def _quota_used(tx: Tx, loket: Loket, requests: list[tuple[Request, date]]
                      ) -> collections.Counter[tuple[int, date]]:
    """Tickets already issued per (service, day) for the services that have a daily quota."""
    ids = {loket.ids.services[r.service.code] for r, _ in requests
           if r.service.daily_quota is not None}
    used: collections.Counter[tuple[int, date]] = collections.Counter()
    if not ids:
        return used
    days = {d for _, d in requests}
    # A booking of the same service and day takes this lock too (services/booking.py), so
    # the two never both take the last place of the quota; sorted: no deadlock.
    for service_id, day in sorted((i, d) for i in ids for d in days):
        await lock_key(tx.conn, quota_lock(loket.ids.site, service_id, day))
    # Seats booked online and not yet checked in are part of the quota too.
    b = t.bookings
    for service_id, day, count in (await tx.conn.execute(
            select(b.c.service_id, b.c.business_day, func.count()).where(
                b.c.site_id == loket.ids.site, b.c.business_day.in_(days),
                b.c.service_id.in_(ids), b.c.status == "booked")
            .group_by(b.c.service_id, b.c.business_day))).all():
        used[(int(service_id), day)] += int(count)
    tk = t.tickets
    rows = (await tx.conn.execute(
        select(tk.c.first_service_id, tk.c.business_day, func.count()).where(
            tk.c.site_id == loket.ids.site, tk.c.business_day.in_({d for _, d in requests}),
            tk.c.first_service_id.in_(ids))
        .group_by(tk.c.first_service_id, tk.c.business_day))).all()
    for service_id, day, count in rows:
        used[(int(service_id), day)] += int(count)
    return used


def quota_lock(site_id: int, service_id: int, day: date) -> int:
    """The advisory lock (PostgreSQL) a quota count and a booking of one service and day
    share."""
    digest = hashlib.sha256(f"quota|{site_id}|{service_id}|{day}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def insert_one(tx: Tx, loket: Loket, request: Request) -> Ticket:
    """One ticket inside the caller's transaction, by the batch's own rules (a booking's
    check-in marks the booking in the same transaction)."""
    outcomes, rows = await _decide(tx, loket, [request])
    await _store(tx, loket, outcomes, rows)
    outcome = outcomes[0]
    if isinstance(outcome, Exception):
        raise outcome
    assert isinstance(outcome, _New)
    return outcome.ticket


_Counted = tuple[ordering.Around, int, "dict[str, Any] | None"]


async def _count_around(loket: Loket, outcomes: list[_Outcome]) -> dict[int, _Counted]:
    """For each new ticket (by index): the waiting tickets around it, the open counters and
    the number now served at its service, counted for the whole batch in a few queries.

    Waiting tickets queued before the batch's earliest ticket are older than all of its
    tickets, so they are counted by class; the few queued since (the batch itself, another
    process's) are loaded and placed by :func:`ordering.around`."""
    new = {i: o.ticket for i, o in enumerate(outcomes) if isinstance(o, _New)}
    if not new:
        return {}
    service_ids = {loket.ids.services[ticket.service] for ticket in new.values()}
    async with loket.db.read() as conn:
        return await _counted(conn, loket, new, service_ids)


_TK = t.tickets
_WAITING = (_TK.c.site_id == bindparam("site"), _TK.c.status == Status.WAITING.value,
            _TK.c.service_id.in_(bindparam("services", expanding=True)))
_IS_PRIORITY = _TK.c.priority.is_not(None)
# Built once (see waiting.py): waiting tickets older than the batch, counted per service and
# class, and the few queued since, one by one.
_WAITING_BEFORE = (select(_TK.c.service_id, _IS_PRIORITY, func.count())
                   .where(*_WAITING, _TK.c.queued_at < bindparam("since"))
                   .group_by(_TK.c.service_id, _IS_PRIORITY))
_WAITING_SINCE = (select(_TK.c.id, _TK.c.service_id, _TK.c.priority, _TK.c.queued_at)
                  .where(*_WAITING, _TK.c.queued_at >= bindparam("since")))


async def _counted(conn: AsyncConnection, loket: Loket, new: dict[int, Ticket],
                   service_ids: set[int]) -> dict[int, _Counted]:
    params = {"site": loket.ids.site, "services": sorted(service_ids),
              "since": min(ticket.queued_at for ticket in new.values())}
    before: dict[tuple[int, bool], int] = {
        (int(service_id), bool(priority)): int(count)
        for service_id, priority, count in await conn.execute(_WAITING_BEFORE, params)}
    # Queued since: another process's tickets, and (below) the batch's own, each seeing only
    # the ones issued before it, as if issued one after another.
    recent: dict[int, list[ordering.Candidate]] = collections.defaultdict(list)
    ours = {ticket.id for ticket in new.values()}
    for row in (await conn.execute(_WAITING_SINCE, params)).all():
        if row.id not in ours:
            recent[row.service_id].append(ordering.Candidate(row.id, row.priority,
                                                             row.queued_at))
    counters = await open_counters(conn, loket, service_ids)
    serving = await now_serving(conn, loket, service_ids)
    counted: dict[int, _Counted] = {}
    for i, ticket in sorted(new.items()):
        service_id = loket.ids.services[ticket.service]
        me = ordering.Candidate(ticket.id, ticket.priority, ticket.queued_at)
        earlier = ordering.Around(older_priority=before.get((service_id, True), 0),
                                  older_normal=before.get((service_id, False), 0))
        counted[i] = (earlier + ordering.around(me, recent[service_id]),
                      counters.get(service_id, 0), serving.get(service_id))
        recent[service_id].append(me)
    return counted
