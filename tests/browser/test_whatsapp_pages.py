"""WhatsApp on the pages: the ticket page's "Kabari saya lewat WhatsApp" for the holder, and
the supervisor's WhatsApp figures, with a local fake Cloud API behind the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from queue_server.channels.base import sign
from tests.browser.conftest import screenshot
from tests.browser.test_kiosk import assert_accessible
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.fake_whatsapp import fake_cloud_api
from tests.support.servers import Server, start_server
from tests.support.staff import PASSWORD, add_users, sign_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser
SECRET = "uji-app-secret"
ENV = {"LOKET_WHATSAPP_TOKEN": "t", "LOKET_WHATSAPP_APP_SECRET": SECRET,
       "LOKET_WHATSAPP_VERIFY_TOKEN": "v"}


@pytest.fixture
def wa_server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Server, Any]]:
    with fake_cloud_api() as fake:
        site = tmp_path / "site.toml"
        site.write_text(SITE_FILE.read_text(encoding="utf-8") + (
            f'\n[whatsapp]\napi_base_url = "{fake.url}"\nphone_number_id = "1"\n'
            'number = "6282100000000"\n'), encoding="utf-8")
        add_users(sqlite_url, site, {"sri": "supervisor", "siti": "officer"})
        with start_server(sqlite_url, site, tmp_path, clock=MONDAY_MORNING,
                          extra_env=ENV) as server:
            yield server, fake


def _say(server: Server, text: str, n: int) -> None:
    body = json.dumps({"entry": [{"changes": [{"value": {"messages": [{
        "from": "6281234567890", "id": f"wamid.{n}", "type": "text",
        "text": {"body": text}}]}}]}]}).encode()
    answer = httpx.post(f"{server.url}/api/v1/channels/whatsapp/webhook", content=body,
                        headers={"x-hub-signature-256": sign(SECRET, body)}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_the_holder_gets_a_whatsapp_link_with_the_message_written(
        new_page: Any, wa_server: tuple[Server, Any]) -> None:
    server, _ = wa_server
    ticket = httpx.post(f"{server.url}/api/v1/tickets", json={"service": "KTP"},
                        timeout=30).json()["ticket"]
    page = new_page(390, 844, has_touch=True, is_mobile=True)
    page.goto(f"{server.url}/t/{ticket['id']}?k={ticket['visitor_key']}")
    link = page.get_by_role("link", name="Kabari saya lewat WhatsApp")
    href = link.get_attribute("href")
    parts = urlsplit(href)
    assert (parts.netloc, parts.path) == ("wa.me", "/6282100000000")
    assert parse_qs(parts.query)["text"] == [f"KABARI {ticket['id']} {ticket['visitor_key']}"]
    assert_accessible(page, "ticket page with the WhatsApp link")
    screenshot(page, "whatsapp-1-ticket-link")
    # Called: the offer goes away on the live page.
    officer = sign_in(server.url, "siti", "A1")
    httpx.post(f"{server.url}/api/v1/counters/A1/call", headers=officer,
               timeout=30).raise_for_status()
    page.locator("#whatsapp").wait_for(state="hidden", timeout=15_000)
    # The id alone (someone who saw the screen) does not offer it.
    page.goto(f"{server.url}/t/{ticket['id']}")
    assert page.get_by_role("link", name="Kabari saya lewat WhatsApp").count() == 0


def test_the_supervisor_sees_messages_per_day_and_the_top_questions(
        new_page: Any, wa_server: tuple[Server, Any]) -> None:
    server, fake = wa_server
    for n, text in enumerate(["syarat ktp", "syarat ktp", "ktp", "jam", "apa ini"]):
        _say(server, text, n)
    wait_until(lambda: len(fake.accepted()) == 5, what="five replies")
    headers = sign_in(server.url, "sri", None)
    wait_until(lambda: httpx.get(f"{server.url}/api/v1/supervisor/whatsapp", headers=headers,
                                 timeout=30).json()["totals"]["out"] == 5,
               what="five sends recorded")
    page = new_page(1280, 900)
    page.goto(f"{server.url}/supervisor")
    page.fill("input[name=username]", "sri")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav.tabs", timeout=10_000)
    page.goto(f"{server.url}/supervisor?tab=stats")
    section = page.locator("#whatsapp")
    section.wait_for()
    row = section.locator("table.wa-days tbody tr").first
    assert row.locator("td").all_inner_texts() == ["2025-11-24", "5", "5", "0", "0"]
    top = section.locator("table.wa-top tbody tr").first.locator("td").all_inner_texts()
    assert top == ["Layanan: KTP-el", "3"]
    section.scroll_into_view_if_needed()
    assert_accessible(page, "statistics tab with WhatsApp")
    screenshot(page, "whatsapp-2-supervisor")
