"""End of the business day: tickets nobody served are expired, never deleted, so the
statistics still count them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import update

from queue_server.domain.schedule import Schedule, hours_on
from queue_server.domain.tickets import Status
from queue_server.services.context import Loket
from queue_server.store import tables as t

OPEN_STATUSES = (Status.WAITING.value, Status.CALLED.value, Status.SERVING.value)
#: Officers finish the visitors at their counters after closing; the day is closed this
#: long after closing time.
CLOSE_GRACE = dt.timedelta(hours=1)


async def close_day(loket: Loket, day: dt.date) -> int:
    """Expire the tickets of business days up to ``day`` that are still waiting, called or
    being served; returns how many. The claim is one conditional UPDATE, so two processes
    closing the same day expire each ticket once and only one of them announces it."""
    now = loket.clock.now()
    tk = t.tickets
    async with loket.db.write(loket.ids.site, now) as tx:
        rows = (await tx.conn.execute(
            update(tk).where(tk.c.site_id == loket.ids.site, tk.c.business_day <= day,
                             tk.c.status.in_(OPEN_STATUSES))
            .values(status=Status.EXPIRED.value, finished_at=now)
            .returning(tk.c.id, tk.c.service_id, tk.c.business_day))).all()
        by_service: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_service[loket.ids.service_codes[row.service_id]].append(row)
        for code, expired in sorted(by_service.items()):
            agency = loket.site.services_by_code[code].agency
            tx.emit("queue.expired",
                    ("display", "supervisor", f"service:{code}", f"agency:{agency}"),
                    {"service": code, "agency": agency, "count": len(expired),
                     "business_days": sorted({r.business_day.isoformat() for r in expired}),
                     "tickets": [r.id for r in expired]})
    return len(rows)


def last_closed_day(schedule: Schedule, now: dt.datetime) -> dt.date:
    """The latest business day that is over at ``now``: today once its closing time plus the
    grace has passed (or when today has no hours at all), else yesterday."""
    local = now.astimezone(schedule.tz)
    today = local.date()
    hours = hours_on(schedule, today)
    if hours is None:
        return today
    closes = dt.datetime.combine(today, hours.close, tzinfo=schedule.tz)
    return today if local >= closes + CLOSE_GRACE else today - dt.timedelta(days=1)


def next_close_check(schedule: Schedule, now: dt.datetime) -> dt.datetime:
    """When the day closer should look again: today's closing time plus the grace when that
    is still ahead, else the start of tomorrow (which closes anything a clock change left)."""
    local = now.astimezone(schedule.tz)
    today = local.date()
    hours = hours_on(schedule, today)
    if hours is not None:
        due = dt.datetime.combine(today, hours.close, tzinfo=schedule.tz) + CLOSE_GRACE
        if local < due:
            return due
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0), tzinfo=schedule.tz)
