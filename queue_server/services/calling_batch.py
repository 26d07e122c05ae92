"""Calling the next ticket for a batch of counters in one writing transaction (see
``group_commit.py``).

The outcome is exactly that of the batch's calls made one after another in arrival order:
each counter gets the ticket it would have got (priority first without starving the others,
its streak carried from one call to its next), a ticket taken by an earlier call of the batch
is not there for the later ones, a counter on break, closed or still holding a ticket is
refused alone, and an empty queue answers ``None``. The cost is per batch: one read of the
counters, one of the tickets they hold, one read of the queue heads, one update of the called
tickets, one of the streaks and one event-sequence bump.
"""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Integer, bindparam, select, true, union_all, update
from sqlalchemy.exc import NoResultFound

from queue_server.domain import ordering
from queue_server.domain import tickets as lifecycle
from queue_server.domain.errors import DomainError
from queue_server.domain.numbering import format_number
from queue_server.domain.tickets import Status, Ticket
from queue_server.services.context import Loket
from queue_server.services.ticket_events import emit_ticket
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import ORDER_TIME, TICKET_COLUMNS, candidate, to_domain
from queue_server.services.visitors import booked_visitors
from queue_server.site import Counter
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import bound_rows, row_locks, skip_locked_if

#: The called ticket as the counter gets it and, for a booked visitor, their details
#: (``visitors.py``); ``None`` when nobody waits for the counter.
Answer = tuple[dict[str, Any], dict[str, Any] | None] | None


@dataclass(frozen=True)
class Request:
    counter: Counter
    user_id: int
    now: datetime


@dataclass
class _Desk:
    """One request's counter as the batch sees it."""

    request: Request
    id: int
    services: frozenset[int]
    day: date


async def call_batch(loket: Loket, requests: list[Request]) -> list[Answer | Exception]:
    """Each request's called ticket (``None``: nobody waits) or its refusal, in order."""
    async with loket.db.write(loket.ids.site, max(r.now for r in requests)) as tx:
        outcomes, booked = await _call(tx, loket, requests)
        # Only a ticket a booking checked in has a visitor to show: most calls read nothing.
        visitors = await booked_visitors(tx.conn, loket.ids.site, booked)
    return [o if o is None or isinstance(o, Exception)
            else (ticket_json(loket, o, ahead=0), visitors.get(o.id)) for o in outcomes]


#: Built once, like the statements below: the calling counters' state and streak, and the
#: tickets they hold.
_STATES = select(t.counters.c.id, t.counters.c.state, t.counters.c.priority_streak).where(
    t.counters.c.id.in_(bindparam("counters", expanding=True)))
_HELD = select(t.tickets.c.counter_id, t.tickets.c.queue, t.tickets.c.number).where(
    t.tickets.c.counter_id.in_(bindparam("counters", expanding=True)),
    t.tickets.c.status.in_([Status.CALLED.value, Status.SERVING.value]))


