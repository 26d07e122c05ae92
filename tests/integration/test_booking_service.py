"""``services/booking.py`` on a real database (SQLite and PostgreSQL): booking, limits,
cancel, check-in in and out of its window, closures added later, no-shows, and the
concurrency proof for the last seats."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from queue_server.clock import ShiftedClock
from queue_server.domain.errors import Closed, DomainError, Invalid, NotFound, Unauthorized
from queue_server.services import admin, booking, staff, tickets
from queue_server.services import admin_edits as edits
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING
from tests.support.booking import booking_site, phone
from tests.support.staff import CHEAP_HASHER, PASSWORD

WIB = dt.timezone(dt.timedelta(hours=7))
MONDAY = dt.date(2025, 11, 24)
FRIDAY = dt.date(2025, 11, 28)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
async def loket(database_url: str, tmp_path: Path) -> AsyncIterator[Loket]:
    site = load_site(booking_site(tmp_path))
    db = Database(create_engine(database_url))
    clock = ShiftedClock(dt.datetime.fromisoformat(MONDAY_MORNING))
    live, ids, version = await open_site_at_start(db.engine, site, clock.now())
    loket = Loket(db=db, site=live, ids=ids, clock=clock, gate=OpeningHours(live),
                  config_version=version)
    async with db.engine.begin() as conn:
        for name, role in {"siti": "officer", "admin1": "admin"}.items():
            await staff.add_user(conn, ids.site, name, PASSWORD, role, clock.now(),
                                 hasher=CHEAP_HASHER)
    try:
        yield loket
    finally:
        loket.passwords.close()
        await db.dispose()


async def rows(loket: Loket, table: Any) -> list[Any]:
    async with loket.db.read() as conn:
        return list((await conn.execute(select(table))).all())


async def book(loket: Loket, n: int = 1, *, service: str = "KTP", day: dt.date = FRIDAY,
               start: str = "09:00", key: str | None = None) -> dict[str, Any]:
    made, _ = await booking.book(loket, service, day.isoformat(), start, f"Warga {n}",
                                 phone(n), idempotency_key=key)
    return made


async def test_a_booking_takes_a_seat_and_the_holder_sees_it_with_the_token(
        loket: Loket) -> None:
    before = await booking.list_slots(loket, "KTP", FRIDAY.isoformat())
    made, created = await booking.book(loket, "KTP", FRIDAY.isoformat(), "09:00",
                                       " Siti Aminah ", "0812-3456-7890")
    after = await booking.list_slots(loket, "KTP", FRIDAY.isoformat())

    assert created and made["status"] == "booked" and len(made["code"]) == 6
    assert made["manage_url"].endswith(f"/booking/manage/{made['code']}#{made['manage_token']}")
    assert made["standard"]["persyaratan"] == ["Kartu Keluarga"]
    slot = next(s for s in before["slots"] if s["start"] == "09:00")
    assert (slot["capacity"], slot["left"]) == (3, 3)
    assert next(s for s in after["slots"] if s["start"] == "09:00")["left"] == 2
    stored = (await rows(loket, t.bookings))[0]
    assert (stored.name, stored.phone, stored.slot) == ("Siti Aminah", "+6281234567890", "09:00")
    assert stored.manage_hash != made["manage_token"]  # only a hash is kept
    seen = await booking.get_booking(loket, made["code"].lower(), made["manage_token"])
    assert seen["phone"] == "+6281234567890" and seen["checkin_from"].startswith(
        "2025-11-28T08:30")
    with pytest.raises(Unauthorized):
        await booking.get_booking(loket, made["code"], "wrong-token")
    with pytest.raises(Unauthorized):
        await booking.get_booking(loket, made["code"], None)


async def test_a_closed_day_has_no_slots_and_names_the_next_open_day(loket: Loket) -> None:
    answer = await booking.list_slots(loket, "KTP", "2025-11-29")  # Saturday
    assert answer["slots"] == [] and answer["next_open"] == "2025-12-01"
    today = await booking.list_slots(loket, "KTP", MONDAY.isoformat())
    assert today["slots"][0]["start"] == "09:30"  # 09:00 has started: not bookable


@pytest.mark.parametrize(("field", "value", "code"), [
    ("phone", "021-555-0100", "invalid_phone"), ("phone", None, "invalid_phone"),
    ("day", "28-11-2025", "invalid_date"), ("day", "2025-02-30", "invalid_date"),
    ("start", "9 pagi", "invalid"), ("name", " ", "invalid_name"),
    ("name", "Budi\x00", "invalid_name"), ("name", "x" * 101, "invalid_name"),
])
async def test_bad_input_is_refused_and_nothing_is_written(loket: Loket, field: str,
                                                           value: Any, code: str) -> None:
    args: dict[str, Any] = {"day": FRIDAY.isoformat(), "start": "09:00", "name": "Budi",
                            "phone": "081234567890", field: value}
    with pytest.raises(Invalid) as refused:
        await booking.book(loket, "KTP", args["day"], args["start"], args["name"],
                           args["phone"])
    assert refused.value.code == code
    assert await rows(loket, t.bookings) == [] and await rows(loket, t.booking_seats) == []


@pytest.mark.parametrize(("day", "start"), [
    ("2025-11-22", "09:00"),  # past
    ("2026-01-05", "09:00"),  # past the horizon
    ("2025-11-28", "09:10"),  # not a slot
    ("2025-11-24", "09:00"),  # today, already started
])
async def test_a_slot_that_does_not_exist_is_refused_and_nothing_is_written(
        loket: Loket, day: str, start: str) -> None:
    with pytest.raises(Closed) as refused:
        await booking.book(loket, "KTP", day, start, "Budi", "081234567890")
    assert refused.value.code == "no_such_slot"
    assert await rows(loket, t.bookings) == [] and await rows(loket, t.booking_seats) == []


async def test_a_full_slot_refuses_the_next_booking_and_leaves_no_trace(loket: Loket) -> None:
    for n in range(3):
        await book(loket, n)
    with pytest.raises(Closed) as full:
        await book(loket, 99)
    assert full.value.code == "slot_full" and full.value.params["start"] == "09:00"
    assert len(await rows(loket, t.bookings)) == 3
    slots = (await booking.list_slots(loket, "KTP", FRIDAY.isoformat()))["slots"]
    assert next(s for s in slots if s["start"] == "09:00")["left"] == 0


async def test_one_phone_books_one_slot_per_service_and_a_few_per_day(loket: Loket) -> None:
    first = await book(loket, 1)
    with pytest.raises(Closed) as same_service:
        await book(loket, 1, start="10:00")
    assert same_service.value.code == "phone_service_limit"
    assert same_service.value.params["booking"] == first["code"]
    await book(loket, 1, service="KK", start="10:00")
    with pytest.raises(Closed) as day_limit:
        await book(loket, 1, service="NPWP", start="10:00")
    assert day_limit.value.code == "phone_day_limit"
    await book(loket, 1, service="NPWP", day=dt.date(2025, 12, 1))  # another day is fine
    assert len(await rows(loket, t.bookings)) == 3


async def test_the_online_share_of_a_daily_quota_caps_a_day(loket: Loket) -> None:
    await book(loket, 1, service="AKTA")  # quota 3, 50 % online → 1 a day
    with pytest.raises(Closed) as capped:
        await book(loket, 2, service="AKTA", start="10:00")
    assert capped.value.code == "online_quota_full"
    slots = (await booking.list_slots(loket, "AKTA", FRIDAY.isoformat()))["slots"]
    assert {s["left"] for s in slots} == {0}


async def test_a_booked_seat_is_kept_out_of_the_walk_in_quota(loket: Loket) -> None:
    made = await book(loket, 1, service="AKTA", day=MONDAY, start="09:30")  # quota 3
    for _ in range(2):
        await tickets.issue_ticket(loket, "AKTA", None)
    with pytest.raises(Closed) as used_up:
        await tickets.issue_ticket(loket, "AKTA", None)
    assert used_up.value.code == "quota_exhausted"
    ticket, _ = await booking.check_in(loket, made["code"])  # the booked seat is still there
    assert ticket["service"] == "AKTA"


async def test_walk_ins_that_used_up_todays_quota_leave_no_seat_to_book(loket: Loket) -> None:
    for _ in range(3):  # AKTA's quota is 3
        await tickets.issue_ticket(loket, "AKTA", None)
    with pytest.raises(Closed) as full:
        await book(loket, 1, service="AKTA", day=MONDAY, start="10:00")
    assert full.value.code == "online_quota_full"
    assert await rows(loket, t.bookings) == []


async def test_the_same_idempotency_key_makes_one_booking(loket: Loket) -> None:
    first = await book(loket, 1, key="tap-1")
    again, created = await booking.book(loket, "KTP", FRIDAY.isoformat(), "09:00", "Warga 1",
                                        phone(1), idempotency_key="tap-1")
    assert not created and again["code"] == first["code"]
    assert len(await rows(loket, t.bookings)) == 1


async def test_cancelling_frees_the_seat_and_cannot_be_done_twice(loket: Loket) -> None:
    made = await book(loket, 1)
    done = await booking.cancel_booking(loket, made["code"], made["manage_token"])
    assert done["status"] == "cancelled" and done["reason"]
    slots = (await booking.list_slots(loket, "KTP", FRIDAY.isoformat()))["slots"]
    assert next(s for s in slots if s["start"] == "09:00")["left"] == 3
    with pytest.raises(DomainError) as twice:
        await booking.cancel_booking(loket, made["code"], made["manage_token"])
    assert twice.value.code == "booking_not_active"
    await book(loket, 1)  # the phone may book that service again


async def test_check_in_inside_the_window_issues_a_ticket_ordered_by_the_slot(
        loket: Loket) -> None:
    made = await book(loket, 1, day=MONDAY, start="10:00")
    assert isinstance(loket.clock, ShiftedClock)
    loket.clock.set(at(MONDAY, 9, 29))
    with pytest.raises(Closed) as early:
        await booking.check_in(loket, made["code"])
    assert early.value.code == "too_early"
    assert early.value.params["window_day"] == "24-11-2025"
    assert early.value.params["window_from"] == "09.30"
    assert early.value.params["window_to"] == "10.15"

    loket.clock.set(at(MONDAY, 9, 40))
    walk_in, _ = await tickets.issue_ticket(loket, "KTP", None)
    loket.clock.set(at(MONDAY, 10, 10))
    later_walk_in, _ = await tickets.issue_ticket(loket, "KTP", None)
    ticket, created = await booking.check_in(loket, f" {made['code'].lower()} ")
    assert ticket["ahead"] == 1  # the 09:40 walk-in, not the 10:10 one
    again, created_again = await booking.check_in(loket, made["code"])  # a second scan
    assert created and not created_again and again["id"] == ticket["id"]
    assert ticket["status"] == "waiting" and ticket["service"] == "KTP"
    stored = next(r for r in await rows(loket, t.tickets) if r.id == ticket["id"])
    held = (await rows(loket, t.bookings))[0]
    assert stored.booking_id == held.id and held.status == "checked_in"
    assert stored.channel == "booking"
    assert held.ticket_id == ticket["id"]
    assert stored.due_at == at(MONDAY, 10)

    officer = (await staff.sign_in(loket, "siti", PASSWORD, "A1")).actor
    called = [(await tickets.call_next(loket, "A1", officer)) for _ in range(1)]
    assert called[0] is not None and called[0]["id"] == walk_in["id"]
    await tickets.finish(loket, walk_in["id"], officer)
    second = await tickets.call_next(loket, "A1", officer)
    assert second is not None and second["id"] == ticket["id"]  # ahead of the 10:10 walk-in
    assert later_walk_in["id"] != ticket["id"]
    async with loket.db.read() as conn:
        events = (await conn.execute(select(t.events.c.type, t.events.c.payload))).all()
    assert {"booking.created", "booking.checked_in", "ticket.issued"} <= {e.type for e in events}
    # Name and phone never travel on a topic (display, service, ticket, supervisor).
    assert not any("Warga" in str(e.payload) or "+62" in str(e.payload) for e in events)


async def test_check_in_after_the_window_is_too_late_and_the_booking_expires(
        loket: Loket) -> None:
    made = await book(loket, 1, day=MONDAY, start="10:00")
    assert isinstance(loket.clock, ShiftedClock)
    loket.clock.set(at(MONDAY, 10, 16))
    with pytest.raises(Closed) as late:
        await booking.check_in(loket, made["code"])
    assert late.value.code == "too_late"
    assert await booking.expire_bookings(loket) == 1
    assert (await rows(loket, t.bookings))[0].status == "expired"
    with pytest.raises(DomainError) as gone:
        await booking.check_in(loket, made["code"])
    assert gone.value.code == "booking_not_active"
    assert await rows(loket, t.tickets) == []
    with pytest.raises(NotFound):
        await booking.check_in(loket, "AAAAAA")


async def test_a_closure_added_after_booking_cancels_it_with_the_reason(loket: Loket) -> None:
    kept = await book(loket, 1, day=MONDAY, start="10:00")
    hit = await book(loket, 2, day=FRIDAY, start="09:00")
    actor = (await staff.sign_in(loket, "admin1", PASSWORD, None)).actor
    await admin.edit(loket, actor, None, "closure.add", lambda doc: edits.add_closure(doc, {
        "from": FRIDAY.isoformat(), "to": FRIDAY.isoformat(), "reason": "Pemadaman listrik",
        "hours": None}))

    seen = await booking.get_booking(loket, hit["code"], hit["manage_token"])
    assert seen["status"] == "cancelled" and "Pemadaman listrik" in seen["reason"]
    assert (await booking.get_booking(loket, kept["code"], kept["manage_token"])
            )["status"] == "booked"
    assert (await booking.list_slots(loket, "KTP", FRIDAY.isoformat()))["slots"] == []
    async with loket.db.read() as conn:
        events = (await conn.execute(select(t.events.c.type, t.events.c.topics, t.events.c.payload)
                                     .where(t.events.c.type == "booking.cancelled"))).all()
    assert len(events) == 1 and events[0].topics == "supervisor"
    assert events[0].payload["by"] == "closure"
    assert "Warga" not in str(events[0].payload) and "+62" not in str(events[0].payload)


async def test_personal_data_is_cleared_after_the_retention_period(loket: Loket) -> None:
    await book(loket, 1)
    assert isinstance(loket.clock, ShiftedClock)
    loket.clock.set(at(FRIDAY, 9) + dt.timedelta(days=loket.site.data_retention_days + 1))
    assert await booking.purge_personal_data(loket) == 1
    stored = (await rows(loket, t.bookings))[0]
    assert (stored.name, stored.phone, stored.slot) == (None, None, "09:00")


async def test_fifty_concurrent_bookings_for_the_last_three_seats_give_exactly_three(
        loket: Loket) -> None:
    async def attempt(n: int) -> str:
        try:
            await book(loket, 100 + n)
        except Closed as refused:
            return refused.code
        return "booked"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(50)))
    assert outcomes.count("booked") == 3 and outcomes.count("slot_full") == 47
    async with loket.db.read() as conn:
        booked = (await conn.execute(select(func.count()).select_from(t.bookings))).scalar_one()
        taken = (await conn.execute(select(t.booking_seats.c.taken).where(
            t.booking_seats.c.slot == "09:00"))).scalar_one()
    assert (booked, taken) == (3, 3)
