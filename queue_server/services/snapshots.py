"""What a WebSocket client gets on connect: the current state of the topics it follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain.errors import NotFound
from queue_server.domain.tickets import AT_COUNTER, Status
from queue_server.events.feed import current_seq
from queue_server.services import queues
from queue_server.services.context import Loket
from queue_server.services.screens import announced_through
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import select_tickets, to_domain
from queue_server.services.tickets import get_ticket
from queue_server.store import tables as t

RECENT_CALLS = 8


def _call_json(loket: Loket, row: Any) -> dict[str, Any]:
    return ticket_json(loket, to_domain(loket, row))


async def display_state(loket: Loket, conn: AsyncConnection, *,
                        agency: str | None = None) -> dict[str, Any]:
    """Counters with what they serve, the last calls, waiting counts per agency."""
    now = loket.clock.now()
    day = loket.business_day(now)
    tk = t.tickets
    site = loket.site
    counters = [c for c in site.counters if agency is None or c.agency in {agency, None}]
    states = {r.id: r.state for r in (await conn.execute(
        select(t.counters.c.id, t.counters.c.state).where(
            t.counters.c.site_id == loket.ids.site))).all()}
    held = {r.counter_id: r for r in (await conn.execute(select_tickets().where(
        tk.c.site_id == loket.ids.site, tk.c.business_day == day,
        tk.c.status.in_([s.value for s in AT_COUNTER])))).all()}
    recent_query = select_tickets().where(
        tk.c.site_id == loket.ids.site, tk.c.business_day == day, tk.c.called_at.is_not(None),
        tk.c.counter_id.is_not(None))
    if agency is not None:
        service_ids = [loket.ids.services[s.code] for s in site.services if s.agency == agency]
        recent_query = recent_query.where(tk.c.service_id.in_(service_ids))
    recent = (await conn.execute(recent_query.order_by(tk.c.called_at.desc(), tk.c.id)
                                 .limit(RECENT_CALLS))).all()
    waiting_rows = (await conn.execute(
        select(tk.c.service_id, func.count().label("n")).where(
            tk.c.site_id == loket.ids.site, tk.c.business_day == day,
            tk.c.status == Status.WAITING.value).group_by(tk.c.service_id))).all()
    per_agency: dict[str, int] = {}
    for row in waiting_rows:
        code = loket.ids.service_codes.get(row.service_id)
        if code is not None:
            owner = site.services_by_code[code].agency
            per_agency[owner] = per_agency.get(owner, 0) + int(row.n)
    agencies = [a for a in site.agencies if agency is None or a.code == agency]
    return {
        "agency": agency,
        "counters": [{
            "code": c.code, "number": c.number, "name": c.name, "agency": c.agency,
            "priority_only": c.priority_only,
            "state": states.get(loket.ids.counters[c.code], "closed"),
            "ticket": (_call_json(loket, held[loket.ids.counters[c.code]])
                       if loket.ids.counters[c.code] in held else None),
        } for c in counters],
        "recent_calls": [_call_json(loket, r) for r in recent],
        "waiting": [{"agency": a.code, "name": a.short_name, "full_name": a.name,
                     "queue": a.queue, "waiting": per_agency.get(a.code, 0)}
                    for a in agencies],
    }


def site_json(loket: Loket) -> dict[str, Any]:
    site = loket.site
    return {"code": site.code, "name": site.name, "address": site.address,
            "timezone": site.timezone, "maklumat": site.maklumat,
            "notices": list(site.notices)}


async def snapshot(loket: Loket, topics: frozenset[str], *, zone: str | None = None,
                   agency: str | None = None) -> dict[str, Any]:
    """The ``snapshot`` message: ``seq`` is read first, so the state is at least as new as
    ``seq`` (events after it may already show in the state; applying them again is
    harmless)."""
    async with loket.db.read() as conn:
        seq = await current_seq(conn, loket.ids.site)
        message: dict[str, Any] = {"type": "snapshot", "seq": seq,
                                   "at": loket.local(loket.clock.now()),
                                   "topics": sorted(topics), "site": site_json(loket)}
        if "display" in topics or any(tp.startswith("agency:") for tp in topics):
            display = await display_state(loket, conn, agency=agency)
            if zone is not None:
                display["zone"] = zone
                display["announced_through"] = await announced_through(
                    conn, loket.ids.site, zone)
            message["display"] = display
        services = [tp.split(":", 1)[1] for tp in topics if tp.startswith("service:")]
        if services:
            message["services"] = await _waiting(loket, conn, services)
    counters = sorted(tp.split(":", 1)[1] for tp in topics if tp.startswith("counter:"))
    if counters:
        message["counters"] = {
            code: {**await queues.counter_current(loket, code),
                   **await queues.counter_queues(loket, code)} for code in counters}
    tickets = sorted(tp.split(":", 1)[1] for tp in topics if tp.startswith("ticket:"))
    if tickets:
        message["tickets"] = {}
        for ticket_id in tickets:
            try:
                message["tickets"][ticket_id] = await get_ticket(loket, ticket_id)
            except NotFound:
                message["tickets"][ticket_id] = None
    return message


async def _waiting(loket: Loket, conn: AsyncConnection,
                   codes: list[str]) -> dict[str, dict[str, int]]:
    tk = t.tickets
    day = loket.business_day(loket.clock.now())
    ids = {loket.ids.services[c]: c for c in codes}
    rows = (await conn.execute(select(tk.c.service_id, func.count().label("n")).where(
        tk.c.site_id == loket.ids.site, tk.c.business_day == day,
        tk.c.status == Status.WAITING.value, tk.c.service_id.in_(list(ids)))
        .group_by(tk.c.service_id))).all()
    counts = {ids[r.service_id]: int(r.n) for r in rows}
    return {code: {"waiting": counts.get(code, 0)} for code in codes}
