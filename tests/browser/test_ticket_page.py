"""The visitor's ticket page (the QR target) on a small phone, kept live while it waits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_kiosk import assert_accessible, live_server  # noqa: F401 - fixture
from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import add_users, sign_in

pytestmark = pytest.mark.browser


def test_the_ticket_page_follows_the_ticket_from_waiting_to_called_to_done(
    new_page: Any, live_server: Server  # noqa: F811
) -> None:
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"siti": "officer"})
    first = httpx.post(f"{base}/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    mine = httpx.post(f"{base}/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    page = new_page(390, 844, has_touch=True, is_mobile=True)
    page.goto(f"{base}/t/{mine['id']}?k={mine['visitor_key']}")  # what the slip's QR holds
    assert page.locator("#number").inner_text() == "A-002"
    assert page.locator("#status").inner_text() == "Menunggu"
    assert page.locator("#ahead").inner_text() == "1 orang"
    assert_accessible(page, "ticket page, waiting")
    screenshot(page, "ticket-1-waiting")

    officer = sign_in(base, "siti", "A1")
    called = httpx.post(f"{base}/api/v1/counters/A1/call", headers=officer, timeout=10)
    assert called.json()["ticket"]["id"] == first["id"]
    page.wait_for_function("document.getElementById('ahead').textContent === '0 orang'",
                           timeout=15_000)
    httpx.post(f"{base}/api/v1/tickets/{first['id']}/finish", headers=officer).raise_for_status()
    called = httpx.post(f"{base}/api/v1/counters/A1/call", headers=officer, timeout=10)
    assert called.json()["ticket"]["id"] == mine["id"]
    page.wait_for_function("document.getElementById('status').textContent === 'Dipanggil'",
                           timeout=15_000)
    assert page.locator("#counter").inner_text() == "Silakan menuju Loket 1"
    assert page.locator("#facts").is_hidden()
    assert_accessible(page, "ticket page, called")
    screenshot(page, "ticket-2-called")

    httpx.post(f"{base}/api/v1/tickets/{mine['id']}/finish", headers=officer).raise_for_status()
    survey = page.get_by_role("link", name="Isi survei kepuasan (SKM)")
    survey.wait_for(timeout=15_000)
    assert survey.get_attribute("href") == f"/t/{mine['id']}/survey?k={mine['visitor_key']}"
    review = page.get_by_role("link", name="Beri ulasan di Google")
    assert review.get_attribute("href") == "https://example.org/review"
    assert_accessible(page, "ticket page, done")
    screenshot(page, "ticket-3-done")


def test_the_ticket_page_speaks_english_and_an_unknown_ticket_is_not_found(
    new_page: Any, live_server: Server  # noqa: F811
) -> None:
    ticket = httpx.post(f"{live_server.url}/api/v1/tickets",
                        json={"service": "NPWP"}).json()["ticket"]
    page = new_page(360, 740, has_touch=True, is_mobile=True)
    page.goto(f"{live_server.url}/t/{ticket['id']}?lang=en")
    assert page.locator("#status").inner_text() == "Waiting"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert httpx.get(f"{live_server.url}/t/nope").status_code == 404
