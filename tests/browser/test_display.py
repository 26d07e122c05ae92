"""The lobby display in a real Chromium: a call made through the API shows up large and is
queued for announcement; a screenshot is kept for people to look at."""

from __future__ import annotations

import httpx

from tests.browser.conftest import screenshot
from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import add_users, sign_in


def test_the_display_shows_a_call_and_queues_its_announcement(
        live_server: Server, new_page) -> None:
    server = live_server
    add_users(server.database_url, SITE_FILE, {"oA2": "officer"})
    headers = sign_in(server.url, "oA2", "A2")
    for service in ("KTP", "KK", "NPWP", "JKN", "KTP"):
        answer = httpx.post(f"{server.url}/api/v1/tickets", json={"service": service},
                            timeout=10)
        assert answer.status_code == 201
    page = new_page(1920, 1080)
    page.goto(f"{server.url}/display?zone=lobi")
    page.wait_for_function("window.loketDisplay && window.loketDisplay.connected", timeout=10000)
    assert page.locator("#offline").is_hidden()
    assert "Ketuk layar untuk menyalakan suara" in page.locator("#sound").inner_text()
    called = httpx.post(f"{server.url}/api/v1/counters/A2/call", headers=headers, timeout=10)
    assert called.status_code == 200
    number = called.json()["ticket"]["number"]
    page.wait_for_function(
        f"document.getElementById('now-number').textContent === '{number}'", timeout=10000)
    assert page.locator("#now-counter").inner_text() == "Loket 2"
    # Sound is still locked: the call waits in the zone's queue with its clips.
    queued = page.evaluate("window.loketDisplay.queue")
    assert [a["number"] for a in queued] == [number]
    assert queued[0]["clips"] == ["chime", "nomor_antrean", "huruf_a", "satu",
                                  "silakan_menuju_loket", "dua"]
    waiting = page.locator("#waiting").inner_text()
    assert "Dispendukcapil" in waiting
    assert page.locator("#ticker-text").inner_text().startswith("Kami siap melayani.")
    # The clock follows the server's (here a Monday morning), in Indonesian.
    assert page.locator("#date").inner_text() == "Senin, 24 November 2025", page.evaluate(
        "[window.loketDisplay.clockOffsetMs, document.getElementById('clock').textContent]")
    assert page.locator("#clock").inner_text().startswith("09.")
    screenshot(page, "display")
    # One tap: the call is claimed for the zone and played.
    page.mouse.click(960, 540)
    page.wait_for_function("window.loketDisplay.played.length === 1", timeout=20000)
    assert page.evaluate("window.loketDisplay.queue") == []
    # A reload does not say it again: the zone's mark comes back with the snapshot.
    page.reload()
    page.wait_for_function("window.loketDisplay && window.loketDisplay.connected", timeout=10000)
    assert page.evaluate("window.loketDisplay.announcedThrough") > 0
    assert page.evaluate("window.loketDisplay.queue") == []
