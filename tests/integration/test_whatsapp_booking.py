"""WA SMART MPP for online bookings, on SQLite and PostgreSQL: the confirmation a visitor asks
for while booking (through a real server to the local fake Cloud API), the reminder round the
day before, "status <kode>" over a signed webhook, "stop", and a malformed ``whatsapp``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from queue_server.clock import ShiftedClock
from queue_server.services import admin, booking, staff
from queue_server.services import admin_edits as edits
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.booking_whatsapp import queue_reminders
from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours
from queue_server.site import DEMO_SITE, Site, load_site, parse_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING
from tests.integration.test_whatsapp import (
    PHONE_ID,
    PUBLIC_URL,
    VISITOR,
    all_settled,
    count,
    inbound,
    post_signed,
    query,
    serve,
    texts_to,
)
from tests.support.booking import phone
from tests.support.fake_whatsapp import FakeCloudApi, fake_cloud_api
from tests.support.staff import CHEAP_HASHER, PASSWORD
from tests.support.waiting import wait_until

WIB = dt.timezone(dt.timedelta(hours=7))
TUESDAY = dt.date(2025, 11, 25)  # the day after MONDAY_MORNING
WEDNESDAY = dt.date(2025, 11, 26)
THURSDAY = dt.date(2025, 11, 27)
VISITOR_LOCAL = "0812-3456-7890"  # VISITOR as a visitor types it on the booking page


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


def wa(n: int) -> str:
    """``phone(n)`` as WhatsApp names the number (no plus)."""
    return "62" + phone(n)[1:]


@pytest.fixture
def fake() -> Iterator[FakeCloudApi]:
    with fake_cloud_api() as api:
        yield api


@pytest.fixture
def site_file(tmp_path: Path, fake: FakeCloudApi) -> Path:
    """The Probolinggo site (booking on) with its WhatsApp number sending to the fake."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    text += (f'\n[whatsapp]\napi_base_url = "{fake.url}/v21.0"\n'
             f'phone_number_id = "{PHONE_ID}"\nnumber = "6282100000000"\n')
    path = tmp_path / "probolinggo.toml"
    path.write_text(text, encoding="utf-8")
    return path


#: The three business-initiated messages as approved templates, in Indonesian and English.
TEMPLATES = """
[whatsapp.templates]
booking = { name = "loket_booking_confirmed", languages = ["id", "en"] }
reminder = { name = "loket_booking_reminder", languages = ["id", "en"] }
cancelled = { name = "loket_booking_cancelled", languages = ["id", "en"] }
"""


@pytest.fixture
def templated_site_file(site_file: Path) -> Path:
    """The same site after the office had its templates approved at Meta."""
    site_file.write_text(site_file.read_text(encoding="utf-8") + TEMPLATES, encoding="utf-8")
    return site_file


def book(url: str, phone_text: str, *, lang: str = "id", key: str | None = None,
         start: str = "09:00", **extra: Any) -> httpx.Response:
    headers = {"Accept-Language": lang}
    if key:
        headers["Idempotency-Key"] = key
    return httpx.post(url + "/api/v1/bookings", json={
        "service": "KTP-EL", "date": TUESDAY.isoformat(), "start": start,
        "name": "Warga Kanigaran", "phone": phone_text, **extra}, headers=headers, timeout=30)


# --- through a real server -----------------------------------------------------------------------


