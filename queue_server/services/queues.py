"""What a counter sees of its queues: how many wait for each of its services, and the ticket
it holds right now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from queue_server.domain.lineup import calling_order
from queue_server.domain.numbering import format_number
from queue_server.domain.tickets import AT_COUNTER, Status
from queue_server.services import break_words
from queue_server.services.context import Loket
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import (
    ORDER_TIME,
    candidate,
    select_tickets,
    to_domain,
)
from queue_server.store import tables as t

#: How many of the people waiting the counter screen lists by name (number).
LIST_LIMIT = 30


async def waiting_by_service(loket: Loket) -> dict[str, int]:
    """How many tickets wait now (today) for each of the site's services."""
    now = loket.clock.now()
    async with loket.db.read() as conn:
        counts: dict[int, int] = dict((await conn.execute(
            select(t.tickets.c.service_id, func.count()).where(
                t.tickets.c.site_id == loket.ids.site,
                t.tickets.c.business_day == loket.business_day(now),
                t.tickets.c.status == Status.WAITING.value)
            .group_by(t.tickets.c.service_id))).all())
    return {code: counts.get(service_id, 0) for code, service_id in loket.ids.services.items()}


async def counter_queues(loket: Loket, counter_code: str) -> dict[str, Any]:
    """Today's waiting tickets of each service the counter serves: count, how many are
    priority, and the longest wait so far. A priority-only counter counts only priority
    tickets, since those are all it can call."""
    counter = loket.counter(counter_code)
    now = loket.clock.now()
    tk = t.tickets
    service_ids = [loket.ids.services[code] for code in counter.services]
    conditions = [tk.c.site_id == loket.ids.site,
                  tk.c.business_day == loket.business_day(now),
                  tk.c.status == Status.WAITING.value,
                  tk.c.service_id.in_(service_ids)]
    if counter.priority_only:
        conditions.append(tk.c.priority.is_not(None))
    async with loket.db.read() as conn:
        rows = (await conn.execute(
            select(tk.c.service_id, func.count().label("waiting"),
                   func.sum(case((tk.c.priority.is_not(None), 1), else_=0)).label("priority"),
                   func.min(tk.c.queued_at).label("oldest"))
            .where(*conditions).group_by(tk.c.service_id))).all()
        lineup = await _lineup(loket, conn, counter_code, conditions, now)
    by_service = {row.service_id: row for row in rows}
    queues: list[dict[str, Any]] = []
    for code in counter.services:
        service = loket.site.services_by_code[code]
        row = by_service.get(loket.ids.services[code])
        oldest = row.oldest if row is not None else None
        queues.append({
            "service": code, "name": service.name, "name_en": service.name_en,
            "prefix": service.queue,
            "waiting": int(row.waiting) if row is not None else 0,
            "priority_waiting": int(row.priority or 0) if row is not None else 0,
            "oldest_queued_at": loket.local(oldest),
            "longest_wait_s": max(0, int((now - oldest).total_seconds())) if oldest else 0,
        })
    return {"counter": counter.code, "at": loket.local(now),
            "priority_only": counter.priority_only,
            "total_waiting": sum(q["waiting"] for q in queues),
            "longest_wait_s": max((q["longest_wait_s"] for q in queues), default=0),
            "queues": queues, "next": lineup}


async def _lineup(loket: Loket, conn: Any, counter_code: str, conditions: list[Any],
                  now: Any) -> list[dict[str, Any]]:
    """Who waits at this counter, in the order it would call them: enough of each class's
    oldest tickets to play the calling rule forward ``LIST_LIMIT`` times."""
    tk = t.tickets
    counter_id = loket.ids.counters[counter_code]
    streak = (await conn.execute(select(t.counters.c.priority_streak).where(
        t.counters.c.id == counter_id))).scalar_one_or_none() or 0
    columns = (tk.c.id, tk.c.service_id, tk.c.queue, tk.c.number, tk.c.priority,
               tk.c.queued_at, tk.c.issued_at, tk.c.due_at)
    rows = []
    for is_priority in (True, False):
        rows += (await conn.execute(select(*columns).where(
            *conditions,
            tk.c.priority.is_not(None) if is_priority else tk.c.priority.is_(None))
            .order_by(ORDER_TIME, tk.c.id).limit(LIST_LIMIT))).all()
    by_id = {r.id: r for r in rows}
    candidates = [candidate(r) for r in rows]
    order = calling_order([c for c in candidates if c.priority is not None],
                          [c for c in candidates if c.priority is None],
                          streak=int(streak), now=now, policy=loket.site.ordering,
                          priority_only=loket.counter(counter_code).priority_only,
                          limit=LIST_LIMIT)
    out = []
    for c in order:
        row = by_id[c.id]
        service = loket.site.services_by_code[loket.ids.service_codes[row.service_id]]
        out.append({"id": row.id, "number": format_number(row.queue, row.number),
                    "service": service.code, "service_name": service.name,
                    "service_name_en": service.name_en, "priority": row.priority,
                    "issued_at": loket.local(row.issued_at),
                    "waited_s": max(0, int((now - row.queued_at).total_seconds()))})
    return out


async def counter_current(loket: Loket, counter_code: str) -> dict[str, Any]:
    """The counter's state and the ticket it has called or is serving (``None`` if none),
    so a reloaded counter screen picks up where it was."""
    loket.counter(counter_code)
    counter_id = loket.ids.counters[counter_code]
    tk = t.tickets
    async with loket.db.read() as conn:
        state = (await conn.execute(select(t.counters.c.state, t.counters.c.state_since).where(
            t.counters.c.id == counter_id))).first()
        row = (await conn.execute(select_tickets().where(
            tk.c.site_id == loket.ids.site,
            tk.c.counter_id == counter_id,
            tk.c.status.in_([s.value for s in AT_COUNTER]))
            .order_by(tk.c.called_at.desc()).limit(1))).first()
        pause = await _break(loket, conn, counter_id)
    return {"counter": counter_code,
            "state": state.state if state is not None else "closed",
            "since": loket.local(state.state_since) if state is not None else None,
            "ticket": ticket_json(loket, to_domain(loket, row), ahead=0) if row else None,
            "break": pause}


async def _break(loket: Loket, conn: Any, counter_id: int) -> dict[str, Any] | None:
    """The counter's break under way or waiting for its turn, so a reloaded screen still
    shows a queued request as queued."""
    b = t.breaks
    row = (await conn.execute(select(b.c.state, b.c.minutes, b.c.requested_at, b.c.until)
                              .where(b.c.site_id == loket.ids.site, b.c.counter_id == counter_id,
                                     b.c.state.in_(["queued", "granted", "overdue"]))
                              .order_by(b.c.requested_at.desc()).limit(1))).first()
    if row is None:
        return None
    position = None
    if row.state == "queued":
        position = (await conn.execute(select(func.count()).select_from(b).where(
            b.c.site_id == loket.ids.site, b.c.state == "queued",
            b.c.requested_at <= row.requested_at))).scalar_one()
        words = break_words.waiting_now(int(position))
    else:
        words = break_words.granted(loket, row.until)
    return {"state": "queued" if row.state == "queued" else "granted",
            "minutes": row.minutes, "requested_at": loket.local(row.requested_at),
            "until": loket.local(row.until), "position": position,
            "message_id": words[0], "message_en": words[1]}
