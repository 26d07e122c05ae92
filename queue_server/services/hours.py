"""The opening-hours gate: may a ticket be issued for a service right now?

``OpeningHours.check`` is synchronous (it runs before the issuing transaction), so the one
input it needs from the database, each service's estimated wait for a ticket taken now, is
kept in a small table refreshed by ``refresh_waits`` (``services/jobs.py`` runs it every few
seconds and after each issued or called ticket).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from queue_server.domain import estimate
from queue_server.domain.errors import Closed
from queue_server.domain.schedule import (
    IssuingStatus,
    Schedule,
    closed_message,
    format_next_open,
    hours_on,
    issuing_status,
    schedule_from_config,
    wait_fits_before_close,
    zone_abbreviation,
)
from queue_server.domain.tickets import Status
from queue_server.services.context import Loket
from queue_server.site import Service, Site
from queue_server.store import tables as t


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class OpeningHours:
    """``IssuingGate`` for a site: hours, holidays, overrides, cut-off, and the estimated wait
    running past closing time. Quotas are checked inside the issuing transaction instead."""

    def __init__(self, site: Site) -> None:
        self.schedule: Schedule = schedule_from_config(site.hours, site.timezone)
        #: service code → (estimated wait in seconds, open counters serving it)
        self.waits: dict[str, tuple[int, int]] = {}

    def status(self, now: dt.datetime) -> IssuingStatus:
        return issuing_status(self.schedule, now)

    def check(self, service: Service, now: dt.datetime) -> None:
        status = self.status(now)
        if not status.open:
            extra = {"holiday": status.holiday_name} if status.holiday_name else {}
            raise Closed(
                "holiday" if status.reason == "holiday" else "closed",
                reason=status.reason,
                next_open=status.next_open.isoformat() if status.next_open else None,
                message_id=closed_message(status, "id") + ".",
                message_en=closed_message(status, "en") + ".",
                **extra,
            )
        wait_s, open_counters = self.waits.get(service.code, (0, 0))
        # Without an open counter there is no honest estimate (the morning before officers
        # sign in); the cut-off alone decides then.
        if open_counters and not wait_fits_before_close(self.schedule, now, wait_s):
            raise Closed("wait_past_closing", reason="wait_past_closing",
                         service=service.name, estimated_wait_s=wait_s,
                         next_open=_iso(_reopens(self.schedule, now)),
                         **_wait_messages(self.schedule, service, now, wait_s))


def _reopens(schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
    # Asked from today's closing time, the status names the next opening after today.
    local = now.astimezone(schedule.tz)
    hours = hours_on(schedule, local.date())
    if hours is None:
        return None
    return issuing_status(schedule, _at(local.date(), hours.close, schedule)).next_open


def _at(day: dt.date, clock: dt.time, schedule: Schedule) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=schedule.tz)


def _wait_messages(schedule: Schedule, service: Service, now: dt.datetime,
                   wait_s: int) -> dict[str, str]:
    local = now.astimezone(schedule.tz)
    hours = hours_on(schedule, local.date())
    assert hours is not None  # only asked while open
    closes = _at(local.date(), hours.close, schedule)
    zone = zone_abbreviation(closes)
    minutes = max(1, round(wait_s / 60))
    text_id = (f"Perkiraan waktu tunggu layanan {service.name} sekitar {minutes} menit, "
               f"melewati jam tutup pukul {closes:%H.%M} {zone}. Nomor antrean hari ini tidak "
               f"dapat diambil lagi")
    text_en = (f"The estimated wait for {service.name} is about {minutes} minutes, past "
               f"closing time at {closes:%H:%M} {zone}. No more tickets can be issued today")
    reopen = _reopens(schedule, now)
    if reopen is not None:
        text_id += f". Layanan dibuka kembali {format_next_open(reopen, 'id')}"
        text_en += f". Service reopens on {format_next_open(reopen, 'en')}"
    return {"message_id": text_id + ".", "message_en": text_en + "."}


async def refresh_waits(loket: Loket, gate: OpeningHours) -> None:
    """Recompute every service's estimated wait for a ticket taken now (the newcomer is last
    in line), with the counters open for it; ``ticket_view`` uses the same estimate."""
    from queue_server.services.waiting import service_times

    now = loket.clock.now()
    tk = t.tickets
    async with loket.db.read() as conn:
        waiting = {service_id: count for service_id, count in await conn.execute(
            select(tk.c.service_id, func.count()).where(
                tk.c.site_id == loket.ids.site, tk.c.business_day == loket.business_day(now),
                tk.c.status == Status.WAITING.value).group_by(tk.c.service_id))}
        open_rows = (await conn.execute(
            select(t.counter_services.c.service_id, func.count())
            .select_from(t.counters.join(
                t.counter_services, t.counter_services.c.counter_id == t.counters.c.id))
            .where(t.counters.c.site_id == loket.ids.site, t.counters.c.state == "open",
                   t.counters.c.priority_only.is_(False))
            .group_by(t.counter_services.c.service_id))).all()
    open_by = {service_id: count for service_id, count in open_rows}
    waits: dict[str, tuple[int, int]] = {}
    for service in loket.site.services:
        service_id = loket.ids.services[service.code]
        ahead = int(waiting.get(service_id, 0))
        counters = int(open_by.get(service_id, 0))
        if ahead == 0:
            waits[service.code] = (0, counters)
            continue
        typical = estimate.typical_service_s(await service_times.get(loket, service_id),
                                             service.service_s)
        waits[service.code] = (estimate.estimate_wait_s(ahead, typical, counters), counters)
    gate.waits = waits
