"""WA SMART MPP for online bookings (docs/whatsapp.md): the reminder the day before, the
answer to "status <kode>" for a booking code, and "stop" ending a booking's messages.

The confirmation itself is queued by ``booking.book`` in the booking's own transaction. All
of it goes through the outbox (``wa_outbox.enqueue``) under a key per booking, so a round run
twice, by two processes or after a restart, still sends one message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import booking as rules
from queue_server.domain import booking_messages as texts
from queue_server.domain.booking_messages import BookingFacts
from queue_server.domain.conversation import Lang
from queue_server.domain.phones import normalise_phone, whatsapp_id
from queue_server.services.booking import BOOKED, facts_of_row
from queue_server.services.context import Loket
from queue_server.services.wa_outbox import enqueue
from queue_server.services.wa_templates import template_for
from queue_server.store import tables as t

#: Reminders go out in the daytime only (local time), so nobody is woken at night: a round
#: outside these hours queues nothing, and the first round after 08.00 catches up.
REMINDER_FROM = dt.time(8, 0)
REMINDER_UNTIL = dt.time(20, 0)


def _lang(value: str | None) -> Lang:
    return "en" if value == "en" else "id"


async def queue_reminders(loket: Loket) -> int:
    """Queue one reminder for each of tomorrow's active bookings whose holder asked for
    WhatsApp; returns how many were queued now. Bookings made today are left out: their
    confirmation, a few hours old at most, already says when to come."""
    now = loket.clock.now()
    local = now.astimezone(loket.tz)
    if not REMINDER_FROM <= local.time() < REMINDER_UNTIL:
        return 0
    today = local.date()
    tomorrow = today + dt.timedelta(days=1)
    start_of_today = dt.datetime.combine(today, dt.time(0), tzinfo=loket.tz)
    b, ob = t.bookings, t.wa_outbox
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(b).where(
            b.c.site_id == loket.ids.site, b.c.business_day == tomorrow,
            b.c.status == BOOKED, b.c.wa_lang.is_not(None), b.c.phone.is_not(None),
            b.c.created_at < start_of_today))).all()
        if not rows:
            return 0
        done = set((await conn.execute(select(ob.c.dedup_key).where(
            ob.c.site_id == loket.ids.site,
            ob.c.dedup_key.in_([f"reminder:{r.code}" for r in rows])))).scalars())
    due = [r for r in rows if f"reminder:{r.code}" not in done]
    if not due:
        return 0
    async with loket.db.write(loket.ids.site, now) as tx:
        for row in due:
            lang = _lang(row.wa_lang)
            # Another process may have queued it since the read: the key keeps it one.
            await enqueue(tx.conn, loket.ids.site, now, key=f"reminder:{row.code}",
                          phone=whatsapp_id(row.phone), kind="reminder",
                          body=texts.reminder_text(facts_of_row(loket, row, lang), lang),
                          template=template_for(loket.site, "reminder", lang,
                                                _reminder_parameters(loket, row)))
    return len(due)


def _reminder_parameters(loket: Loket, row: Any) -> Callable[[Lang], tuple[str, ...]]:
    return lambda lang: texts.reminder_parameters(facts_of_row(loket, row, lang), lang)


async def booking_state(loket: Loket, asked: str, lang: Lang) -> BookingFacts | None:
    """The booking with the code ``asked`` ("status K7MX3P"), or ``None`` when ``asked`` is
    not a booking code or no booking has it (then it may be a ticket number)."""
    code = rules.normalise_code(asked)
    if not rules.is_code(code):
        return None
    b = t.bookings
    async with loket.db.read() as conn:
        row = (await conn.execute(select(b).where(
            b.c.site_id == loket.ids.site, b.c.code == code))).first()
    return None if row is None else facts_of_row(loket, row, lang)


async def stop_booking_messages(conn: AsyncConnection, loket: Loket, phone: str) -> int:
    """Inside the transaction that stores the visitor's "stop": no more reminders for the
    bookings of this number (``phone`` as the provider gives the sender)."""
    try:
        booked_as = normalise_phone(phone)
    except ValueError:
        return 0  # not an Indonesian mobile number: no booking can have it
    b = t.bookings
    result = await conn.execute(update(b).where(
        b.c.site_id == loket.ids.site, b.c.phone == booked_as, b.c.wa_lang.is_not(None)
    ).values(wa_lang=None))
    return int(result.rowcount or 0)
