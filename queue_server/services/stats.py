"""Supervisor statistics for a date range: one narrow query, then the pure domain functions.

Tickets are selected by business day (indexed ``site_id, business_day``) with only the columns
the statistics need; codes, agencies and targets come from the in-memory site and id maps, so
nothing is joined in SQL. SKM responses are selected by the same local days.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from time import monotonic as _monotonic
from typing import Any

from sqlalchemy import insert, select

from queue_server.domain import alerts as alerts_rules
from queue_server.domain import skm, stats
from queue_server.domain.alerts import AlertKind, CounterStatus, PrinterState
from queue_server.domain.errors import Invalid
from queue_server.domain.numbering import format_number
from queue_server.domain.schedule import hours_on, schedule_from_config
from queue_server.events.feed import current_seq
from queue_server.services.booking import booking_stats
from queue_server.services.context import Loket
from queue_server.services.places import name_screens
from queue_server.services.screens import ANNOUNCER
from queue_server.store import tables as t
from queue_server.store.dialect import fast_times

MAX_RANGE_DAYS = 366
GROUPS: tuple[stats.GroupBy, ...] = ("agency", "service", "counter", "officer")


def parse_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """``from``/``to`` as ISO dates (both default to today); refuses nonsense with ``invalid``."""
    def one(name: str, text: str | None) -> date:
        if not text:
            return today
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid("invalid", field=name, what="not_a_date") from None
    first, last = one("from", start), one("to", end)
    if last < first:
        raise Invalid("invalid", field="to", what="range_reversed")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise Invalid("invalid", field="to", what="range_too_long", days=MAX_RANGE_DAYS)
    return first, last


async def officer_names(loket: Loket) -> dict[int, tuple[str, str]]:
    """user id → (username, display name)."""
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(t.users.c.id, t.users.c.username, t.users.c.full_name)
                                   .where(t.users.c.site_id == loket.ids.site))).all()
    return {r.id: (r.username, r.full_name or r.username) for r in rows}


async def load_records(loket: Loket, first: date, last: date,
                       users: dict[int, tuple[str, str]]) -> list[stats.TicketRecord]:
    tk = t.tickets
    service_codes = loket.ids.service_codes
    counter_codes = loket.ids.counter_codes
    services = loket.site.services_by_code
    record = stats.TicketRecord
    async with loket.db.read() as conn:
        times, at = fast_times(conn, [tk.c.issued_at, tk.c.called_at, tk.c.started_at,
                                      tk.c.finished_at])
        rows = (await conn.execute(select(
            tk.c.id, tk.c.service_id, tk.c.counter_id, tk.c.officer_id, tk.c.priority,
            tk.c.status, *times, tk.c.transfer_count).where(
            tk.c.site_id == loket.ids.site, tk.c.business_day >= first,
            tk.c.business_day <= last))).all()
    out = []
    for (id_, service_id, counter_id, officer_id, priority, status, issued, called, started,
         finished, transfers) in rows:
        service = services[service_codes[service_id]]
        out.append(record(
            id_, service.agency, service.code,
            counter_codes.get(counter_id) if counter_id is not None else None,
            users[officer_id][0] if officer_id in users else None,
            priority, status, at(issued), called and at(called), started and at(started),
            finished and at(finished), transfers > 0, service.target_wait_s))
    return out


class _ClosedDays:
    """Ticket records of days that are over, kept for a while: a month's statistics mostly
    read days that no longer change, and loading them is half the work.

    Only days before yesterday are kept (yesterday may still be closed off by the end-of-day
    expiry), for ``ttl_s`` at most, and never more than ``max_records`` in all. Each process
    keeps its own; a correction to an old ticket shows within ``ttl_s``.
    """

    ttl_s = 900.0
    max_records = 250_000

    def __init__(self) -> None:
        self._days: dict[tuple[int, date], tuple[float, list[stats.TicketRecord]]] = {}

    async def load(self, loket: Loket, first: date, last: date,
                   users: dict[int, tuple[str, str]]) -> list[stats.TicketRecord]:
        stable_last = min(last, loket.business_day(loket.clock.now()) - timedelta(days=2))
        if stable_last < first:
            return await load_records(loket, first, last, users)
        days = [first + timedelta(days=i) for i in range((stable_last - first).days + 1)]
        now = _monotonic()
        hits = [self._days.get((loket.ids.site, d)) for d in days]
        if all(hit is not None and now - hit[0] < self.ttl_s for hit in hits):
            records = [r for hit in hits if hit is not None for r in hit[1]]
        else:
            records = await load_records(loket, first, stable_last, users)
            self._keep(loket, days, records, now)
        if stable_last < last:
            records += await load_records(loket, stable_last + timedelta(days=1), last, users)
        return records

    def _keep(self, loket: Loket, days: list[date], records: list[stats.TicketRecord],
              now: float) -> None:
        if len(records) > self.max_records:
            return
        by_day: dict[date, list[stats.TicketRecord]] = {d: [] for d in days}
        tz = loket.tz
        for record in records:
            items = by_day.get(record.issued_at.astimezone(tz).date())
            if items is None:  # issued on another day than its business day: keep nothing
                return
            items.append(record)
        for day, items in by_day.items():
            self._days[(loket.ids.site, day)] = (now, items)
        total = sum(len(items) for _, items in self._days.values())
        for key in sorted(self._days, key=lambda k: self._days[k][0]):
            if total <= self.max_records:
                break
            total -= len(self._days.pop(key)[1])


closed_days = _ClosedDays()


async def load_responses(loket: Loket, first: date, last: date,
                         users: dict[int, tuple[str, str]]) -> list[skm.KeyedResponse]:
    r = t.skm_responses
    start = datetime.combine(first, time(0), loket.tz)
    end = datetime.combine(last + timedelta(days=1), time(0), loket.tz)
    query = select(r.c.service_id, r.c.officer_id, *(r.c[f] for f in skm.SCORE_FIELDS)).where(
        r.c.site_id == loket.ids.site, r.c.submitted_at >= start, r.c.submitted_at < end)
    async with loket.db.read() as conn:
        rows = (await conn.execute(query)).all()
    services = loket.site.services_by_code
    out = []
    for row in rows:
        service = services[loket.ids.service_codes[row[0]]]
        officer = users[row[1]][0] if row[1] in users else None
        out.append(skm.KeyedResponse(skm.SkmResponse(tuple(row[2:])), service.code,
                                     service.agency, officer))
    return out


def open_hours(loket: Loket, first: date, last: date) -> float:
    """Total opening time in hours of the days in the range, from the site's hours."""
    hours_table = {k: v for k, v in loket.site.hours.items()}
    try:
        schedule = schedule_from_config(hours_table, loket.site.timezone)
    except ValueError:
        return 0.0
    total = 0.0
    day = first
    for _ in range((last - first).days + 1):
        hours = hours_on(schedule, day)
        if hours is not None:
            total += (datetime.combine(day, hours.close) -
                      datetime.combine(day, hours.open)).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def _distribution(d: stats.Distribution) -> dict[str, Any]:
    return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in asdict(d).items()}


