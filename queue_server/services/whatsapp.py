"""WA SMART MPP: answering what visitors write (docs/whatsapp.md).

A message is understood and answered from what the database says *before* the writing
transaction; the transaction then stores the message (once: the provider's id is unique),
the ticket subscription it may ask for, and the reply in the outbox. A webhook delivered twice
stores and answers once. The reply is sent later by the outbox worker (``wa_outbox``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from queue_server.channels.base import Channel, DeliveryStatus, Inbound
from queue_server.domain import conversation as talk
from queue_server.domain.booking_messages import booking_status_text
from queue_server.domain.conversation import Intent, Understood
from queue_server.domain.hours_text import weekly_hours
from queue_server.domain.numbering import format_number
from queue_server.domain.schedule import closed_message, issuing_status, schedule_from_config
from queue_server.domain.tickets import Status
from queue_server.services import tickets
from queue_server.services.booking import booking_page_url
from queue_server.services.booking_whatsapp import booking_state, stop_booking_messages
from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours
from queue_server.services.ticket_rows import select_tickets, to_domain
from queue_server.services.wa_catalogue import Catalogue, build_catalogue
from queue_server.services.wa_outbox import enqueue, ensure_cursor, withdraw_unasked
from queue_server.store import tables as t
from queue_server.store.dialect import upsert

log = logging.getLogger("loket.whatsapp")


@dataclass
class WhatsAppDesk:
    """The office's WhatsApp number at work: the channel and what the conversation needs.
    ``wake`` is set when the outbox has something new, so the sender need not poll fast."""

    loket: Loket
    channel: Channel
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _catalogue: Catalogue | None = None

    def catalogue(self) -> Catalogue:
        # An administrator's edit replaces ``loket.site``: rebuild the search from it then.
        if self._catalogue is None or self._catalogue.site is not self.loket.site:
            self._catalogue = build_catalogue(self.loket.site)
        return self._catalogue


@dataclass(frozen=True)
class _Reply:
    body: str
    subscribe: tuple[str, str] | None = None  # (ticket id, lang)
    unsubscribe: bool = False
    topic: str | None = None


async def receive(desk: WhatsAppDesk, message: Inbound) -> bool:
    """Store and answer one inbound message; ``False`` when it was already received."""
    loket = desk.loket
    now = loket.clock.now()
    catalogue = desk.catalogue()
    understood = talk.understand(message.text, catalogue.entries, catalogue.agencies)
    reply = await _answer(desk, understood, now)
    async with loket.db.write(loket.ids.site, now) as tx:
        inserted = (await tx.conn.execute(
            upsert(tx.conn, t.wa_inbound, {
                "site_id": loket.ids.site, "provider_id": message.provider_id,
                "phone": message.phone, "received_at": now,
                "intent": understood.intent.value, "topic": reply.topic,
                "lang": understood.lang}, key=["site_id", "provider_id"]
            ).returning(t.wa_inbound.c.id))).scalar()
        if inserted is None:
            return False  # the provider delivered the webhook again
        if reply.subscribe is not None:
            ticket_id, lang = reply.subscribe
            await ensure_cursor(tx.conn, loket.ids.site)
            await tx.conn.execute(upsert(tx.conn, t.wa_subscriptions, {
                "ticket_id": ticket_id, "site_id": loket.ids.site, "phone": message.phone,
                "lang": lang, "created_at": now}, key=["ticket_id"],
                update=["phone", "lang", "created_at"]))
        if reply.unsubscribe:
            await tx.conn.execute(t.wa_subscriptions.delete().where(
                t.wa_subscriptions.c.site_id == loket.ids.site,
                t.wa_subscriptions.c.phone == message.phone))
            await stop_booking_messages(tx.conn, loket, message.phone)
            await withdraw_unasked(tx.conn, loket.ids.site, message.phone, now)
        await enqueue(tx.conn, loket.ids.site, now, key=f"reply:{inserted}",
                      phone=message.phone, kind="reply", body=reply.body)
    desk.wake.set()
    return True


async def record_statuses(loket: Loket, statuses: list[DeliveryStatus]) -> int:
    """The provider's word on messages we sent: kept on the outbox row (by its id)."""
    if not statuses:
        return 0
    changed = 0
    async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
        for status in statuses:
            values: dict[str, Any] = {"delivery": status.status}
            if status.error:
                values["error"] = status.error[:500]
            result = await tx.conn.execute(update(t.wa_outbox).where(
                t.wa_outbox.c.site_id == loket.ids.site,
                t.wa_outbox.c.provider_id == status.provider_id).values(**values))
            changed += result.rowcount
    return changed