async def _call(tx: Tx, loket: Loket, requests: list[Request]
                ) -> tuple[list[Ticket | Exception | None], list[str]]:
    """Each request's called ticket, refusal or ``None``; and the called tickets that a
    booking checked in."""
    desks = [_Desk(r, loket.ids.counters[r.counter.code],
                   frozenset(loket.ids.services[s] for s in r.counter.services),
                   loket.business_day(r.now)) for r in requests]
    counters = {"counters": sorted({d.id for d in desks})}
    states = {row.id: row for row in await tx.conn.execute(_STATES, counters)}
    held: dict[int, str] = {row.counter_id: format_number(row.queue, row.number)
                            for row in await tx.conn.execute(_HELD, counters)}
    calling = [d for d in desks
               if d.id in states and states[d.id].state == "open" and d.id not in held]
    heads = await _heads(tx, loket, calling)
    # Each service's heads, with the candidate the domain orders, made once for the batch.
    lines: dict[int, list[tuple[Any, ordering.Candidate]]] = collections.defaultdict(list)
    for row in heads:
        lines[row.service_id].append((row, candidate(row)))
    streaks = {counter_id: int(row.priority_streak) for counter_id, row in states.items()}
    taken: set[str] = set()
    outcomes: list[Ticket | Exception | None] = []
    for desk in desks:
        try:
            outcome = _one(loket, desk, states, held, lines, streaks, taken)
        except Exception as exc:  # this request's refusal is its own
            outcomes.append(exc)
            continue
        outcomes.append(outcome)
        if outcome is not None:
            held[desk.id] = format_number(outcome.queue, outcome.number)
    called = [(desk, o) for desk, o in zip(desks, outcomes, strict=True)
              if isinstance(o, Ticket)]
    if called:
        await _store(tx, called, {cid: s for cid, s in streaks.items()
                                  if s != states[cid].priority_streak})
        for _, ticket in called:
            emit_ticket(tx, loket, "ticket.called", ticket)
    booked = [row.id for row in heads if row.booking_id is not None and row.id in taken]
    return outcomes, booked


def _one(loket: Loket, desk: _Desk, states: dict[int, Any], held: dict[int, str],
         lines: dict[int, list[tuple[Any, ordering.Candidate]]], streaks: dict[int, int],
         taken: set[str]) -> Ticket | None:
    """One call, as ``call_next`` alone would make it, given what the earlier calls of the
    batch took; updates ``streaks`` and ``taken``."""
    code = desk.request.counter.code
    state = states.get(desk.id)
    if state is None:
        raise NoResultFound("No row was found when one was required")
    if state.state == "break":
        raise DomainError("counter_on_break", counter=code)
    if state.state != "open":
        raise DomainError("counter_closed", counter=code)
    if desk.id in held:
        raise DomainError("counter_busy", number=held[desk.id])
    counter = desk.request.counter
    mine = [(row, c) for service in desk.services for row, c in lines.get(service, ())
            if row.id not in taken and row.business_day == desk.day]
    p_head, n_head = ordering.heads(c for _, c in mine)
    choice = ordering.choose_next(p_head, n_head, streak=streaks[desk.id],
                                  now=desk.request.now, policy=loket.site.ordering,
                                  priority_only=counter.priority_only)
    if choice is None:
        return None
    row = next(row for row, c in mine if c.id == choice.ticket.id)
    ticket = lifecycle.call(to_domain(loket, row), code, str(desk.request.user_id),
                            desk.request.now)
    taken.add(row.id)
    streaks[desk.id] = choice.streak
    return ticket


async def _heads(tx: Tx, loket: Loket, calling: list[_Desk]) -> list[Any]:
    """The first waiting tickets of each service the calling counters serve, per class
    (priority, normal) — as many as there are calls in the batch that could take from that
    service, so that every call finds its head however many earlier calls took before it.
    Each service's line is read from ``ix_tickets_line``, already in order; on PostgreSQL the
    rows are locked, and rows another process is calling are passed over."""
    wanted: collections.Counter[tuple[int, date, bool]] = collections.Counter()
    for desk in calling:
        for service in desk.services:
            wanted[(service, desk.day, True)] += 1
            if not desk.request.counter.priority_only:
                wanted[(service, desk.day, False)] += 1
    if not wanted:  # every call of the batch was refused
        return []
    lines = sorted(wanted.items())
    if not row_locks(tx.conn):
        return await _heads_sqlite(tx, loket, lines)
    return list((await tx.conn.execute(_HEADS_POSTGRESQL, {
        "site": loket.ids.site, "services": [service for (service, _, _), _ in lines],
        "days": [day for (_, day, _), _ in lines],
        "normals": [not priority for (_, _, priority), _ in lines],
        "counts": [count for _, count in lines]})).all())


