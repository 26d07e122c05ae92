"""The phone booking page in a real Chromium at 390x844: agency → service → day → time →
name and phone → confirmation with code, QR and persyaratan → manage and cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DUKCAPIL, screenshot
from tests.browser.test_kiosk import assert_accessible, migrated
from tests.conftest import FIXTURES, MONDAY_MORNING
from tests.support.booking import BOOKING, booking_site
from tests.support.servers import Server, start_server

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Server]:
    with start_server(migrated(tmp_path), booking_site(tmp_path), tmp_path,
                      clock=MONDAY_MORNING) as srv:
        yield srv


def phone_page(new_page: Any, server: Server) -> Any:
    page = new_page(PHONE["width"], PHONE["height"], has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/booking")
    page.get_by_role("heading", name="Antrean Online").wait_for()
    return page


def test_a_visitor_books_from_a_phone_and_cancels_from_the_manage_link(
        new_page: Any, live_server: Server) -> None:
    page = phone_page(new_page, live_server)
    assert page.locator(".steps li[aria-current=step]").inner_text() == "Instansi"
    assert_accessible(page, "booking: agencies")
    screenshot(page, "booking-1-agencies")
    page.get_by_role("button", name=DUKCAPIL).click()
    page.get_by_role("button", name="KTP-el").click()
    page.get_by_role("heading", name="Pilih hari").wait_for()
    assert_accessible(page, "booking: days")
    screenshot(page, "booking-2-days")
    page.get_by_role("button", name="Jumat, 28 November").click()
    page.get_by_role("heading", name="Pilih jam kedatangan").wait_for()
    page.get_by_role("button", name="09.00").wait_for()
    assert_accessible(page, "booking: times")
    screenshot(page, "booking-3-times")
    page.get_by_role("button", name="09.00").click()

    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_label("Nomor HP (WhatsApp)").fill("0341 421234")  # a landline
    page.get_by_role("button", name="Pesan sekarang").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "bukan nomor seluler Indonesia" in alert.inner_text()
    assert_accessible(page, "booking: phone refused")
    screenshot(page, "booking-4-bad-phone")

    page.get_by_label("Nomor HP (WhatsApp)").fill("0812-3456-7890")
    page.get_by_role("button", name="Pesan sekarang").dblclick()  # a double tap: one booking
    page.get_by_role("heading", name="Pesanan berhasil").wait_for()
    code = page.locator("#code").inner_text()
    assert len(code) == 6
    assert page.locator("#error").is_hidden()  # the refusal before is gone
    assert page.locator(".steps").is_hidden()
    page.wait_for_function("document.getElementById('qr').naturalWidth > 0")
    assert page.locator("#done-requirements li").all_inner_texts() == ["Kartu Keluarga"]
    assert "08.30 sampai 09.15" in page.locator("#done-window").inner_text()
    assert_accessible(page, "booking: confirmation")
    screenshot(page, "booking-5-confirmation")
    slots = httpx.get(f"{live_server.url}/api/v1/slots",
                      params={"service": "KTP", "date": "2025-11-28"}).json()["slots"]
    assert next(s for s in slots if s["start"] == "09:00")["left"] == 2  # one booking

    page.get_by_role("link", name="Lihat atau batalkan pesanan").click()
    page.locator("#m-status").filter(has_text="Terpesan").wait_for()
    assert page.locator("#m-code").inner_text() == code
    assert_accessible(page, "booking: manage")
    screenshot(page, "booking-6-manage")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Batalkan pesanan").click()
    page.locator("#m-status").filter(has_text="Dibatalkan").wait_for()
    assert "Dibatalkan oleh pemesan" in page.locator("#m-reason").inner_text()
    assert page.locator("#qr").is_hidden()
    screenshot(page, "booking-7-cancelled")


def test_a_link_naming_the_service_opens_the_booking_at_the_day(
        new_page: Any, live_server: Server) -> None:
    page = new_page(PHONE["width"], PHONE["height"], has_touch=True, is_mobile=True)
    page.goto(f"{live_server.url}/booking?service=KK")
    page.get_by_role("heading", name="Pilih hari").wait_for()
    assert page.locator("#chosen-service").inner_text() == "Kartu Keluarga"
    page.get_by_role("button", name="Kembali").filter(visible=True).click()
    page.get_by_role("heading", name="Pilih layanan").wait_for()


def test_the_booking_page_is_indonesian_first_and_english_on_request(
        new_page: Any, live_server: Server) -> None:
    page = phone_page(new_page, live_server)
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Online Booking").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "booking in English")


def _book(server: Server, day: str, start: str, n: int) -> str:
    answer = httpx.post(f"{server.url}/api/v1/bookings", json={
        "service": "KTP", "date": day, "start": start, "name": f"Warga {n}",
        "phone": f"08129999000{n}"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["booking"]["code"])


def test_a_booked_visitor_scans_the_code_at_the_kiosk_and_gets_a_ticket(
        new_page: Any, live_server: Server) -> None:
    later = _book(live_server, "2025-11-28", "09:00", 1)
    today = _book(live_server, "2025-11-24", "09:30", 2)
    page = new_page(1080, 1920, has_touch=True)
    page.goto(f"{live_server.url}/kiosk")
    page.get_by_role("button", name=DUKCAPIL).wait_for()
    start = page.get_by_role("button", name="Sudah pesan online? Check-in di sini")
    assert start.is_visible()
    assert_accessible(page, "kiosk start with check-in")

    # A USB scanner types the code and Enter on the start screen: Friday's is too early.
    page.keyboard.type(later.lower() + "\n")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Terlalu awal" in alert.inner_text() and "28-11-2025 pukul 08.30" in alert.inner_text()
    assert_accessible(page, "kiosk check-in refused")
    screenshot(page, "kiosk-checkin-1-too-early")

    code_field = page.get_by_label("Kode pesanan (6 karakter)")
    code_field.fill(today)
    page.get_by_role("button", name="Check-in dan cetak tiket").click()
    page.get_by_role("heading", name="Nomor antrean Anda").wait_for()
    number = page.locator("#ticket-number").inner_text()
    assert number.startswith("A-")
    page.locator("#print-state").filter(has_text="Silakan ambil tiket").wait_for()
    screenshot(page, "kiosk-checkin-2-ticket")
    ticket_id = page.evaluate("() => document.getElementById('ticket-qr').src").split("/t/")[1]
    ticket = httpx.get(f"{live_server.url}/api/v1/tickets/{ticket_id.split('/')[0]}",
                       timeout=30).json()["ticket"]
    assert ticket["number"] == number and ticket["status"] == "waiting"


def test_a_kiosk_under_a_site_prefix_checks_in_at_its_own_site(
        new_page: Any, tmp_path: Path) -> None:
    """A second MPP's kiosk (/s/tetangga/kiosk) sends the check-in to its own site: the
    booking code exists there only, so the default site would answer "not found"."""
    second = tmp_path / "site-b-booking.toml"
    second.write_text((FIXTURES / "site_b.toml").read_text(encoding="utf-8") + BOOKING,
                      encoding="utf-8")
    with start_server(migrated(tmp_path), booking_site(tmp_path), tmp_path,
                      clock="2025-11-24T10:40:00+07:00", more_sites=(second,)) as srv:
        site = f"{srv.url}/s/tetangga"
        answer = httpx.post(f"{site}/api/v1/bookings", json={
            "service": "KTP", "date": "2025-11-24", "start": "11:00", "name": "Warga 9",
            "phone": "081299990009"}, timeout=30)
        assert answer.status_code == 201, answer.text
        code = answer.json()["booking"]["code"]
        page = new_page(1080, 1920, has_touch=True)
        page.goto(f"{site}/kiosk")
        page.get_by_role("button", name=DUKCAPIL).wait_for()
        page.keyboard.type(code.lower() + "\n")
        page.get_by_role("heading", name="Nomor antrean Anda").wait_for(timeout=15_000)
        qr = page.evaluate("() => document.getElementById('ticket-qr').src")
        ticket_id = qr.split("/t/")[1].split("/")[0]
        ticket = httpx.get(f"{site}/api/v1/tickets/{ticket_id}", timeout=30).json()["ticket"]
        assert ticket["number"] == page.locator("#ticket-number").inner_text()
        screenshot(page, "kiosk-checkin-3-second-site")


def test_the_officer_sees_the_booked_visitors_name_and_the_supervisor_the_days_bookings(
        new_page: Any, live_server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from tests.browser.test_counter import _sign_in
    from tests.browser.test_supervisor import _sign_in_page
    from tests.support.staff import add_users

    add_users(live_server.database_url, booking_site(tmp_path),
              {"siti": "officer", "sri": "supervisor"})
    code = _book(live_server, "2025-11-24", "09:30", 3)
    _book(live_server, "2025-11-24", "10:00", 4)
    checked = httpx.post(f"{live_server.url}/api/v1/bookings/{code}/check-in", timeout=30)
    assert checked.status_code == 201, checked.text

    desk = new_page(1366, 768)
    _sign_in(desk, live_server, "A1", "siti")
    desk.locator('#actions [data-action="call"]').click()
    expect(desk.locator("#cur-visitor")).to_have_text(f"Pesanan online {code} (09.30): Warga 3")
    assert_accessible(desk, "counter with a booked visitor")
    screenshot(desk, "booking-counter-visitor")
    desk.locator('#actions [data-action="start"]').click()
    expect(desk.locator("#cur-status")).to_have_text("Sedang dilayani")
    expect(desk.locator("#cur-visitor")).to_have_text(re.compile("Warga 3"))  # kept

    board = new_page(1366, 768)
    _sign_in_page(board, live_server.url)
    table = board.locator("section.bookings")
    expect(table).to_contain_text("Antrean online hari ini")
    expect(table.locator("tr.booking-row[data-status=checked_in]")).to_contain_text("Warga 3")
    expect(table.locator("tr.booking-row[data-status=booked]")).to_contain_text("+6281299990004")
    board.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the table is last
    assert_accessible(board, "supervisor with bookings")
    screenshot(board, "booking-supervisor-today")


def test_ticking_the_whatsapp_box_sends_the_confirmation_to_the_phone(
        new_page: Any, tmp_path: Path) -> None:
    from tests.integration.test_whatsapp import ENV, PHONE_ID, VISITOR
    from tests.support.fake_whatsapp import fake_cloud_api
    from tests.support.waiting import wait_until

    with fake_cloud_api() as fake:
        site = booking_site(tmp_path)
        site.write_text(site.read_text(encoding="utf-8") + (
            f'\n[whatsapp]\napi_base_url = "{fake.url}/v21.0"\n'
            f'phone_number_id = "{PHONE_ID}"\nnumber = "6282100000000"\n'), encoding="utf-8")
        with start_server(migrated(tmp_path), site, tmp_path, clock=MONDAY_MORNING,
                          extra_env=ENV) as server:
            page = phone_page(new_page, server)
            page.get_by_role("button", name=DUKCAPIL).click()
            page.get_by_role("button", name="KTP-el").click()
            page.get_by_role("button", name="Jumat, 28 November").click()
            page.get_by_role("button", name="09.00").click()
            page.get_by_label("Nama lengkap").fill("Siti Aminah")
            page.get_by_label("Nomor HP (WhatsApp)").fill("0812-3456-7890")
            box = page.get_by_label("Kirimi saya konfirmasi dan pengingat lewat WhatsApp")
            assert not box.is_checked()
            box.check()
            assert_accessible(page, "booking: whatsapp box")
            screenshot(page, "booking-whatsapp-box")
            page.get_by_role("button", name="Pesan sekarang").click()
            page.get_by_role("heading", name="Pesanan berhasil").wait_for()
            code = page.locator("#code").inner_text()
            sent = wait_until(lambda: fake.accepted(VISITOR), what="the confirmation")
    assert len(sent) == 1 and f"*{code}*" in sent[0].text
    assert "Jumat, 28 November 2025 pukul 09.00 WIB" in sent[0].text
