"""Online booking: slots, booking a seat, the holder's view and cancel, check-in at the
kiosk or counter, and the day's upkeep (no-shows, closures, personal data).

Seats are counted in ``booking_seats`` rows taken by one conditional ``UPDATE`` each, so
concurrent bookings for the last seat never overbook (on PostgreSQL the row lock queues them,
on SQLite the write lock does). Checking in goes through the one issuing path
(``issuing_batch.insert_one``) in the same transaction that marks the booking checked in.

Events about a booking go to the ``supervisor`` topic and carry no name or phone; a booking
cancelled by a closure emits ``booking.cancelled`` with ``by: "closure"``, and a holder who
asked for WhatsApp is told in the same transaction (through the outbox).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import booking as rules
from queue_server.domain import booking_messages as texts
from queue_server.domain.booking_messages import BookingFacts
from queue_server.domain.conversation import Lang
from queue_server.domain.errors import Closed, DomainError, Invalid, NotFound, Unauthorized
from queue_server.domain.phones import normalise_phone, whatsapp_id
from queue_server.domain.schedule import Schedule, schedule_from_config
from queue_server.services import issuing_batch, tickets
from queue_server.services.context import Loket
from queue_server.services.visitors import booked_visitors
from queue_server.services.wa_outbox import enqueue
from queue_server.services.wa_templates import template_for
from queue_server.site import Service, Site
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import lock_key, upsert

BOOKED, CHECKED_IN, CANCELLED, EXPIRED = "booked", "checked_in", "cancelled", "expired"
#: Seats of the whole day (the online share of a daily quota) live under this slot name.
WHOLE_DAY = ""

STATUS_WORDS = {BOOKED: ("terpesan", "booked"), CHECKED_IN: ("sudah check-in", "checked in"),
                CANCELLED: ("dibatalkan", "cancelled"), EXPIRED: ("kedaluwarsa", "expired")}


def schedule_of(loket: Loket) -> Schedule:
    schedule = getattr(loket.gate, "schedule", None)
    if isinstance(schedule, Schedule):
        return schedule
    return schedule_from_config(loket.site.hours, loket.site.timezone)


def _policy(loket: Loket) -> rules.BookingPolicy:
    if not loket.site.booking.enabled:
        raise Closed("booking_disabled")
    return loket.site.booking


def _service(loket: Loket, code: object) -> Service:
    service = loket.site.services_by_code.get(code) if isinstance(code, str) else None
    if service is None:
        raise Invalid("unknown_service", service=code)
    if not service.active:
        raise Closed("service_inactive", service=code)
    return service


def parse_day(text: object) -> dt.date:
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_date", date=str(text)[:40]) from None


SLOT_START = re.compile(r"[0-2][0-9]:[0-5][0-9]\Z")


def _name(value: object) -> str:
    """The visitor's name as typed, trimmed: any script, but no control characters (they
    would break a printed slip or a message)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 100 or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise Invalid("invalid_name")
    return text


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_number(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# --- slots ------------------------------------------------------------------------------------


async def list_slots(loket: Loket, service_code: object, day_text: object) -> dict[str, Any]:
    """``{"slots": [{"start", "end", "capacity", "left"}]}``; a day without slots answers
    an empty list and ``next_open`` (the next day that has some)."""
    # The request is read before the office's state is asked: malformed input is a 422
    # whatever the configuration, a closed booking a 409.
    service = _service(loket, service_code)
    day = parse_day(day_text)
    policy = _policy(loket)
    now = loket.clock.now()
    today = loket.business_day(now)
    schedule = schedule_of(loket)
    slots = [s for s in rules.slots_on(schedule, policy, day)
             if rules.may_book(s, policy, today, now)]
    taken: dict[str, int] = {}
    if slots:
        bs = t.booking_seats
        async with loket.db.read() as conn:
            rows = (await conn.execute(select(bs.c.slot, bs.c.taken).where(
                bs.c.site_id == loket.ids.site,
                bs.c.service_id == loket.ids.services[service.code],
                bs.c.business_day == day))).all()
        taken = {r.slot: int(r.taken) for r in rows}
    cap = rules.daily_online_cap(policy, service.daily_quota)
    day_left = None if cap is None else max(0, cap - taken.get(WHOLE_DAY, 0))
    out = []
    for slot in slots:
        left = max(0, policy.seats_per_slot - taken.get(slot.label, 0))
        if day_left is not None:
            left = min(left, day_left)
        out.append({"start": slot.label, "end": f"{slot.end:%H:%M}",
                    "capacity": policy.seats_per_slot, "left": left})
    answer: dict[str, Any] = {"service": service.code, "date": day.isoformat(), "slots": out}
    if not out:
        following = rules.next_bookable_day(schedule, policy, day, today)
        answer["next_open"] = following.isoformat() if following else None
    return answer


# --- booking ----------------------------------------------------------------------------------


async def book(loket: Loket, service_code: object, day_text: object, start: object,
               name: object, phone: object, *, idempotency_key: str | None = None,
               whatsapp: object = False, whatsapp_lang: Lang | None = None
               ) -> tuple[dict[str, Any], bool]:
    """Book a seat; returns the booking (with its manage token, shown only now) and whether
    it was made now (``False`` when the idempotency key had made it already).

    ``whatsapp``: the visitor asked for a WhatsApp confirmation and reminder (a bool, as
    sent); ``whatsapp_lang`` is the language of those messages, ``None`` when the site has
    no WhatsApp number (the wish is then read and ignored)."""
    service = _service(loket, service_code)
    day = parse_day(day_text)
    if not isinstance(start, str) or not SLOT_START.match(start):
        raise Invalid("invalid", field="start", what="slot_time")
    clean_name = _name(name)
    try:
        clean_phone = normalise_phone(phone if isinstance(phone, str) else "")
    except ValueError:
        raise Invalid("invalid_phone", phone=str(phone)[:30]) from None
    if not isinstance(whatsapp, bool):
        raise Invalid("invalid", field="whatsapp", what="not_boolean")
    wa_lang = whatsapp_lang if whatsapp and whatsapp_lang is not None else None
    policy = _policy(loket)
    if idempotency_key is not None:
        found = await _by_key(loket, idempotency_key)
        if found is not None:
            return found, False
    now = loket.clock.now()
    slot = rules.find_slot(schedule_of(loket), policy, day, start)
    if slot is None or not rules.may_book(slot, policy, loket.business_day(now), now):
        raise Closed("no_such_slot", service=service.name, date=day.isoformat(),
                     start=start[:5])
    token = secrets.token_urlsafe(18)
    try:
        async with loket.db.write(loket.ids.site, now) as tx:
            code = await _insert_booking(tx, loket, policy, service, slot, clean_name,
                                         clean_phone, token, idempotency_key, wa_lang)
    except IntegrityError:
        # PostgreSQL: a racing request with the same key committed first; theirs stands.
        if idempotency_key is None:
            raise
        found = await _by_key(loket, idempotency_key)
        if found is None:
            raise
        return found, False
    view = await _view(loket, code)
    return {**view, "manage_token": token, "manage_url": manage_url(loket, code, token)}, True


async def _insert_booking(tx: Tx, loket: Loket, policy: rules.BookingPolicy, service: Service,
                          slot: rules.Slot, name: str, phone: str, token: str,
                          idempotency_key: str | None, wa_lang: Lang | None) -> str:
    b = t.bookings
    day = slot.starts_at.date()
    service_id = loket.ids.services[service.code]
    # One phone's bookings of a day are decided one at a time (two taps on two services
    # must not both pass the daily limit); SQLite's write lock does this already.
    await lock_key(tx.conn, _lock_number(loket.ids.site, phone, day))
    if idempotency_key is not None and await _key_exists(tx.conn, loket, idempotency_key):
        raise IntegrityError("idempotency key", None, Exception("taken"))
    mine = (await tx.conn.execute(select(b.c.code, b.c.service_id).where(
        b.c.site_id == loket.ids.site, b.c.business_day == day, b.c.phone == phone,
        b.c.status.in_([BOOKED, CHECKED_IN])))).all()
    same = next((r for r in mine if r.service_id == service_id), None)
    if same is not None:
        raise Closed("phone_service_limit", service=service.name, date=day.isoformat(),
                     booking=same.code)
    if len(mine) >= policy.max_per_phone_per_day:
        raise Closed("phone_day_limit", limit=policy.max_per_phone_per_day,
                     date=day.isoformat())
    if not await _take_seat(tx, loket, service_id, day, slot.label, policy.seats_per_slot):
        raise Closed("slot_full", service=service.name, date=day.isoformat(), start=slot.label)
    cap = rules.daily_online_cap(policy, service.daily_quota)
    if cap is not None:
        await lock_key(tx.conn, issuing_batch.quota_lock(loket.ids.site, service_id, day))
        if await _quota_used(tx.conn, loket, service_id, day) >= (service.daily_quota or 0):
            raise Closed("online_quota_full", service=service.name, date=day.isoformat())
    if cap is not None and not await _take_seat(tx, loket, service_id, day, WHOLE_DAY, cap):
        raise Closed("online_quota_full", service=service.name, date=day.isoformat())
    code = await _new_code(tx.conn, loket)
    result = await tx.conn.execute(insert(b).values(
        site_id=loket.ids.site, code=code, service_id=service_id, business_day=day,
        slot=slot.label, starts_at=slot.starts_at, ends_at=slot.ends_at, name=name,
        phone=phone, status=BOOKED, manage_hash=_hash(token),
        idempotency_key=idempotency_key, created_at=tx.now, wa_lang=wa_lang).returning(b.c.id))
    booking_id = int(result.scalar_one())
    if wa_lang is not None:
        # In the booking's own transaction: a booking made is a confirmation queued, and the
        # key makes it one message whatever restarts or retries follow.
        link = manage_url(loket, code, token)

        def facts(lang: Lang) -> BookingFacts:
            return booking_facts(loket, code, service, slot.starts_at, BOOKED, None, lang)

        await enqueue(tx.conn, loket.ids.site, tx.now, key=f"booking:{code}",
                      phone=whatsapp_id(phone), kind="booking",
                      body=texts.confirmation_text(facts(wa_lang), link, wa_lang),
                      template=template_for(loket.site, "booking", wa_lang, lambda lang:
                                            texts.confirmation_parameters(facts(lang), link,
                                                                          lang)))
    tx.emit("booking.created", ("supervisor",), {
        "booking": booking_id, "service": service.code, "date": day.isoformat(),
        "start": slot.label})
    return code


async def _quota_used(conn: AsyncConnection, loket: Loket, service_id: int,
                      day: dt.date) -> int:
    """Tickets issued for the service that day (walk-ins used the quota up) plus the seats
    booked and not yet checked in."""
    tk, b = t.tickets, t.bookings
    issued = (await conn.execute(select(func.count()).select_from(tk).where(
        tk.c.site_id == loket.ids.site, tk.c.business_day == day,
        tk.c.first_service_id == service_id))).scalar_one()
    reserved = (await conn.execute(select(func.count()).select_from(b).where(
        b.c.site_id == loket.ids.site, b.c.business_day == day, b.c.service_id == service_id,
        b.c.status == BOOKED))).scalar_one()
    return int(issued) + int(reserved)


async def _take_seat(tx: Tx, loket: Loket, service_id: int, day: dt.date, slot: str,
                     capacity: int) -> bool:
    bs = t.booking_seats
    key = {"site_id": loket.ids.site, "service_id": service_id, "business_day": day,
           "slot": slot}
    await tx.conn.execute(upsert(tx.conn, bs, {**key, "taken": 0}, key=list(key)))
    result = await tx.conn.execute(update(bs).where(
        bs.c.site_id == loket.ids.site, bs.c.service_id == service_id,
        bs.c.business_day == day, bs.c.slot == slot, bs.c.taken < capacity,
    ).values(taken=bs.c.taken + 1))
    return bool(result.rowcount == 1)


async def _free_seat(tx: Tx, loket: Loket, service_id: int, day: dt.date, slot: str) -> None:
    bs = t.booking_seats
    await tx.conn.execute(update(bs).where(
        bs.c.site_id == loket.ids.site, bs.c.service_id == service_id,
        bs.c.business_day == day, bs.c.slot.in_([slot, WHOLE_DAY]), bs.c.taken > 0,
    ).values(taken=bs.c.taken - 1))


async def _new_code(conn: AsyncConnection, loket: Loket) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))
        taken = (await conn.execute(select(t.bookings.c.id).where(
            t.bookings.c.site_id == loket.ids.site, t.bookings.c.code == code))).first()
        if taken is None:
            return code
    raise DomainError("conflict")  # pragma: no cover - 20 collisions in 64 million codes