# --- answers ---------------------------------------------------------------------------------


async def _answer(desk: WhatsAppDesk, understood: Understood, now: datetime) -> _Reply:
    loket = desk.loket
    lang = understood.lang
    catalogue = desk.catalogue()
    intent = understood.intent
    if intent is Intent.SERVICES:
        return _Reply(talk.agencies_text(catalogue.agency_counts(), lang))
    if intent is Intent.AGENCY and understood.agency:
        agency_name, services = catalogue.agency_services(understood.agency)
        return _Reply(talk.agency_text(agency_name, services, lang), topic=understood.agency)
    if intent is Intent.SERVICE:
        best, *others = understood.services
        others_names = [loket.site.services_by_code[c].name for c in others]
        return _Reply(talk.service_text(catalogue.facts(best), others_names,
                                        booking_page_url(loket, best), lang), topic=best)
    if intent is Intent.HOURS:
        return _Reply(_hours(loket, now, lang))
    if intent is Intent.BOOKING:
        wanted = understood.services[0] if understood.services else None
        name = loket.site.services_by_code[wanted].name if wanted else None
        return _Reply(talk.booking_text(booking_page_url(loket, wanted), name, lang), topic=wanted)
    if intent is Intent.STATUS:
        # A booking code first: "ACE347" could be read as ticket ACE-347 too, and the
        # visitor who has a code means their booking.
        booked = await booking_state(loket, understood.argument, lang)
        if booked is not None:
            return _Reply(booking_status_text(booked, lang))
        place = await ticket_place(loket, understood.argument, now)
        return _Reply(talk.status_text(place, understood.argument, lang))
    if intent is Intent.COMPLAINT:
        return _Reply(talk.complaint_text(lang))
    if intent is Intent.SUBSCRIBE:
        number = await _subscribable(loket, understood.argument, understood.key)
        if number is None:
            return _Reply(talk.subscribe_failed_text(lang))
        return _Reply(talk.subscribed_text(number, lang), subscribe=(understood.argument, lang))
    if intent is Intent.UNSUBSCRIBE:
        return _Reply(talk.unsubscribed_text(lang), unsubscribe=True)
    return _Reply(talk.menu_text(loket.site.name, lang, unknown=intent is Intent.UNKNOWN))


def _hours(loket: Loket, now: datetime, lang: talk.Lang) -> str:
    schedule = (loket.gate.schedule if isinstance(loket.gate, OpeningHours)
                else schedule_from_config(loket.site.hours, loket.site.timezone))
    today = closed_message(issuing_status(schedule, now), lang)
    weekly = [(line.days, line.hours) for line in weekly_hours(schedule, lang)]
    return talk.hours_text(today, weekly, lang)


async def ticket_place(loket: Loket, asked: str, now: datetime) -> talk.TicketPlace | None:
    """Today's ticket with the number ``asked`` ("A-012"), where it stands (a booking code
    is looked up before this, by ``booking_whatsapp.booking_state``)."""
    parsed = talk.ticket_number(asked)
    if parsed is None:
        return None
    queue, number = parsed
    tk = t.tickets
    async with loket.db.read() as conn:
        row = (await conn.execute(select_tickets().where(
            tk.c.site_id == loket.ids.site, tk.c.queue == queue, tk.c.number == number,
            tk.c.business_day == loket.business_day(now)))).first()
    if row is None:
        return None
    view = await tickets.ticket_view(loket, to_domain(loket, row))
    return talk.TicketPlace(number=view["number"], status=view["status"],
                            service_name=view["service_name"], ahead=view["ahead"],
                            counter_name=view["counter_name"])


async def _subscribable(loket: Loket, ticket_id: str, key: str) -> str | None:
    """The ticket's number when ``key`` is its visitor key and it is still open."""
    if not ticket_id or not key:
        return None
    tk = t.tickets
    async with loket.db.read() as conn:
        row = (await conn.execute(select(tk.c.queue, tk.c.number, tk.c.status,
                                         tk.c.visitor_key).where(
            tk.c.site_id == loket.ids.site, tk.c.id == ticket_id))).first()
    if row is None or not tickets.key_matches(row.visitor_key, key):
        return None
    if row.status in (Status.DONE.value, Status.CANCELLED.value, Status.EXPIRED.value):
        return None
    return format_number(row.queue, row.number)