def group_json(g: stats.GroupStats, name: str | None) -> dict[str, Any]:
    return {
        "key": g.key, "name": name, "issued": g.issued, "served": g.served,
        "no_show": g.no_show, "expired": g.expired, "cancelled": g.cancelled,
        "transferred_out": g.transferred_out, "open": g.open, "transferred": g.transferred,
        "waiting": _distribution(g.waiting), "service": _distribution(g.service),
        "within_target_share": (round(g.within_target_share, 4)
                                if g.within_target_share is not None else None),
    }


def ikm_json(result: skm.IkmResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "respondents": result.respondents,
        "nrr": [round(v, 4) for v in result.nrr],
        "nrr_weighted": [round(v, 4) for v in result.nrr_weighted],
        "ikm_unit": round(result.ikm_unit, 4),
        "ikm": float(result.ikm),
        "grade": result.grade.letter,
        "grade_label": result.grade.label_id,
        "grade_label_en": result.grade.label_en,
        "weakest": result.weakest.code,
    }


def _names(loket: Loket, group: str, users: dict[int, tuple[str, str]]) -> dict[str, str]:
    if group == "agency":
        return {a.code: a.short_name for a in loket.site.agencies}
    if group == "service":
        return {s.code: s.name for s in loket.site.services}
    if group == "counter":
        return {c.code: c.name for c in loket.site.counters}
    return {username: full for username, full in users.values()}