async def _key_exists(conn: AsyncConnection, loket: Loket, key: str) -> bool:
    return (await conn.execute(select(t.bookings.c.id).where(
        t.bookings.c.site_id == loket.ids.site, t.bookings.c.idempotency_key == key))
    ).first() is not None


async def _by_key(loket: Loket, key: str) -> dict[str, Any] | None:
    async with loket.db.read() as conn:
        code = (await conn.execute(select(t.bookings.c.code).where(
            t.bookings.c.site_id == loket.ids.site, t.bookings.c.idempotency_key == key))
        ).scalar()
    # The token is not kept, so a repeated request gets the booking without it; the page
    # that sent the first request already holds it.
    return await _view(loket, str(code)) if code else None


def booking_page_url(loket: Loket, service: str | None = None) -> str:
    """Where a visitor books a time online, optionally with the service chosen."""
    return f"{loket.public_url}/booking" + (f"?service={service}" if service else "")


def manage_url(loket: Loket, code: str, token: str) -> str:
    # The token travels in the fragment: browsers do not send it to the server or in
    # Referer headers, so it stays out of access logs.
    return f"{loket.public_url}/booking/manage/{code}#{token}"


# --- reading, cancelling ------------------------------------------------------------------------


async def _row(conn: AsyncConnection, loket: Loket, code: str) -> Any:
    return (await conn.execute(select(t.bookings).where(
        t.bookings.c.site_id == loket.ids.site, t.bookings.c.code == code))).first()


