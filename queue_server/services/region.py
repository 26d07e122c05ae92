"""The region's figures (the province's Monev): every site side by side for a period.

Each figure is a SQL aggregate over all the sites at once — counts per site and service,
wait quantiles picked out by a window, arrivals per local hour, SKM score sums — so a month of
five busy sites is a handful of queries, not a quarter of a million rows in Python. The rules
are the supervisor's (``domain/stats.py``, ``domain/skm.py``): waits are issued → called for
every called ticket, p50 is the midpoint median, p90 the nearest rank, the share within
target counts called tickets against their service's target, few-visitor agencies follow
``stats.agency_rates``, and the IKM is ``skm.ikm_from_totals`` of the summed scores.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Integer, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import skm
from queue_server.domain import stats as domain_stats
from queue_server.services.context import Loket
from queue_server.services.stats import open_hours
from queue_server.store import tables as t
from queue_server.store.dialect import local_hour, seconds_between

#: The flags of ``stats.agency_rates`` that mean "few visitors" for the Monev.
FEW = frozenset({"few_visitors", "no_visitors"})
#: How many of the busiest hours each row names.
BUSIEST = 3
_T = TypeVar("_T")


@dataclass
class _Counts:
    tickets: int = 0
    served: int = 0
    no_show: int = 0
    priority: int = 0
    online: int = 0
    with_target: int = 0
    on_target: int = 0
    by_agency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_hour: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    services: int = 0


@dataclass
class _Quantiles:
    p50: float | None = None
    p90: float | None = None


def online_known() -> bool:
    """Online bookings are counted once tickets carry a ``booking_id``."""
    return "booking_id" in t.tickets.c


async def region_stats(lokets: Sequence[Loket], first: date, last: date) -> dict[str, Any]:
    """Every site's row and the region's total for the business days ``first``..``last``."""
    if not lokets:
        return {"from": first.isoformat(), "to": last.isoformat(), "sites": [], "region": None}
    ids = [loket.ids.site for loket in lokets]
    db = lokets[0].db

    async def on_own_connection(work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        async with db.read() as conn:
            return await work(conn)

    # Independent scans on connections of their own: the database works on them at once.
    counts, (waits, priority_waits, region_waits), scores = await asyncio.gather(
        on_own_connection(lambda conn: _counts(conn, lokets, first, last)),
        on_own_connection(lambda conn: _quantiles(conn, ids, first, last)),
        on_own_connection(lambda conn: _scores(conn, lokets, first, last)))
    hours = {site: dict(c.by_hour) for site, c in counts.items()}
    rows = [_site_row(loket, first, last, counts.get(loket.ids.site, _Counts()),
                      waits.get(loket.ids.site, _Quantiles()),
                      priority_waits.get(loket.ids.site, _Quantiles()),
                      hours.get(loket.ids.site, {}), scores.get(loket.ids.site))
            for loket in lokets]
    return {"from": first.isoformat(), "to": last.isoformat(), "sites": rows,
            "region": _region_row(rows, counts, region_waits.get(0, _Quantiles()), hours,
                                  scores)}


def _ticket_filter(ids: Sequence[int], first: date, last: date) -> Any:
    tk = t.tickets
    return and_(tk.c.site_id.in_(ids), tk.c.business_day >= first, tk.c.business_day <= last)


def _waits(conn: AsyncConnection, ids: Sequence[int], first: date, last: date,
           *columns: Any) -> Any:
    """The tickets of the period with their wait ``w`` in seconds (``NULL`` when never
    called), worked out once per row in a subquery."""
    tk = t.tickets
    wait = case((tk.c.called_at.is_not(None),
                 seconds_between(conn, tk.c.issued_at, tk.c.called_at)), else_=None)
    return (select(tk.c.site_id, *columns, wait.label("w"))
            .where(_ticket_filter(ids, first, last)).subquery())


async def _counts(conn: AsyncConnection, lokets: Sequence[Loket], first: date,
                  last: date) -> dict[int, _Counts]:
    """Per site: tickets, outcomes, priority, online and within-target counts per service
    and local hour of arrival, in one scan."""
    tk, sv = t.tickets, t.services
    ids = [loket.ids.site for loket in lokets]
    zones = {loket.ids.site: loket.site.timezone for loket in lokets}
    at = datetime.combine(first, time(12), lokets[0].tz)
    online_column = [tk.c.booking_id.label("booking")] if online_known() else []
    base = _waits(conn, ids, first, last, tk.c.service_id, tk.c.status, tk.c.priority,
                  local_hour(conn, tk.c.issued_at, tk.c.site_id, zones, at).label("hour"),
                  *online_column)
    called = base.c.w >= 0
    online = func.count(base.c.booking) if online_known() else literal_column("0")

    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(base.c.site_id, base.c.service_id, func.count().label("tickets"),
               tally(base.c.status == "done").label("served"),
               tally(base.c.status == "no_show").label("no_show"),
               func.count(base.c.priority).label("priority"), online.label("online"),
               tally(called).label("with_target"),
               # BETWEEN works the wait out once per row (SQLite inlines ``w`` each use)
               tally(base.c.w.between(0, sv.c.target_wait_s)).label("on_target"))
        .select_from(base.join(sv, sv.c.id == base.c.service_id))
        .add_columns(base.c.hour)
        .group_by(base.c.site_id, base.c.service_id, base.c.hour))
    out: dict[int, _Counts] = defaultdict(_Counts)
    agency_of = {}
    for sid, agency in (await conn.execute(
            select(sv.c.id, t.agencies.c.code).join(t.agencies,
                                                    t.agencies.c.id == sv.c.agency_id)
            .where(sv.c.site_id.in_(ids)))).all():
        agency_of[sid] = agency
    rows = (await conn.execute(query)).all()
    for row in rows:
        c = out[row.site_id]
        c.tickets += row.tickets
        c.served += int(row.served or 0)
        c.no_show += int(row.no_show or 0)
        c.priority += row.priority
        c.online += int(row.online or 0)
        c.with_target += int(row.with_target or 0)
        c.on_target += int(row.on_target or 0)
        c.by_agency[agency_of[row.service_id]] += row.tickets
        c.by_hour[int(row.hour)] += row.tickets
    for site, services in _services_seen(rows).items():
        out[site].services = services
    return out


Quantiles = dict[int, _Quantiles]
#: Width in seconds of the buckets the quantile search counts waits in first.
BUCKET_S = 15


async def _quantiles(conn: AsyncConnection, ids: Sequence[int], first: date,
                     last: date) -> tuple[Quantiles, Quantiles, Quantiles]:
    """Median (midpoint) and p90 (nearest rank) of the waits per site, of the priority
    visitors' waits per site, and of all waits of the region (under key 0).

    Exact, without sorting every wait: one ``GROUP BY`` counts the waits per site, priority
    and 15-second bucket; the counts say which bucket holds each rank a figure needs, and only
    the waits in those few buckets are read back and sorted."""
    tk = t.tickets
    base = _waits(conn, ids, first, last,
                  case((tk.c.priority.is_not(None), 1), else_=0).label("prio"),
                  tk.c.issued_at, tk.c.called_at)
    # Only waits of tickets called at or after they were issued (compared as stored, which is
    # cheap and exact to the microsecond like the supervisor's rule); for those a cast is the
    # floor (PostgreSQL rounds instead: still contiguous buckets in order, which is all the
    # search needs), and each row works its wait out once.
    waited = base.c.called_at >= base.c.issued_at
    bucket = cast(base.c.w / BUCKET_S, Integer)
    histogram = (select(base.c.site_id, base.c.prio, bucket.label("b"), func.count())
                 .where(waited).group_by(base.c.site_id, base.c.prio, bucket))
    counts: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for site, prio, b, n in (await conn.execute(histogram)).all():
        groups = [("site", int(site)), ("all", 0)] + ([("prio", int(site))] if prio else [])
        for group in groups:
            counts[group][int(b)] += int(n)
    # (group, rank) → (bucket, position inside the bucket)
    where: dict[tuple[tuple[str, int], int], tuple[int, int]] = {}
    for group, buckets in counts.items():
        size = sum(buckets.values())
        for rank in {(size + 1) // 2, size // 2 + 1, (9 * size + 9) // 10}:
            before = 0
            for b in sorted(buckets):
                if before + buckets[b] >= rank:
                    where[(group, rank)] = (b, rank - before - 1)
                    break
                before += buckets[b]
    # One IN over the buckets wanted by any group (each group keeps the values of its own),
    # so the bucket is worked out once per row: SQLite inlines the expression at each use.
    wanted = sorted({b for b, _ in where.values()})
    values: dict[tuple[tuple[str, int], int], list[float]] = defaultdict(list)
    if wanted:
        query = select(base.c.site_id, base.c.prio, bucket, base.c.w).where(
            waited, bucket.in_(wanted))
        for site, prio, b, w in (await conn.execute(query)).all():
            groups = [("site", int(site)), ("all", 0)] + ([("prio", int(site))] if prio else [])
            for group in groups:
                values[(group, int(b))].append(float(w))
    out: dict[str, Quantiles] = {"site": {}, "prio": {}, "all": {}}
    for group, buckets in counts.items():
        size = sum(buckets.values())

        def at(rank: int, group: tuple[str, int] = group) -> float:
            b, position = where[(group, rank)]
            return sorted(values[(group, b)])[position]

        median = (at((size + 1) // 2) + at(size // 2 + 1)) / 2
        out[group[0]][group[1]] = _Quantiles(median, at((9 * size + 9) // 10))
    return out["site"], out["prio"], out["all"]


def _services_seen(rows: Sequence[Any]) -> dict[int, int]:
    seen: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        seen[row.site_id].add(row.service_id)
    return {site: len(services) for site, services in seen.items()}


async def _scores(conn: AsyncConnection, lokets: Sequence[Loket], first: date,
                  last: date) -> dict[int, tuple[list[int], int]]:
    """Per site: the sum of each unsur's scores and the number of responses submitted in
    the period (local days, like the supervisor's figures)."""
    r = t.skm_responses
    windows = [and_(r.c.site_id == loket.ids.site,
                    r.c.submitted_at >= datetime.combine(first, time(0), loket.tz),
                    r.c.submitted_at < datetime.combine(last + timedelta(days=1), time(0),
                                                        loket.tz))
               for loket in lokets]
    query = (select(r.c.site_id, func.count(), *(func.sum(r.c[f]) for f in skm.SCORE_FIELDS))
             .where(or_(*windows)).group_by(r.c.site_id))
    return {row[0]: ([int(v or 0) for v in row[2:]], int(row[1]))
            for row in (await conn.execute(query)).all()}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _busiest(hours: dict[int, int]) -> list[dict[str, int]]:
    ranked = sorted(hours.items(), key=lambda item: (-item[1], item[0]))[:BUSIEST]
    return [{"hour": h, "tickets": n} for h, n in ranked]


def _ikm(scores: tuple[list[int], int] | None) -> dict[str, Any]:
    result = skm.ikm_from_totals(*scores) if scores else None
    if result is None:
        return {"ikm": None, "grade": None, "grade_label": None, "respondents": 0}
    return {"ikm": float(result.ikm), "grade": result.grade.letter,
            "grade_label": result.grade.label_id, "respondents": result.respondents}


def _site_row(loket: Loket, first: date, last: date, c: _Counts, waits: _Quantiles,
              priority_waits: _Quantiles, hours: dict[int, int],
              scores: tuple[list[int], int] | None) -> dict[str, Any]:
    site = loket.site
    staffing: dict[str, int] = defaultdict(int)
    for counter in site.counters:
        if counter.agency:
            staffing[counter.agency] += 1
    span = open_hours(loket, first, last)
    rates = domain_stats.agency_rates(c.by_agency, staffing, span) if span > 0 else {}
    names = {a.code: a.name for a in site.agencies}
    few = [{"agency": code, "name": names.get(code, code), "visitors": rate.visitors,
            "flag": rate.flag} for code, rate in sorted(rates.items()) if rate.flag in FEW]
    return {
        "site": site.code, "name": site.name, "tickets": c.tickets, "served": c.served,
        "no_show": c.no_show, "wait_p50_s": _seconds(waits.p50),
        "wait_p90_s": _seconds(waits.p90),
        "sla_pct": None if not c.with_target else round(100 * c.on_target / c.with_target, 1),
        **_ikm(scores),
        "agencies": len(site.agencies), "services_active": c.services,
        "services_total": sum(1 for s in site.services if s.active),
        "few_visitor_agencies": few,
        "priority_share": _share(c.priority, c.tickets),
        "priority_wait_p50_s": _seconds(priority_waits.p50),
        "priority_wait_p90_s": _seconds(priority_waits.p90),
        "online_share": _share(c.online, c.tickets) if online_known() else None,
        "busiest_hours": _busiest(hours),
        "hours": {str(h): n for h, n in sorted(hours.items())},
        "dashboard": f"/s/{site.code}/supervisor",
    }


def _region_row(rows: list[dict[str, Any]], counts: dict[int, _Counts], waits: _Quantiles,
                hours: dict[int, dict[int, int]],
                scores: dict[int, tuple[list[int], int]]) -> dict[str, Any]:
    """The sites pooled: sums, shares over all tickets, waits over all waits, and the IKM of
    all responses together."""
    total = _Counts()
    for c in counts.values():
        for name in ("tickets", "served", "no_show", "priority", "online", "with_target",
                     "on_target"):
            setattr(total, name, getattr(total, name) + getattr(c, name))
    by_hour: dict[int, int] = defaultdict(int)
    for site_hours in hours.values():
        for h, n in site_hours.items():
            by_hour[h] += n
    sums = [0] * len(skm.SCORE_FIELDS)
    respondents = 0
    for site_sums, count in scores.values():
        sums = [a + b for a, b in zip(sums, site_sums, strict=True)]
        respondents += count
    return {
        "sites": len(rows), "tickets": total.tickets, "served": total.served,
        "no_show": total.no_show, "wait_p50_s": _seconds(waits.p50),
        "wait_p90_s": _seconds(waits.p90),
        "sla_pct": (None if not total.with_target
                    else round(100 * total.on_target / total.with_target, 1)),
        **_ikm((sums, respondents) if respondents else None),
        "few_visitor_agencies": sum(len(r["few_visitor_agencies"]) for r in rows),
        "priority_share": _share(total.priority, total.tickets),
        "online_share": _share(total.online, total.tickets) if online_known() else None,
        "busiest_hours": _busiest(dict(by_hour)),
    }
