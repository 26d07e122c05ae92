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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
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
    async with lokets[0].db.read() as conn:
        counts = await _counts(conn, ids, first, last)
        waits = await _quantiles(conn, ids, first, last, priority=False)
        priority_waits = await _quantiles(conn, ids, first, last, priority=True)
        region_waits = (await _quantiles(conn, ids, first, last, priority=False, pooled=True)
                        ).get(0, _Quantiles())
        hours = await _hours(conn, lokets, first, last)
        scores = await _scores(conn, lokets, first, last)
    rows = [_site_row(loket, first, last, counts.get(loket.ids.site, _Counts()),
                      waits.get(loket.ids.site, _Quantiles()),
                      priority_waits.get(loket.ids.site, _Quantiles()),
                      hours.get(loket.ids.site, {}), scores.get(loket.ids.site))
            for loket in lokets]
    return {"from": first.isoformat(), "to": last.isoformat(), "sites": rows,
            "region": _region_row(rows, counts, region_waits, hours, scores)}


def _ticket_filter(ids: Sequence[int], first: date, last: date) -> Any:
    tk = t.tickets
    return and_(tk.c.site_id.in_(ids), tk.c.business_day >= first, tk.c.business_day <= last)


async def _counts(conn: AsyncConnection, ids: Sequence[int], first: date,
                  last: date) -> dict[int, _Counts]:
    tk, sv = t.tickets, t.services
    wait = seconds_between(conn, tk.c.issued_at, tk.c.called_at)
    called = and_(tk.c.called_at.is_not(None), wait >= 0)
    online = (func.count(tk.c.booking_id) if online_known()
              else literal_column("0"))

    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(tk.c.site_id, tk.c.service_id, func.count().label("tickets"),
               tally(tk.c.status == "done").label("served"),
               tally(tk.c.status == "no_show").label("no_show"),
               func.count(tk.c.priority).label("priority"), online.label("online"),
               tally(called).label("with_target"),
               tally(and_(called, wait <= sv.c.target_wait_s)).label("on_target"))
        .select_from(tk.join(sv, sv.c.id == tk.c.service_id))
        .where(_ticket_filter(ids, first, last))
        .group_by(tk.c.site_id, tk.c.service_id))
    out: dict[int, _Counts] = defaultdict(_Counts)
    agency_of = {}
    for sid, agency in (await conn.execute(
            select(sv.c.id, t.agencies.c.code).join(t.agencies,
                                                    t.agencies.c.id == sv.c.agency_id)
            .where(sv.c.site_id.in_(ids)))).all():
        agency_of[sid] = agency
    for row in (await conn.execute(query)).all():
        c = out[row.site_id]
        c.tickets += row.tickets
        c.served += int(row.served or 0)
        c.no_show += int(row.no_show or 0)
        c.priority += row.priority
        c.online += int(row.online or 0)
        c.with_target += int(row.with_target or 0)
        c.on_target += int(row.on_target or 0)
        c.by_agency[agency_of[row.service_id]] += row.tickets
        c.services += 1
    return out


async def _quantiles(conn: AsyncConnection, ids: Sequence[int], first: date, last: date, *,
                     priority: bool, pooled: bool = False) -> dict[int, _Quantiles]:
    """Median (midpoint) and p90 (nearest rank) of the waits per site — or over all of them
    (``pooled``, under key 0) — from the three ranks they need, found by a window."""
    tk = t.tickets
    wait = seconds_between(conn, tk.c.issued_at, tk.c.called_at)
    partition = [] if pooled else [tk.c.site_id]
    conditions = [_ticket_filter(ids, first, last), tk.c.called_at.is_not(None), wait >= 0]
    if priority:
        conditions.append(tk.c.priority.is_not(None))
    ranked = (select((literal_column("0") if pooled else tk.c.site_id).label("site"),
                     wait.label("w"),
                     func.row_number().over(partition_by=partition, order_by=wait).label("rn"),
                     func.count().over(partition_by=partition).label("n"))
              .where(*conditions).subquery())
    n, rn = ranked.c.n, ranked.c.rn
    query = select(ranked.c.site, rn, n, ranked.c.w).where(
        or_(rn == (n + 1) // 2, rn == n // 2 + 1, rn == (9 * n + 9) // 10))
    picked: dict[int, dict[int, float]] = defaultdict(dict)
    sizes: dict[int, int] = {}
    for site, rank, size, value in (await conn.execute(query)).all():
        picked[int(site)][int(rank)] = float(value)
        sizes[int(site)] = int(size)
    out = {}
    for site, values in picked.items():
        size = sizes[site]
        low, high = values[(size + 1) // 2], values[size // 2 + 1]
        out[site] = _Quantiles((low + high) / 2, values[(9 * size + 9) // 10])
    return out


async def _hours(conn: AsyncConnection, lokets: Sequence[Loket], first: date,
                 last: date) -> dict[int, dict[int, int]]:
    tk = t.tickets
    zones = {loket.ids.site: loket.site.timezone for loket in lokets}
    at = datetime.combine(first, time(12), lokets[0].tz)
    hour = local_hour(conn, tk.c.issued_at, tk.c.site_id, zones, at).label("hour")
    query = (select(tk.c.site_id, hour, func.count()).where(
        _ticket_filter(list(zones), first, last)).group_by(tk.c.site_id, hour))
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for site, h, count in (await conn.execute(query)).all():
        out[site][int(h)] = int(count)
    return out


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