def _clean_code(text: object) -> str:
    code = rules.normalise_code(text) if isinstance(text, str) else ""
    if not rules.is_code(code):
        raise NotFound("booking_not_found", booking=str(text)[:20])
    return code


def booking_facts(loket: Loket, code: str, service: Service | None, starts_at: dt.datetime,
                  status: str, reason: str | None, lang: Lang) -> BookingFacts:
    """A booking as a WhatsApp message tells it, in the site's time zone."""
    opens, closes = rules.checkin_window(starts_at, loket.site.booking)
    name = "" if service is None else (
        (service.name_en or service.name) if lang == "en" else service.name)
    return BookingFacts(code=code, service_name=name, starts_at=starts_at.astimezone(loket.tz),
                        checkin_from=opens.astimezone(loket.tz),
                        checkin_until=closes.astimezone(loket.tz), status=status, reason=reason)


def facts_of_row(loket: Loket, row: Any, lang: Lang) -> BookingFacts:
    service = loket.site.services_by_code.get(loket.ids.service_codes.get(row.service_id, ""))
    return booking_facts(loket, row.code, service, row.starts_at, row.status, row.reason, lang)


def booking_json(loket: Loket, row: Any, *, personal: bool) -> dict[str, Any]:
    service = loket.site.services_by_code.get(loket.ids.service_codes.get(row.service_id, ""))
    policy = loket.site.booking
    opens, closes = rules.checkin_window(row.starts_at, policy)
    out: dict[str, Any] = {
        "code": row.code, "service": service.code if service else None,
        "service_name": service.name if service else None,
        "agency": service.agency if service else None,
        "date": row.business_day.isoformat(), "start": row.slot,
        "end": f"{row.ends_at.astimezone(loket.tz):%H:%M}",
        "status": row.status, "reason": row.reason,
        "checkin_from": loket.local(opens), "checkin_until": loket.local(closes),
        "ticket_id": row.ticket_id,
        "standard": service.standard if service else {},
    }
    if personal:
        out["name"] = row.name
        out["phone"] = row.phone
    return out