async def compute(loket: Loket, first: date, last: date) -> dict[str, Any]:
    """Everything the dashboard's statistics tab and ``GET /api/v1/stats`` show."""
    users = await officer_names(loket)
    records = await closed_days.load(loket, first, last, users)
    responses = await load_responses(loket, first, last, users)
    # A month is a second of pure CPU: off the event loop, so calls and screens stay live.
    result = await asyncio.to_thread(_build, loket, first, last, users, records, responses)
    result["online"] = await booking_stats(loket, first, last)
    return result


def _build(loket: Loket, first: date, last: date, users: dict[int, tuple[str, str]],
           records: list[stats.TicketRecord],
           responses: list[skm.KeyedResponse]) -> dict[str, Any]:
    result: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(),
                              "generated_at": loket.local(loket.clock.now())}
    overall = stats.summarize(records, "all")
    empty = stats.distribution(())
    result["totals"] = group_json(overall[0] if overall else stats.GroupStats(
        "all", 0, 0, 0, 0, 0, 0, 0, 0, empty, empty, None), None)
    for group in GROUPS:
        names = _names(loket, group, users)
        result[f"by_{group}"] = [group_json(g, names.get(g.key or "", None))
                                 for g in stats.summarize(records, group)]
    heat = stats.arrival_heatmap(records, loket.site.timezone)
    result["heatmap"] = {"grid": [list(row) for row in heat.grid], "days": list(heat.days),
                         "total": heat.total}
    hours = open_hours(loket, first, last)
    staffing: dict[str, int] = {}
    for counter in loket.site.counters:
        if counter.agency:
            staffing[counter.agency] = staffing.get(counter.agency, 0) + 1
    agency_names = _names(loket, "agency", users)
    result["open_hours"] = round(hours, 2)
    result["utilisation"] = [] if hours <= 0 else [
        {"agency": u.agency, "name": agency_names.get(u.agency), "counters": u.counters,
         "visitors": u.visitors, "served": u.served,
         "per_counter_hour": _round(u.per_counter_hour), "site_median": _round(u.site_median),
         "threshold": _round(u.threshold), "flag": u.flag,
         "counter_rows": [{"counter": c.counter, "visitors": c.visitors,
                           "per_hour": _round(c.per_hour), "low": c.low}
                          for c in u.counter_rows]}
        for u in stats.utilisation(records, staffing, hours)]
    by_officer = skm.ikm_by(responses, "officer")
    officer_ikm = {k: float(v.ikm) for k, v in by_officer.items() if k is not None}
    officer_full = _names(loket, "officer", users)
    result["best_officers"] = [
        {"rank": o.rank, "officer": o.officer, "name": officer_full.get(o.officer),
         "served": o.served, "no_show": o.no_show, "speed_ratio": _round(o.speed_ratio),
         "ikm": o.ikm, "volume": _round(o.volume), "speed": _round(o.speed),
         "skm": _round(o.skm), "attendance": _round(o.attendance), "score": _round(o.score),
         "eligible": o.eligible}
        for o in stats.best_officers(records, officer_ikm)]
    result["skm"] = {
        "unsur": [{"code": u.code, "name": u.name_id, "name_en": u.name_en} for u in skm.UNSUR],
        "overall": ikm_json(skm.ikm_by(responses, "all").get("all")),
        "by_agency": {k: ikm_json(v) for k, v in skm.ikm_by(responses, "agency").items()},
        "by_service": {k: ikm_json(v) for k, v in skm.ikm_by(responses, "service").items()},
        "by_officer": {k: ikm_json(v) for k, v in by_officer.items()},
    }
    return result


