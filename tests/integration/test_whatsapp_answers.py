"""What the WhatsApp number answers, through ``receive`` on a real database: each reply is
read back from the outbox as it would be sent."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from queue_server.channels.base import Inbound
from queue_server.clock import ShiftedClock
from queue_server.services import staff, tickets
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours
from queue_server.services.wa_outbox import claim_due, derive_notifications, purge_personal_data
from queue_server.services.wa_stats import outbox_by_state, whatsapp_stats
from queue_server.services.whatsapp import WhatsAppDesk, receive
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import CHEAP_HASHER, PASSWORD

_ids = itertools.count()


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[WhatsAppDesk]:
    site = load_site(SITE_FILE)
    db = Database(create_engine(database_url))
    clock = ShiftedClock(datetime.fromisoformat(MONDAY_MORNING))
    site, ids, _ = await open_site_at_start(db.engine, site, clock.now())
    loket = Loket(db=db, site=site, ids=ids, clock=clock, gate=OpeningHours(site),
                  public_url="https://mpp.example")
    try:
        yield WhatsAppDesk(loket, object())  # type: ignore[arg-type]  # never sends here
    finally:
        await db.dispose()


async def ask(desk: WhatsAppDesk, text: str, phone: str = "628111") -> str:
    assert await receive(desk, Inbound(f"wamid.{next(_ids)}", phone, text))
    async with desk.loket.db.read() as conn:
        body = (await conn.execute(select(t.wa_outbox.c.body).order_by(
            t.wa_outbox.c.id.desc()).limit(1))).scalar_one()
    return str(body)


async def test_jam_on_a_working_morning_says_open_and_lists_the_week(desk: WhatsAppDesk) -> None:
    answer = await ask(desk, "jam")
    assert "Jam pelayanan" in answer and "Layanan buka" in answer
    assert "Senin" in answer


async def test_jam_on_a_national_holiday_says_so_and_when_it_opens_again(
        desk: WhatsAppDesk) -> None:
    assert isinstance(desk.loket.clock, ShiftedClock)
    desk.loket.clock.set(datetime.fromisoformat("2025-12-25T09:00:00+07:00"))
    answer = await ask(desk, "jam")
    assert "libur" in answer and "Layanan dibuka kembali" in answer


async def test_status_answers_a_tickets_place_and_an_unknown_number(desk: WhatsAppDesk) -> None:
    await tickets.issue_ticket(desk.loket, "KTP", None)
    second, _ = await tickets.issue_ticket(desk.loket, "KTP", None)
    answer = await ask(desk, f"status {second['number']}")
    assert second["number"] in answer and "menunggu" in answer
    assert "Di depan Anda: 1 orang" in answer
    assert "tidak ditemukan" in await ask(desk, "status Z-999")


async def test_a_service_question_in_english_is_answered_in_english(desk: WhatsAppDesk) -> None:
    answer = await ask(desk, "what are the requirements for ktp")
    assert "*Requirements:*" in answer and "Kartu Keluarga" in answer
    assert "https://mpp.example/booking?service=KTP" in answer


async def test_antre_sends_the_booking_link_of_the_service(desk: WhatsAppDesk) -> None:
    answer = await ask(desk, "antre npwp")
    assert "https://mpp.example/booking?service=NPWP" in answer


async def test_nonsense_gets_the_menu_never_silence(desk: WhatsAppDesk) -> None:
    answer = await ask(desk, "asdfgh qwerty")
    assert answer.startswith("Maaf") and "1 *layanan*" in answer


async def test_a_subscription_needs_the_tickets_key(desk: WhatsAppDesk) -> None:
    ticket, _ = await tickets.issue_ticket(desk.loket, "KTP", None)
    assert "tidak ditemukan" in await ask(desk, f"KABARI {ticket['id']} tebakan")
    key = await tickets.visitor_key(desk.loket, ticket["id"])
    assert "kami akan mengabari" in await ask(desk, f"KABARI {ticket['id']} {key}")
    async with desk.loket.db.read() as conn:
        subscribed = (await conn.execute(select(t.wa_subscriptions.c.phone))).scalars().all()
    assert list(subscribed) == ["628111"]
    assert "tidak akan mengirim" in await ask(desk, "stop")
    async with desk.loket.db.read() as conn:
        assert (await conn.execute(select(t.wa_subscriptions))).first() is None


async def test_stop_withdraws_the_notifications_still_queued_for_that_number_only(
        desk: WhatsAppDesk) -> None:
    loket = desk.loket
    async with loket.db.engine.begin() as conn:
        await staff.add_user(conn, loket.ids.site, "siti", PASSWORD, "officer",
                             loket.clock.now(), hasher=CHEAP_HASHER)
    issued = [(await tickets.issue_ticket(loket, "KTP", None))[0] for _ in range(5)]
    for phone, ticket in (("628111", issued[4]), ("628222", issued[3])):
        key = await tickets.visitor_key(loket, ticket["id"])
        assert "kami akan mengabari" in await ask(desk, f"KABARI {ticket['id']} {key}",
                                                  phone=phone)
    await ask(desk, "syarat ktp")  # a question of 628111's, its answer still unsent
    officer = (await staff.sign_in(loket, "siti", PASSWORD, "A1")).actor
    assert await tickets.call_next(loket, "A1", officer) is not None
    # "3 antrean lagi" for both: three wait ahead of 628111's ticket, two of 628222's.
    assert await derive_notifications(loket) == 2

    assert "tidak akan mengirim" in await ask(desk, "stop")

    async with loket.db.read() as conn:
        outbox = (await conn.execute(select(
            t.wa_outbox.c.phone, t.wa_outbox.c.kind, t.wa_outbox.c.state))).all()
    # 628111's replies (to KABARI, the question and "stop") stay; only its notification goes.
    assert sorted(tuple(row) for row in outbox) == [
        ("628111", "near", "withdrawn"), ("628111", "reply", "pending"),
        ("628111", "reply", "pending"), ("628111", "reply", "pending"),
        ("628222", "near", "pending"), ("628222", "reply", "pending")]
    # Withdrawn is for good: a sending round never takes it, and it counts as neither sent
    # nor waiting for the supervisor.
    assert {m.phone for m in await claim_due(loket, "test", limit=100)} == {"628111", "628222"}
    async with loket.db.read() as conn:
        assert (await conn.execute(select(t.wa_outbox.c.state).where(
            t.wa_outbox.c.kind == "near", t.wa_outbox.c.phone == "628111"))).scalar() == \
            "withdrawn"
    assert (await outbox_by_state(loket))["withdrawn"] == 1
    today = loket.clock.now().date()
    totals = (await whatsapp_stats(loket, today, today))["totals"]
    # The five claimed are on their way; the withdrawn one is in no column.
    assert (totals["pending"], totals["out"], totals["failed"]) == (5, 0, 0)


async def test_phone_numbers_stay_off_every_topic_and_go_after_the_retention_period(
        desk: WhatsAppDesk) -> None:
    ticket, _ = await tickets.issue_ticket(desk.loket, "KTP", None)
    key = await tickets.visitor_key(desk.loket, ticket["id"])
    await ask(desk, f"KABARI {ticket['id']} {key}", phone="6289999000111")
    await ask(desk, "syarat ktp", phone="6289999000111")
    async with desk.loket.db.read() as conn:
        payloads = (await conn.execute(select(t.events.c.payload))).scalars().all()
    assert payloads and not any("6289999000111" in str(p) for p in payloads)
    assert await purge_personal_data(desk.loket) == 0  # nothing old yet
    assert isinstance(desk.loket.clock, ShiftedClock)
    desk.loket.clock.advance(timedelta(days=desk.loket.site.data_retention_days + 1))
    assert await purge_personal_data(desk.loket) == 5  # 2 messages, 2 replies, 1 subscription
    async with desk.loket.db.read() as conn:
        for table in (t.wa_inbound, t.wa_outbox, t.wa_subscriptions):
            assert (await conn.execute(select(table))).first() is None