async def _view(loket: Loket, code: str) -> dict[str, Any]:
    async with loket.db.read() as conn:
        row = await _row(conn, loket, code)
    if row is None:
        raise NotFound("booking_not_found", booking=code)
    return booking_json(loket, row, personal=True)


async def _holder_row(loket: Loket, code_text: object, token: str | None) -> Any:
    code = _clean_code(code_text)
    async with loket.db.read() as conn:
        row = await _row(conn, loket, code)
    if row is None:
        raise NotFound("booking_not_found", booking=code)
    if token is None or not secrets.compare_digest(_hash(token), row.manage_hash):
        raise Unauthorized("booking_token")
    return row


async def get_booking(loket: Loket, code_text: object, token: str | None) -> dict[str, Any]:
    row = await _holder_row(loket, code_text, token)
    return booking_json(loket, row, personal=True)


async def cancel_booking(loket: Loket, code_text: object, token: str | None) -> dict[str, Any]:
    """The holder cancels: the seat is free again at once."""
    row = await _holder_row(loket, code_text, token)
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        if not await _cancel(tx, loket, row, "Dibatalkan oleh pemesan.", "holder"):
            current = await _row(tx.conn, loket, row.code)
            raise DomainError("booking_not_active", booking=row.code,
                              status=STATUS_WORDS[current.status][0])
    return await _view(loket, row.code)