class _Recent:
    """The last few results, briefly: the dashboard, its reload and an export right after
    ask for the same month, which need not be computed three times. Ranges that include
    today expire sooner, as tickets still move."""

    size = 8

    def __init__(self) -> None:
        self._items: dict[tuple[int, date, date], tuple[float, dict[str, Any]]] = {}

    async def get(self, loket: Loket, first: date, last: date) -> dict[str, Any]:
        today = loket.business_day(loket.clock.now())
        ttl = 10.0 if last >= today else 60.0
        key = (loket.ids.site, first, last)
        hit = self._items.get(key)
        if hit is not None and _monotonic() - hit[0] < ttl:
            return hit[1]
        data = await compute(loket, first, last)
        if len(self._items) >= self.size:
            self._items.pop(min(self._items, key=lambda k: self._items[k][0]))
        self._items[key] = (_monotonic(), data)
        return data


recent = _Recent()


def _round(value: float | None, digits: int = 3) -> float | None:
    return round(value, digits) if value is not None else None


async def log_access(loket: Loket, user_id: int, action: str, detail: dict[str, Any]) -> None:
    """Privacy: every export of statistics is recorded with who, what and when."""
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await tx.conn.execute(insert(t.audit_log).values(
            site_id=loket.ids.site, user_id=user_id, action=action, detail=detail, at=now))


# --- live -----------------------------------------------------------------------------------

#: A screen not seen for this long is gone, not offline: it raises no alert.
SCREEN_RECENT = timedelta(days=1)