def _line(service: Any, day: Any, normal: Any, count: Any) -> Any:
    """One service's first ``count`` waiting tickets of a class, in calling order."""
    tk = t.tickets
    return select(*TICKET_COLUMNS, tk.c.due_at, tk.c.booking_id).where(
        tk.c.service_id == service, tk.c.business_day == day, t.in_line,
        tk.c.site_id == bindparam("site", type_=Integer), tk.c.priority.is_(None) == normal,
    ).order_by(ORDER_TIME, tk.c.id).limit(count)


#: PostgreSQL: every line in one statement of one shape, so it is planned once per
#: connection — a union of one branch per line took longer to plan than to run.
_WANTED = bound_rows("wanted", services=Integer, days=Date, normals=Boolean, counts=Integer)
_LINES = skip_locked_if(True, _line(_WANTED.c.services, _WANTED.c.days, _WANTED.c.normals,
                                    _WANTED.c.counts)).lateral("line")
_HEADS_POSTGRESQL = select(_LINES).select_from(_WANTED.join(_LINES, true()))

#: SQLite has neither LATERAL nor arrays: a union of one branch per line, at most this many
#: per statement. Building and compiling a union of 128 took ~200 ms, once per size while a
#: server warms up, and every call waited for it; one of 32 takes ~30 ms.
_BRANCHES = 32


async def _heads_sqlite(tx: Tx, loket: Loket,
                        lines: list[tuple[tuple[int, date, bool], int]]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(lines), _BRANCHES):
        chunk = lines[start:start + _BRANCHES]
        # A few sizes of statement rather than one per number of lines: building and
        # compiling one took longer than running it, tens of times over while a server
        # warmed up. The lines added read nothing (LIMIT 0).
        size = min(_BRANCHES, 1 << (len(chunk) - 1).bit_length())
        padded = chunk + [(chunk[0][0], 0)] * (size - len(chunk))
        params: dict[str, Any] = {"site": loket.ids.site}
        for i, ((service, day, priority), count) in enumerate(padded):
            params.update({f"service{i}": service, f"day{i}": day,
                           f"normal{i}": not priority, f"count{i}": count})
        rows += (await tx.conn.execute(_heads_union(size), params)).all()
    return rows


@functools.lru_cache(maxsize=16)
def _heads_union(branches: int) -> Any:
    """``branches`` lines in one statement, each a subquery of its own so that its ORDER BY
    and LIMIT stay with it."""
    day_type = t.tickets.c.business_day.type
    queries = [_line(bindparam(f"service{i}", type_=Integer),
                     bindparam(f"day{i}", type_=day_type),
                     bindparam(f"normal{i}", type_=Boolean),
                     bindparam(f"count{i}", type_=Integer)) for i in range(branches)]
    if branches == 1:
        return queries[0]
    return union_all(*(select(*q.subquery().c) for q in queries))


#: Built once: the called tickets (executemany), and the counters' streaks.
_CALLED = update(t.tickets).where(
    t.tickets.c.id == bindparam("b_id"), t.tickets.c.status == Status.WAITING.value,
).values(status=Status.CALLED.value, counter_id=bindparam("b_counter"),
         officer_id=bindparam("b_officer"),
         called_at=bindparam("b_at", type_=t.tickets.c.called_at.type),
         started_at=None, recall_count=0)
_STREAK = update(t.counters).where(t.counters.c.id == bindparam("b_id")).values(
    priority_streak=bindparam("b_streak"))


async def _store(tx: Tx, called: list[tuple[_Desk, Ticket]], streaks: dict[int, int]) -> None:
    result = await tx.conn.execute(_CALLED, [
        {"b_id": ticket.id, "b_counter": desk.id, "b_officer": desk.request.user_id,
         "b_at": desk.request.now} for desk, ticket in called])
    if (tx.conn.dialect.supports_sane_multi_rowcount
            and result.rowcount != len(called)):  # pragma: no cover - the heads are locked
        raise DomainError("conflict")
    if streaks:
        await tx.conn.execute(_STREAK, [{"b_id": cid, "b_streak": streak}
                                        for cid, streak in sorted(streaks.items())])