def test_the_box_ticked_sends_one_confirmation_and_unticked_none(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        silent = book(server.url, phone(1), start="08:30")
        declined = book(server.url, phone(2), whatsapp=False)
        made = book(server.url, VISITOR_LOCAL, key="bk-1", whatsapp=True)
        # The page's retry after a lost answer: the same booking, no second message.
        again = book(server.url, VISITOR_LOCAL, key="bk-1", whatsapp=True)
        english = book(server.url, phone(3), lang="en", start="10:00", whatsapp=True)
        assert [r.status_code for r in (silent, declined, made, again, english)] == \
            [201, 201, 201, 200, 201], made.text
        wait_until(lambda: texts_to(fake) and texts_to(fake, wa(3)), what="the confirmations")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    booked = made.json()["booking"]
    code = booked["code"]
    assert texts_to(fake, wa(1)) == [] and texts_to(fake, wa(2)) == []
    assert len(fake.accepted()) == 2
    (text,) = texts_to(fake, VISITOR)
    assert f"Kode pesanan: *{code}*" in text
    assert "Perekaman dan Pencetakan KTP-el" in text
    assert "Selasa, 25 November 2025 pukul 09.00 WIB" in text
    assert "datang sebelum 09.15 WIB" in text
    assert booked["manage_url"].startswith(PUBLIC_URL) and booked["manage_url"] in text
    (in_english,) = texts_to(fake, wa(3))
    assert in_english.startswith("*Online booking confirmed*")
    assert "Tuesday, 25 November 2025 at 10:00 WIB" in in_english
    stored = query(database_url, select(t.bookings.c.phone, t.bookings.c.wa_lang)
                   .order_by(t.bookings.c.id))
    assert [r.wa_lang for r in stored] == [None, None, "id", "en"]
    keys = query(database_url, select(t.wa_outbox.c.dedup_key, t.wa_outbox.c.kind))
    assert sorted(r.dedup_key for r in keys) == sorted(
        [f"booking:{code}", f"booking:{english.json()['booking']['code']}"])
    assert {r.kind for r in keys} == {"booking"}


def test_with_templates_configured_a_confirmation_goes_out_as_one_template_in_the_pages_language(
        database_url: str, templated_site_file: Path, tmp_path: Path,
        fake: FakeCloudApi) -> None:
    """Most visitors who book never wrote to the number: outside the 24-hour window the Cloud
    API delivers only an approved template, so with one configured that is what goes, once."""
    with serve(database_url, templated_site_file, tmp_path) as server:
        made = book(server.url, VISITOR_LOCAL, key="bk-1", whatsapp=True)
        again = book(server.url, VISITOR_LOCAL, key="bk-1", whatsapp=True)
        english = book(server.url, phone(3), lang="en", start="10:00", whatsapp=True)
        assert [r.status_code for r in (made, again, english)] == [201, 200, 201], made.text
        wait_until(lambda: len(fake.accepted()) >= 2, what="the confirmations")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    booked, booked_en = made.json()["booking"], english.json()["booking"]
    assert len(fake.requests) == 2
    assert [r.text for r in fake.accepted()] == ["", ""]  # nothing as free text
    (sent,) = fake.accepted(VISITOR)
    assert sent.body["type"] == "template" and sent.template is not None
    assert (sent.template.name, sent.template.language) == ("loket_booking_confirmed", "id")
    assert sent.template.parameters == (
        "Perekaman dan Pencetakan KTP-el", "Selasa, 25 November 2025 pukul 09.00 WIB",
        booked["code"], "08.30–09.15 WIB", booked["manage_url"])
    (sent_en,) = fake.accepted(wa(3))
    assert sent_en.template is not None
    assert (sent_en.template.name, sent_en.template.language) == \
        ("loket_booking_confirmed", "en")
    assert sent_en.template.parameters[1:] == (
        "Tuesday, 25 November 2025 at 10:00 WIB", booked_en["code"],
        "from 09:30–10:15 WIB", booked_en["manage_url"])
    # The free text stays stored for the supervisor and the audit trail.
    rows = query(database_url, select(t.wa_outbox.c.dedup_key, t.wa_outbox.c.body,
                                      t.wa_outbox.c.template).order_by(t.wa_outbox.c.id))
    assert [r.dedup_key for r in rows] == [f"booking:{booked['code']}",
                                           f"booking:{booked_en['code']}"]
    assert rows[0].body.startswith("*Pesanan antrean online berhasil*")
    assert rows[0].template["name"] == "loket_booking_confirmed"


def test_a_gateway_sends_the_confirmation_as_text_even_with_templates_configured(
        database_url: str, templated_site_file: Path, tmp_path: Path,
        fake: FakeCloudApi) -> None:
    """Gateways have no 24-hour window and no templates: the row is queued as text."""
    text = templated_site_file.read_text(encoding="utf-8").replace(
        "\n[whatsapp]\n", '\n[whatsapp]\nprovider = "http"\n', 1)
    templated_site_file.write_text(text, encoding="utf-8")
    with serve(database_url, templated_site_file, tmp_path) as server:
        made = book(server.url, VISITOR_LOCAL, whatsapp=True)
        assert made.status_code == 201, made.text
        wait_until(lambda: texts_to(fake), what="the confirmation")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    (sent,) = fake.accepted()
    assert sent.path == "/v21.0/messages" and sent.template is None
    assert sent.text.startswith("*Pesanan antrean online berhasil*")
    (row,) = query(database_url, select(t.wa_outbox.c.template, t.wa_outbox.c.state))
    assert (row.template, row.state) == (None, "sent")


def test_status_with_a_booking_code_answers_the_booking_and_stop_ends_its_messages(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        made = book(server.url, VISITOR_LOCAL, whatsapp=True)
        assert made.status_code == 201, made.text
        code = made.json()["booking"]["code"]
        wait_until(lambda: texts_to(fake), what="the confirmation")
        # Typed in lower case with a space, as people do.
        assert post_signed(server, inbound(f"status {code[:3].lower()} {code[3:]}")
                           ).status_code == 200
        wait_until(lambda: any(f"*Pesanan {code}*" in x for x in texts_to(fake)),
                   what="the booking's status")
        post_signed(server, inbound("stop"))
        wait_until(lambda: any("tidak akan mengirim" in x for x in texts_to(fake)),
                   what="the answer to stop")
    status = next(x for x in texts_to(fake) if f"*Pesanan {code}*" in x)
    assert "Perekaman dan Pencetakan KTP-el" in status
    assert "Selasa, 25 November 2025 pukul 09.00 WIB" in status
    assert "Status: terpesan" in status
    wa_lang = query(database_url, select(t.bookings.c.wa_lang))
    assert [r.wa_lang for r in wa_lang] == [None]


def test_a_whatsapp_value_that_is_not_a_boolean_is_refused_and_nothing_is_stored(
        database_url: str, site_file: Path, tmp_path: Path) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        answers = [book(server.url, VISITOR_LOCAL, whatsapp=value)
                   for value in ("ya", 1, None, "true")]
        english = book(server.url, VISITOR_LOCAL, lang="en", whatsapp="yes")
    for answer in answers:
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid" and error["field"] == "whatsapp"
        assert error["message"] == "Data tidak sah: kolom 'whatsapp' harus berupa true/false"
    assert english.status_code == 422
    assert english.json()["error"]["message"] == \
        "Invalid data: field 'whatsapp' must be true or false"
    assert count(database_url, t.bookings) == 0
    assert count(database_url, t.wa_outbox) == 0


# --- the reminder round, in process with the injected clock ---------------------------------


@contextlib.asynccontextmanager
async def opened(database_url: str, site: Site) -> AsyncIterator[Loket]:
    """``site`` served from ``database_url`` on Monday morning, in process."""
    db = Database(create_engine(database_url))
    clock = ShiftedClock(dt.datetime.fromisoformat(MONDAY_MORNING))
    live, ids, version = await open_site_at_start(db.engine, site, clock.now())
    loket = Loket(db=db, site=live, ids=ids, clock=clock, gate=OpeningHours(live),
                  public_url=PUBLIC_URL, config_version=version)
    try:
        yield loket
    finally:
        loket.passwords.close()
        await db.dispose()


@pytest.fixture
async def loket(database_url: str) -> AsyncIterator[Loket]:
    async with opened(database_url, load_site(DEMO_SITE)) as found:
        yield found


async def close_day(loket: Loket, day: dt.date, reason: str) -> Callable[[], Awaitable[Any]]:
    """An administrator closes the office on ``day``; returns how to save the same closure
    again (deleted and added back)."""
    async with loket.db.engine.begin() as conn:
        await staff.add_user(conn, loket.ids.site, "admin1", PASSWORD, "admin",
                             loket.clock.now(), hasher=CHEAP_HASHER)
    actor = (await staff.sign_in(loket, "admin1", PASSWORD, None)).actor
    closure = {"from": day.isoformat(), "to": day.isoformat(), "reason": reason, "hours": None}

    async def add() -> Any:
        return await admin.edit(loket, actor, None, "closure.add",
                                lambda doc: edits.add_closure(doc, closure))

    async def again() -> Any:
        await admin.edit(loket, actor, None, "closure.delete",
                         lambda doc: edits.delete_closure(doc, day.isoformat()))
        return await add()

    await add()
    return again


async def reserve(loket: Loket, n: int, day: dt.date, *, whatsapp: bool = True,
                  start: str = "10:00") -> str:
    made, _ = await booking.book(loket, "KTP-EL", day.isoformat(), start, f"Warga {n}",
                                 phone(n), whatsapp=whatsapp, whatsapp_lang="id")
    return str(made["code"])


async def outbox(loket: Loket) -> list[Any]:
    ob = t.wa_outbox
    async with loket.db.read() as conn:
        return list((await conn.execute(select(ob.c.dedup_key, ob.c.phone, ob.c.kind,
                                                ob.c.body).order_by(ob.c.id))).all())


def moved(loket: Loket, moment: dt.datetime) -> None:
    assert isinstance(loket.clock, ShiftedClock)
    loket.clock.set(moment)


async def test_one_reminder_the_day_before_in_the_daytime_only(loket: Loket) -> None:
    due = await reserve(loket, 1, WEDNESDAY, start="09:00")
    await reserve(loket, 2, WEDNESDAY, whatsapp=False)
    await reserve(loket, 3, THURSDAY)  # not tomorrow yet
    cancelled = await reserve(loket, 4, WEDNESDAY)
    async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
        await tx.conn.execute(t.bookings.update().where(t.bookings.c.code == cancelled)
                              .values(status=booking.CANCELLED))
    moved(loket, at(TUESDAY, 9))
    await reserve(loket, 5, WEDNESDAY)  # booked the day before: its confirmation will do
    confirmations = len(await outbox(loket))
    assert confirmations == 4

    moved(loket, at(TUESDAY, 21))
    assert await queue_reminders(loket) == 0
    moved(loket, at(TUESDAY, 7, 55))
    assert await queue_reminders(loket) == 0
    assert len(await outbox(loket)) == confirmations

    moved(loket, at(TUESDAY, 10))
    assert await queue_reminders(loket) == 1
    assert await queue_reminders(loket) == 0  # the next round, or another process
    reminders = [r for r in await outbox(loket) if r.kind == "reminder"]
    assert [(r.dedup_key, r.phone) for r in reminders] == [(f"reminder:{due}", wa(1))]
    body = reminders[0].body
    assert "besok" in body and "Rabu, 26 November 2025 pukul 09.00 WIB" in body
    assert f"*{due}*" in body and "datang sebelum 09.15 WIB" in body


async def test_a_reminder_is_queued_once_even_when_two_rounds_race(loket: Loket,
                                                                   database_url: str) -> None:
    due = await reserve(loket, 1, WEDNESDAY)
    moved(loket, at(TUESDAY, 10))
    other_db = Database(create_engine(database_url))
    try:
        other = Loket(db=other_db, site=loket.site, ids=loket.ids, clock=loket.clock,
                      public_url=PUBLIC_URL)
        await asyncio.gather(queue_reminders(loket), queue_reminders(other))
    finally:
        await other_db.dispose()
    reminders = [r.dedup_key for r in await outbox(loket) if r.kind == "reminder"]
    assert reminders == [f"reminder:{due}"]


async def test_a_closure_on_the_booked_day_tells_opted_in_holders_once(loket: Loket) -> None:
    """Without a message the visitor would come to a closed door: the closure's own edit
    queues one cancellation per opted-in booking it cancels, and nothing for the others."""
    told = await reserve(loket, 1, WEDNESDAY, start="09:00")
    await reserve(loket, 2, WEDNESDAY, whatsapp=False)
    kept = await reserve(loket, 3, THURSDAY)
    save_again = await close_day(loket, WEDNESDAY, "Pemadaman listrik")

    sent = [r for r in await outbox(loket) if r.dedup_key.startswith("cancelled:")]
    assert [(r.dedup_key, r.phone, r.kind) for r in sent] == \
        [(f"cancelled:{told}", wa(1), "booking")]
    body = sent[0].body
    assert body.startswith("*Pesanan antrean online dibatalkan*")
    assert "Rabu, 26 November 2025 pukul 09.00 WIB" in body and f"*{told}*" in body
    assert "Keterangan: Pemadaman listrik" in body
    assert f"{PUBLIC_URL}/booking?service=KTP-EL" in body
    assert kept not in body

    # Saving the closure again (deleted and added back) cancels nothing more, tells no one twice.
    await save_again()
    assert [r.dedup_key for r in await outbox(loket)
            if r.dedup_key.startswith("cancelled:")] == [f"cancelled:{told}"]


async def test_with_templates_the_reminder_and_a_closures_cancellation_are_queued_as_templates(
        database_url: str) -> None:
    site = parse_site(DEMO_SITE.read_text(encoding="utf-8") + (
        '\n[whatsapp]\napi_base_url = "https://graph.facebook.com/v21.0"\n'
        'phone_number_id = "1"\n') + TEMPLATES.replace('["id", "en"]', '["id"]'))
    async with opened(database_url, site) as loket:
        reminded = await reserve(loket, 1, WEDNESDAY, start="09:00")
        made, _ = await booking.book(loket, "KTP-EL", THURSDAY.isoformat(), "10:00", "Warga 2",
                                     phone(2), whatsapp=True, whatsapp_lang="en")
        closed = str(made["code"])
        moved(loket, at(TUESDAY, 10))
        assert await queue_reminders(loket) == 1
        await close_day(loket, THURSDAY, "Pemadaman\nlistrik")
        ob = t.wa_outbox
        async with loket.db.read() as conn:
            rows = {r.dedup_key: r for r in (await conn.execute(select(
                ob.c.dedup_key, ob.c.template, ob.c.body))).all()}
    reminder = rows[f"reminder:{reminded}"].template
    assert reminder == {"name": "loket_booking_reminder", "language": "id", "parameters": [
        "Perekaman dan Pencetakan KTP-el", "Rabu, 26 November 2025 pukul 09.00 WIB",
        reminded, "08.30–09.15 WIB"]}
    # Approved in Indonesian only: the English holder gets it in Indonesian, words and all,
    # rather than free text that would not arrive; the note is one line, as Meta requires.
    cancelled = rows[f"cancelled:{closed}"].template
    assert cancelled == {"name": "loket_booking_cancelled", "language": "id", "parameters": [
        "Perekaman dan Pencetakan KTP-el", "Kamis, 27 November 2025 pukul 10.00 WIB", closed,
        "Pemadaman listrik", f"{PUBLIC_URL}/booking?service=KTP-EL"]}
    assert rows[f"cancelled:{closed}"].body.startswith("*Online booking cancelled*")