async def live_state(loket: Loket) -> dict[str, Any]:
    """Queues, counters, printers and screens right now, with the alerts a supervisor acts on."""
    now = loket.clock.now()
    day = loket.business_day(now)
    tk, c = t.tickets, t.counters
    async with loket.db.read() as conn:
        seq = await current_seq(conn, loket.ids.site)
        waiting = (await conn.execute(
            select(tk.c.service_id, tk.c.issued_at).where(
                tk.c.site_id == loket.ids.site, tk.c.business_day == day,
                tk.c.status == "waiting"))).all()
        held = {r.counter_id: r for r in (await conn.execute(
            select(tk.c.counter_id, tk.c.queue, tk.c.number, tk.c.status, tk.c.called_at).where(
                tk.c.site_id == loket.ids.site, tk.c.status.in_(["called", "serving"]),
                tk.c.counter_id.is_not(None)))).all()}
        counters = {r.id: r for r in (await conn.execute(
            select(c.c.id, c.c.state, c.c.state_since, t.users.c.full_name)
            .select_from(c.outerjoin(t.users, t.users.c.id == c.c.officer_id))
            .where(c.c.site_id == loket.ids.site))).all()}
        breaks = {r.counter_id: r for r in (await conn.execute(
            select(t.breaks.c.counter_id, t.breaks.c.until).where(
                t.breaks.c.site_id == loket.ids.site, t.breaks.c.state == "granted"))).all()}
        jobs = (await conn.execute(
            select(t.print_jobs.c.printer, t.print_jobs.c.state, t.print_jobs.c.error,
                   t.print_jobs.c.updated_at)
            .where(t.print_jobs.c.site_id == loket.ids.site,
                   t.print_jobs.c.updated_at >= now - timedelta(hours=12))
            .order_by(t.print_jobs.c.updated_at))).all()
        # Screens seen in the last day only: a TV unplugged last month is not news, and the
        # per-zone announcement marks share the table but are no screens at all.
        screens = (await conn.execute(select(t.screens).where(
            t.screens.c.site_id == loket.ids.site, t.screens.c.kind != ANNOUNCER,
            t.screens.c.last_seen_at >= now - SCREEN_RECENT)
            .order_by(t.screens.c.client_id))).all()

    alerts: list[dict[str, Any]] = []
    oldest: dict[int, datetime] = {}
    count: dict[int, int] = {}
    for service_id, issued in waiting:
        count[service_id] = count.get(service_id, 0) + 1
        if service_id not in oldest or issued < oldest[service_id]:
            oldest[service_id] = issued

    counter_rows = []
    staffed: set[str] = set()
    agency_names = {a.code: a.short_name for a in loket.site.agencies}
    for counter in loket.site.counters:
        counter_id = loket.ids.counters[counter.code]
        row = counters.get(counter_id)
        state = row.state if row else "closed"
        ticket = held.get(counter_id)
        brk = breaks.get(counter_id) if state == "break" else None
        until = brk.until if brk else None
        status = alerts_rules.counter_status(state, ticket is not None, until, now)
        if state == "open":
            staffed.update(counter.services)
        if status is CounterStatus.OVERDUE_BREAK and until is not None:
            alerts.append({"kind": AlertKind.OVERDUE_BREAK, "counter": counter.code,
                           "name": counter.name,
                           "minutes": alerts_rules.overdue_minutes(until, now)})
        counter_rows.append({
            "code": counter.code, "name": counter.name, "agency": counter.agency,
            "agency_name": agency_names.get(counter.agency or ""),
            "status": status, "officer": row.full_name if row and state != "closed" else None,
            "since": loket.local(row.state_since) if row else None,
            "break_until": loket.local(until),
            "ticket": (format_number(ticket.queue, ticket.number)
                       if ticket is not None else None),
        })

    queues = []
    for agency in loket.site.agencies:
        for service in agency.services:
            sid = loket.ids.services[service.code]
            longest = (now - oldest[sid]).total_seconds() if sid in oldest else None
            over = alerts_rules.over_target(longest, service.target_wait_s)
            unstaffed = service.code not in staffed
            queues.append({
                "service": service.code, "name": service.name, "agency": agency.code,
                "agency_name": agency.short_name, "waiting": count.get(sid, 0),
                "longest_wait_s": int(longest) if longest is not None else None,
                "target_wait_s": service.target_wait_s, "over_target": over,
                "unstaffed": unstaffed})
            if over:
                alerts.append({"kind": AlertKind.WAIT_OVER_TARGET, "service": service.code,
                               "name": service.name, "minutes": int((longest or 0) // 60),
                               "target_minutes": service.target_wait_s // 60})
            if alerts_rules.unstaffed_with_visitors(service.code, staffed, count.get(sid, 0)):
                alerts.append({"kind": AlertKind.UNSTAFFED_WAITING, "service": service.code,
                               "name": service.name, "waiting": count[sid]})

    by_printer: dict[str, list[Any]] = {str(p.get("code")): [] for p in loket.site.printers}
    for job in jobs:  # oldest first
        by_printer.setdefault(job.printer, []).append(job)
    printers = []
    for name, printer_jobs in by_printer.items():
        health = alerts_rules.printer_health((j.state, j.error) for j in printer_jobs)
        printers.append({"name": name, "state": health.state, "failed": health.failed,
                         "queued": health.queued, "last_error": health.last_error,
                         "at": loket.local(printer_jobs[-1].updated_at) if printer_jobs
                         else None})
        if health.state is PrinterState.FAILED:
            alerts.append({"kind": AlertKind.PRINTER_FAILED, "printer": name,
                           "error": health.last_error})

    screen_rows = []
    for s, (place, place_en) in zip(screens, name_screens(loket, screens), strict=True):
        online = alerts_rules.screen_online(s.state, s.last_seen_at, now)
        seen = loket.local(s.last_seen_at)
        screen_rows.append({"client_id": s.client_id, "kind": s.kind, "zone": s.zone,
                            "place": place, "place_en": place_en,
                            "online": online, "last_seen_at": seen})
        if not online:
            alerts.append({"kind": AlertKind.SCREEN_OFFLINE, "screen": s.client_id,
                           "zone": s.zone, "place": place, "place_en": place_en,
                           "last_seen_at": seen})

    return {"seq": int(seq), "at": loket.local(now), "queues": queues,
            "counters": counter_rows, "printers": printers,
            "screens": screen_rows, "alerts": alerts,
            "unstaffed": sorted(q["service"] for q in queues if q["unstaffed"])}