async def _cancel(tx: Tx, loket: Loket, row: Any, reason: str, by: str) -> bool:
    b = t.bookings
    result = await tx.conn.execute(update(b).where(b.c.id == row.id, b.c.status == BOOKED)
                                   .values(status=CANCELLED, reason=reason,
                                           cancelled_at=tx.now))
    if result.rowcount != 1:
        return False
    await _free_seat(tx, loket, row.service_id, row.business_day, row.slot)
    tx.emit("booking.cancelled", ("supervisor",), {
        "booking": row.id, "code": row.code, "by": by, "date": row.business_day.isoformat(),
        "start": row.slot, "reason": reason})
    return True


async def cancel_bookings_without_slot(tx: Tx, loket: Loket, site: Site) -> int:
    """Inside an admin edit: bookings whose slot the new configuration no longer has (a
    closure, a holiday opened as closed, shorter hours) are cancelled with the reason."""
    if not site.booking.enabled and not loket.site.booking.enabled:
        return 0
    schedule = schedule_from_config(site.hours, site.timezone)
    # Switching booking off stops new bookings; the ones made stay valid.
    policy = dataclasses.replace(site.booking, enabled=True)
    b = t.bookings
    rows = (await tx.conn.execute(select(b).where(
        b.c.site_id == loket.ids.site, b.c.status == BOOKED,
        b.c.business_day >= loket.business_day(tx.now)))).all()
    cancelled = 0
    for row in rows:
        if not rules.slot_closed(schedule, policy, row.business_day, row.slot):
            continue
        note = _closure_note(schedule, row.business_day)
        if await _cancel(tx, loket, row, _closure_reason(row.business_day, note), "closure"):
            cancelled += 1
            if row.wa_lang is not None and row.phone is not None:
                await _tell_closure(tx, loket, row, note)
    return cancelled


def _closure_note(schedule: Schedule, day: dt.date) -> str:
    return next((o.reason for o in schedule.overrides if o.covers(day) and o.reason), "")


def _closure_reason(day: dt.date, note: str) -> str:
    text = f"Dibatalkan: kantor tutup atau jam layanan berubah pada {day:%d-%m-%Y}"
    return f"{text} ({note})." if note else f"{text}."


