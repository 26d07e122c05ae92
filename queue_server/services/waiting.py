"""What a waiting visitor is told: people ahead, the estimated wait and the number now
served at their service. Issuing (a whole batch at once) and reading a ticket use the same
queries and the same rule (:func:`ordering.ahead_of`)."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, bindparam, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import estimate, ordering
from queue_server.domain import tickets as lifecycle
from queue_server.domain.numbering import format_number
from queue_server.domain.tickets import Status, Ticket
from queue_server.services.context import Loket
from queue_server.services.ticket_json import ticket_json
from queue_server.services.ticket_rows import ORDER_TIME
from queue_server.store import tables as t


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


async def visitor_key(loket: Loket, ticket_id: str) -> str | None:
    async with loket.db.read() as conn:
        key = (await conn.execute(select(t.tickets.c.visitor_key).where(
            t.tickets.c.site_id == loket.ids.site, t.tickets.c.id == ticket_id))).scalar()
    return str(key) if key else None


async def holder_view(loket: Loket, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as its holder gets it at issue: with the visitor key, which lets them
    answer the survey, and the tracking URL carrying it. Never put this on a topic."""
    key = await visitor_key(loket, ticket["id"])
    return ticket if key is None else holder_json(ticket, key)


def holder_json(ticket: dict[str, Any], key: str) -> dict[str, Any]:
    return {**ticket, "visitor_key": key, "track_url": f"{ticket['track_url']}?k={key}"}


async def ticket_view(loket: Loket, ticket: Ticket) -> dict[str, Any]:
    """The ticket's JSON with people ahead and the estimated wait while it waits."""
    if ticket.status is not Status.WAITING:
        return {**ticket_json(loket, ticket, ahead=0 if ticket.status in lifecycle.AT_COUNTER
                              else None), "now_serving": None}
    service_id = loket.ids.services[ticket.service]
    async with loket.db.read() as conn:
        # A checked-in booking waits by its slot's start (ordering.Candidate.sort_key).
        due = (await conn.execute(select(t.tickets.c.due_at).where(
            t.tickets.c.id == ticket.id))).scalar()
        me = ordering.Candidate(ticket.id, ticket.priority, ticket.queued_at, due_at=due)
        seen = await waiting_around(conn, loket, me, service_id)
        counters = await open_counters(conn, loket, [service_id])
        serving = await now_serving(conn, loket, [service_id])
    return await waiting_view(loket, ticket, seen, counters.get(service_id, 0),
                              serving.get(service_id))


async def waiting_view(loket: Loket, ticket: Ticket, seen: ordering.Around, counters: int,
                       serving: dict[str, Any] | None) -> dict[str, Any]:
    """A waiting ticket's JSON from what was counted around it."""
    service = loket.site.services_by_code[ticket.service]
    ahead = ordering.ahead_of(ticket.priority, seen)
    typical = estimate.typical_service_s(
        await service_times.get(loket, loket.ids.services[service.code]), service.service_s)
    wait = estimate.estimate_wait_s(ahead, typical, counters)
    return {**ticket_json(loket, ticket, ahead=ahead, estimated_wait_s=wait),
            "now_serving": serving}


async def waiting_around(conn: AsyncConnection, loket: Loket, me: ordering.Candidate,
                         service_id: int) -> ordering.Around:
    """The service's other waiting tickets relative to ``me``, counted in one query; which
    of them are "ahead" is :func:`ordering.ahead_of`'s rule, not this query's."""
    tk = t.tickets
    ordered, mine = ORDER_TIME, me.sort_key[0]
    older = or_(ordered < mine, and_(ordered == mine, tk.c.id < me.id))
    priority = tk.c.priority.is_not(None)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = (await conn.execute(select(
        count(and_(priority, older)), count(and_(priority, not_(older))),
        count(and_(not_(priority), older))).where(
            tk.c.site_id == loket.ids.site, tk.c.status == Status.WAITING.value,
            tk.c.service_id == service_id, tk.c.id != me.id))).one()
    return ordering.Around(int(row[0]), int(row[1]), int(row[2]))


# Built once: issuing runs these for every batch, and building a statement costs more than
# running it (SQLAlchemy's cache key and coercions, ~0.2 ms each).
_CS = t.counter_services
_OPEN_COUNTERS = (
    select(_CS.c.service_id, func.count())
    .select_from(t.counters.join(_CS, _CS.c.counter_id == t.counters.c.id))
    .where(_CS.c.service_id.in_(bindparam("services", expanding=True)),
           t.counters.c.site_id == bindparam("site"), t.counters.c.state == "open",
           t.counters.c.priority_only.is_(False))
    .group_by(_CS.c.service_id))
_NOW_SERVING = (
    select(t.tickets.c.service_id, t.tickets.c.queue, t.tickets.c.number,
           t.tickets.c.counter_id)
    .where(t.tickets.c.site_id == bindparam("site"),
           t.tickets.c.service_id.in_(bindparam("services", expanding=True)),
           t.tickets.c.business_day == bindparam("day"),
           t.tickets.c.status.in_([s.value for s in lifecycle.AT_COUNTER]))
    .order_by(t.tickets.c.called_at.desc(), t.tickets.c.id))


async def open_counters(conn: AsyncConnection, loket: Loket,
                        service_ids: Collection[int]) -> dict[int, int]:
    """Open counters (not priority-only) serving each service."""
    rows = (await conn.execute(_OPEN_COUNTERS, {"services": list(service_ids),
                                                "site": loket.ids.site})).all()
    return {int(service_id): int(count) for service_id, count in rows}


async def now_serving(conn: AsyncConnection, loket: Loket,
                      service_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """Per service, the number most recently called today and still at a counter: what a
    waiting visitor compares their own number with. Services with none are left out."""
    rows = (await conn.execute(_NOW_SERVING, {
        "site": loket.ids.site, "services": list(service_ids),
        "day": loket.business_day(loket.clock.now())})).all()
    serving: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.service_id in serving:
            continue
        code = loket.ids.counter_codes.get(row.counter_id) if row.counter_id else None
        counter = loket.site.counter(code) if code else None
        serving[row.service_id] = {"number": format_number(row.queue, row.number),
                                   "counter": code,
                                   "counter_name": counter.name if counter else None}
    return serving
