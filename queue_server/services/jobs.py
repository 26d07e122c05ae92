"""Background work of a running server, started and stopped by ``create_app``.

- the estimated waits behind the opening-hours gate, refreshed every few seconds and soon
  after a ticket or counter changes;
- closing each business day after its close (plus a grace): what is left open expires;
- breaks: overdue ones flagged, waiting requests reconsidered when staffing changes;
- WhatsApp, when the site has it: notifications derived from ticket events, reminders the
  day before a booking, the outbox sent with retries at the provider's pace, old phone
  numbers purged (docs/whatsapp.md).
- bookings: those not checked in by the end of their window expire (no-shows), and names
  and phones older than ``data_retention_days`` are cleared.

Every process runs these; each round is a transaction that is safe to run twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from queue_server.services import booking, booking_whatsapp, breaks
from queue_server.services.context import Loket
from queue_server.services.day import close_day, last_closed_day, next_close_check
from queue_server.services.hours import OpeningHours, refresh_waits
from queue_server.services.wa_outbox import derive_notifications, purge_personal_data
from queue_server.services.wa_worker import Sender
from queue_server.services.whatsapp import WhatsAppDesk
from queue_server.store.db import StoredEvent
from queue_server.store.outage import unreachable

log = logging.getLogger("loket.jobs")

#: How often the estimated waits behind the opening-hours gate are refreshed at most.
WAIT_REFRESH_S = 5.0
MIN_GAP_S = 0.5
#: How often overdue breaks are flagged and waiting breaks reconsidered.
BREAK_CHECK_S = 30.0
#: WhatsApp: events read for notifications at least this often (sooner after a ticket
#: change), the outbox looked at for retries, and old phone numbers purged.
WA_DERIVE_S = 5.0
WA_SEND_S = 2.0
WA_PURGE_S = 3600.0
#: How often tomorrow's bookings are looked at for their WhatsApp reminder (each is queued
#: once; the round itself queues nothing at night).
WA_REMINDER_S = 300.0
#: How often bookings past their check-in window expire and old personal data is cleared.
BOOKING_CHECK_S = 60.0
#: Upper bound on iterations of the background loops (years of uptime at their periods).
MAX_ROUNDS = 50_000_000


async def every(period_s: float, work: Callable[[], Awaitable[None]], name: str,
                wake: asyncio.Event | None = None) -> None:
    """Run ``work`` now and then every ``period_s`` (sooner when ``wake`` is set); a failing
    round is logged and the loop carries on."""
    for _ in range(MAX_ROUNDS):
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if unreachable(exc):
                # An outage, not a bug: one line a round until the database is back.
                log.warning("%s failed: database unavailable (%s)", name, exc)
            else:
                log.exception("%s failed", name)
        if wake is None:
            await asyncio.sleep(period_s)
            continue
        await asyncio.sleep(MIN_GAP_S)  # a burst of tickets costs one refresh, not hundreds
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the event is set, and the server's shutdown then waits for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(period_s):
                await wake.wait()
        wake.clear()


async def close_days(loket: Loket, gate: OpeningHours) -> None:
    """Expire what previous business days left, then wake after each day's close (plus the
    grace) to do it again. The sleep is re-measured in short steps, so a moved clock or a
    suspended machine is noticed within a minute."""
    for _ in range(MAX_ROUNDS):
        try:
            await close_day(loket, last_closed_day(gate.schedule, loket.clock.now()))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("closing the business day failed")
        due = next_close_check(gate.schedule, loket.clock.now())
        for _ in range(60 * 24 * 2):  # two days of one-minute steps at most
            left = (due - loket.clock.now()).total_seconds()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 60.0))


async def check_breaks(loket: Loket) -> None:
    await breaks.flag_overdue(loket)
    await breaks.reconcile(loket)


def _whatsapp_tasks(loket: Loket, desk: WhatsAppDesk,
                    ticket_changed: asyncio.Event) -> list[asyncio.Task[None]]:
    config = loket.site.whatsapp
    sender = Sender(desk, config.messages_per_second if config else 20,
                    account=f"{config.api_base_url}/{config.phone_number_id}" if config else "")

    async def derive() -> None:
        if await derive_notifications(loket):
            desk.wake.set()

    async def purge() -> None:
        await purge_personal_data(loket)

    async def remind() -> None:
        if await booking_whatsapp.queue_reminders(loket):
            desk.wake.set()

    async def send() -> None:
        await sender.round()

    return [
        asyncio.create_task(every(WA_DERIVE_S, derive, "deriving WhatsApp notifications",
                                  ticket_changed)),
        asyncio.create_task(every(WA_SEND_S, send, "sending WhatsApp messages", desk.wake)),
        asyncio.create_task(every(WA_PURGE_S, purge, "purging WhatsApp personal data")),
        asyncio.create_task(every(WA_REMINDER_S, remind, "queueing booking reminders")),
    ]


async def booking_upkeep(loket: Loket) -> None:
    await booking.expire_bookings(loket)
    await booking.purge_personal_data(loket)


@contextlib.asynccontextmanager
async def running(loket: Loket, gate: OpeningHours,
                  whatsapp: WhatsAppDesk | None = None) -> AsyncIterator[None]:
    """The jobs as tasks for as long as the block lasts; cancelled and awaited on the way
    out."""
    queue_moved = asyncio.Event()
    staffing_changed = asyncio.Event()
    ticket_changed = asyncio.Event()

    async def on_commit(events: list[StoredEvent]) -> None:
        if any(e.type.startswith("ticket.") for e in events):
            ticket_changed.set()
        if any(e.type.startswith(("ticket.", "counter.")) for e in events):
            queue_moved.set()
        if any(e.type in {"counter.opened", "counter.closed"} for e in events):
            staffing_changed.set()

    loket.db.on_commit(on_commit)
    tasks = [
        asyncio.create_task(every(WAIT_REFRESH_S, lambda: refresh_waits(loket, gate),
                                  "refreshing estimated waits", queue_moved)),
        asyncio.create_task(close_days(loket, gate)),
        asyncio.create_task(every(BREAK_CHECK_S, lambda: check_breaks(loket),
                                  "checking breaks", staffing_changed)),
        asyncio.create_task(every(BOOKING_CHECK_S, lambda: booking_upkeep(loket),
                                  "booking upkeep")),
    ]
    if whatsapp is not None:
        tasks += _whatsapp_tasks(loket, whatsapp, ticket_changed)
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