async def _tell_closure(tx: Tx, loket: Loket, row: Any, note: str) -> None:
    """The holder asked for WhatsApp: the cancellation goes out with the closure's own
    transaction, keyed per booking so an edit saved twice tells them once."""
    lang: Lang = "en" if row.wa_lang == "en" else "id"
    link = booking_page_url(loket, loket.ids.service_codes.get(row.service_id))
    await enqueue(tx.conn, loket.ids.site, tx.now, key=f"cancelled:{row.code}",
                  phone=whatsapp_id(row.phone), kind="booking",
                  body=texts.closure_cancel_text(facts_of_row(loket, row, lang), note, link,
                                                 lang),
                  template=template_for(loket.site, "cancelled", lang, lambda chosen:
                                        texts.closure_cancel_parameters(
                                            facts_of_row(loket, row, chosen), note, link,
                                            chosen)))


# --- check-in ----------------------------------------------------------------------------------


async def check_in(loket: Loket, code_text: object) -> tuple[dict[str, Any], bool]:
    """Turn a booking into a waiting ticket inside its check-in window; returns the ticket
    (as ``issue_ticket`` does) and whether it was issued now (``False``: already checked in,
    e.g. a scanner that sent the code twice)."""
    policy = _policy(loket)
    code = _clean_code(code_text)
    now = loket.clock.now()
    async with loket.db.read() as conn:
        row = await _row(conn, loket, code)
    if row is None:
        raise NotFound("booking_not_found", booking=code)
    if row.status == CHECKED_IN and row.ticket_id:
        return await _ticket(loket, row.ticket_id), False
    if row.status != BOOKED:
        raise DomainError("booking_not_active", booking=code, status=STATUS_WORDS[row.status][0],
                          reason=row.reason)
    verdict = rules.checkin_verdict(now, row.starts_at, policy)
    if verdict != "ok":
        opens, closes = rules.checkin_window(row.starts_at, policy)
        raise Closed(verdict, booking=code, date=row.business_day.isoformat(),
                     window_day=f"{row.business_day:%d-%m-%Y}",
                     window_from=f"{opens.astimezone(loket.tz):%H.%M}",
                     window_to=f"{closes.astimezone(loket.tz):%H.%M}",
                     checkin_from=loket.local(opens), checkin_until=loket.local(closes))
    service = loket.site.services_by_code[loket.ids.service_codes[row.service_id]]
    loket.gate.check(service, now)
    b = t.bookings
    async with loket.db.write(loket.ids.site, now) as tx:
        claimed = await tx.conn.execute(update(b).where(b.c.id == row.id, b.c.status == BOOKED)
                                        .values(status=CHECKED_IN, checked_in_at=now))
        if claimed.rowcount == 1:
            # Channel "booking" ("Antrean online" in the exports); booking_id says the same
            # for the statistics.
            ticket = await issuing_batch.insert_one(tx, loket, issuing_batch.Request(
                service, None, None, "booking", now, booking_id=row.id, due_at=row.starts_at))
            await tx.conn.execute(update(b).where(b.c.id == row.id).values(ticket_id=ticket.id))
            tx.emit("booking.checked_in", ("supervisor",), {
                "booking": row.id, "code": code, "ticket": ticket.id})
            issued_id: str | None = ticket.id
        else:
            issued_id = None
    if issued_id is None:  # another kiosk checked it in a moment ago
        async with loket.db.read() as conn:
            again = await _row(conn, loket, code)
        if again.status == CHECKED_IN and again.ticket_id:
            return await _ticket(loket, again.ticket_id), False
        raise DomainError("booking_not_active", booking=code, status=STATUS_WORDS[again.status][0])
    return await _ticket(loket, issued_id), True


async def visitor_of(loket: Loket, ticket: dict[str, Any] | None) -> dict[str, Any] | None:
    """For the officer who calls a booked visitor: their name, code and slot. Only in the
    answer to that counter, never on a topic."""
    if ticket is None:
        return None
    async with loket.db.read() as conn:
        return (await booked_visitors(conn, loket.ids.site, [ticket["id"]])).get(ticket["id"])


async def _ticket(loket: Loket, ticket_id: str) -> dict[str, Any]:
    return await tickets.holder_view(loket, await tickets.get_ticket(loket, ticket_id))


# --- upkeep (services/jobs.py) -----------------------------------------------------------------


async def expire_bookings(loket: Loket) -> int:
    """Bookings not checked in by the end of their window become no-shows (``expired``).
    Their seats are not given back: the slot is over."""
    if not loket.site.booking.enabled:
        return 0
    now = loket.clock.now()
    latest_start = now - dt.timedelta(minutes=loket.site.booking.checkin_after_minutes)
    b = t.bookings
    async with loket.db.write(loket.ids.site, now) as tx:
        result = await tx.conn.execute(update(b).where(
            b.c.site_id == loket.ids.site, b.c.status == BOOKED, b.c.starts_at < latest_start,
        ).values(status=EXPIRED, reason="Tidak check-in sampai batas waktu."))
        count = int(result.rowcount or 0)
        if count:
            tx.emit("booking.expired", ("supervisor",), {"count": count})
    return count


async def purge_personal_data(loket: Loket) -> int:
    """Names and phone numbers of bookings older than ``data_retention_days`` are cleared
    (and with the number, the WhatsApp wish); the rest stays for the statistics."""
    now = loket.clock.now()
    before = loket.business_day(now) - dt.timedelta(days=loket.site.data_retention_days)
    b = t.bookings
    async with loket.db.write(loket.ids.site, now) as tx:
        result = await tx.conn.execute(update(b).where(
            b.c.site_id == loket.ids.site, b.c.business_day < before,
            (b.c.name.is_not(None)) | (b.c.phone.is_not(None)),
        ).values(name=None, phone=None, wa_lang=None))
    return int(result.rowcount or 0)


async def day_bookings(loket: Loket, day: dt.date) -> dict[str, Any]:
    """A day's bookings per service, with names and phones: for supervisors only."""
    b = t.bookings
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(b).where(
            b.c.site_id == loket.ids.site, b.c.business_day == day)
            .order_by(b.c.starts_at, b.c.id))).all()
        counts = (await conn.execute(select(b.c.status, func.count()).where(
            b.c.site_id == loket.ids.site, b.c.business_day == day).group_by(b.c.status))
        ).all()
    services: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        item = booking_json(loket, row, personal=True)
        item.pop("standard", None)
        services.setdefault(item["service"] or "?", []).append(item)
    return {"date": day.isoformat(), "totals": {str(k): int(v) for k, v in counts},
            "services": [{"service": code, "bookings": items}
                         for code, items in services.items()]}


async def booking_stats(loket: Loket, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Online against walk-in tickets, and what became of the bookings, for the statistics
    (``booking_id IS NOT NULL`` is "online")."""
    tk, b = t.tickets, t.bookings
    async with loket.db.read() as conn:
        online, walk_in = (await conn.execute(select(
            func.count(tk.c.booking_id), func.count() - func.count(tk.c.booking_id)).where(
            tk.c.site_id == loket.ids.site, tk.c.business_day >= first,
            tk.c.business_day <= last))).one()
        rows = (await conn.execute(select(b.c.status, func.count()).where(
            b.c.site_id == loket.ids.site, b.c.business_day >= first,
            b.c.business_day <= last).group_by(b.c.status))).all()
    by_status: dict[str, int] = {str(status): int(n) for status, n in rows}
    return {"online_tickets": int(online or 0), "walk_in_tickets": int(walk_in or 0),
            "bookings": sum(by_status.values()), "checked_in": by_status.get(CHECKED_IN, 0),
            "no_show": by_status.get(EXPIRED, 0), "cancelled": by_status.get(CANCELLED, 0),
            "booked": by_status.get(BOOKED, 0)}
