"""A whole shift at the counter screen, in a real Chromium against a real server, with a
colleague's browser at the next counter at the same time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import Server, free_port, start_server
from tests.support.staff import PASSWORD, add_users, sign_in

pytestmark = pytest.mark.browser

WAIT_MS = 8000  # polling refreshes every 5 s
LIVE_MS = 2500  # an event over the WebSocket shows well before the next poll would


WCAG = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def _assert_accessible(page: Any, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _issue(server: Server, service: str, priority: str | None = None) -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/api/v1/tickets",
                        json={"service": service, "priority": priority}, timeout=10)
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["ticket"])


def _ticket(server: Server, ticket_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=10)
                .json()["ticket"])


def _sign_in(page: Any, server: Server, counter: str, user: str) -> None:
    expect = _expect()
    page.goto(f"{server.url}/counter")
    page.locator(f'#pick-list [data-counter="{counter}"]').click()
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#desk")).to_be_visible()
    expect(page.locator("#who-counter")).to_contain_text("Loket")


def _total(page: Any) -> Any:
    return page.locator("#total")


def _expect_idle(page: Any) -> None:
    _expect()(page.locator("#cur-empty")).to_be_visible()
    _expect()(page.locator("#cur-number")).to_be_hidden()


def _button(page: Any, action: str) -> Any:
    return page.locator(f'#actions [data-action="{action}"]')


def test_a_whole_shift_at_two_counters(live_server: Server, new_page: Any) -> None:
    expect = _expect()
    add_users(live_server.database_url, SITE_FILE, {"siti": "officer", "budi": "officer"})
    issued = [_issue(live_server, s) for s in ("KTP", "KK", "KTP", "KK", "KTP", "KTP")]

    one = new_page(1280, 800)
    two = new_page(1280, 800)

    # Signing in: the counter is picked first and remembered on that PC.
    one.goto(f"{live_server.url}/counter")
    expect(one.locator("#pick")).to_be_visible()
    screenshot(one, "counter-01-pick")
    _assert_accessible(one, "pick the counter")
    one.locator('#pick-list [data-counter="A1"]').click()
    one.fill("#username", "siti")
    one.fill("#password", "salah-sekali-123")
    one.click("#signin-submit")
    expect(one.locator("#signin-message")).to_contain_text("salah")
    screenshot(one, "counter-02-wrong-password")
    one.fill("#password", PASSWORD)
    one.click("#signin-submit")
    expect(one.locator("#desk")).to_be_visible()
    assert one.evaluate("localStorage.getItem('loket.counter')") == "A1"
    expect(_total(one)).to_have_attribute("data-count", "6")
    expect(_button(one, "call")).to_be_enabled()
    expect(_button(one, "finish")).to_be_disabled()
    screenshot(one, "counter-03-signed-in")
    _assert_accessible(one, "counter screen, idle")

    _sign_in(two, live_server, "A2", "budi")
    expect(_total(two)).to_have_attribute("data-count", "6")
    # Both screens follow the WebSocket (polling stops while it is open).
    expect(one.locator("body")).to_have_attribute("data-live", "ws")
    expect(two.locator("body")).to_have_attribute("data-live", "ws")

    # The lobby screen, to see the calls arrive there.
    lobby = new_page(1920, 1080)
    lobby.goto(f"{live_server.url}/display")

    # Call with the keyboard; the colleague's call lowers the count on this screen too.
    one.keyboard.press("F1")
    expect(one.locator("#cur-number")).to_have_text(issued[0]["number"])
    expect(one.locator("#cur-status")).to_have_text("Dipanggil")
    expect(_total(one)).to_have_attribute("data-count", "5")
    expect(lobby.locator("#now-number")).to_have_text(issued[0]["number"], timeout=WAIT_MS)
    expect(lobby.locator("#now-counter")).to_have_text("Loket 1")
    _button(two, "call").click()
    expect(two.locator("#cur-number")).to_have_text(issued[1]["number"])
    expect(lobby.locator("#now-number")).to_have_text(issued[1]["number"], timeout=WAIT_MS)
    expect(lobby.locator("#now-counter")).to_have_text("Loket 2")
    screenshot(lobby, "counter-03b-display-shows-the-call")
    expect(_total(one)).to_have_attribute("data-count", "4", timeout=LIVE_MS)
    expect(_total(two)).to_have_attribute("data-count", "4")

    # Recall, start, finish.
    one.keyboard.press("r")
    expect(one.locator("#cur-recalls")).to_contain_text("1×")
    one.keyboard.press("s")
    expect(one.locator("#cur-status")).to_have_text("Sedang dilayani")
    expect(_button(one, "recall")).to_be_disabled()
    screenshot(one, "counter-04-serving")
    _assert_accessible(one, "counter screen, serving")
    one.keyboard.press("f")
    _expect_idle(one)
    assert _ticket(live_server, issued[0]["id"])["status"] == "done"

    # No-show needs two recalls at the test site: the screen says so, then allows it.
    one.keyboard.press(" ")
    expect(one.locator("#cur-number")).to_have_text(issued[2]["number"])
    one.keyboard.press("r")
    expect(one.locator("#cur-recalls")).to_contain_text("1×")
    one.keyboard.press("n")
    expect(one.locator("#message")).to_contain_text("Panggil ulang dulu")
    assert _ticket(live_server, issued[2]["id"])["status"] == "called"
    one.keyboard.press("r")
    expect(one.locator("#cur-recalls")).to_contain_text("2×")
    one.keyboard.press("n")
    _expect_idle(one)
    assert _ticket(live_server, issued[2]["id"])["status"] == "no_show"

    # Transfer with search: the list filters as the officer types.
    _button(one, "call").click()
    expect(one.locator("#cur-number")).to_have_text(issued[3]["number"])
    one.keyboard.press("a")
    expect(one.locator("#transfer-dialog")).to_be_visible()
    one.fill("#transfer-search", "npwp")
    expect(one.locator("#transfer-list button.choice")).to_have_count(1)
    one.fill("#transfer-search", "zzz-tidak-ada")
    expect(one.locator("#transfer-list .none")).to_be_visible()
    one.fill("#transfer-search", "ktp")
    expect(one.locator('#transfer-list [data-service="KTP"]')).to_be_visible()
    expect(one.locator('#transfer-list [data-service="KK"]')).to_have_count(0)  # its own
    screenshot(one, "counter-05-transfer-search")
    _assert_accessible(one, "transfer dialog")
    one.locator('#transfer-list [data-service="KTP"]').click()
    _expect_idle(one)
    moved = _ticket(live_server, issued[3]["id"])
    assert (moved["status"], moved["service"], moved["transfer_count"]) == ("waiting", "KTP", 1)

    # The transferred visitor keeps their place: the next call brings them back, with history.
    one.keyboard.press("F1")
    expect(one.locator("#cur-number")).to_have_text(issued[3]["number"])
    expect(one.locator("#cur-transfers")).to_contain_text("Kartu Keluarga → KTP-el")
    # A reload restores the held ticket.
    one.reload()
    expect(one.locator("#desk")).to_be_visible()
    expect(one.locator("#cur-number")).to_have_text(issued[3]["number"])
    expect(one.locator("#cur-transfers")).to_contain_text("Kartu Keluarga → KTP-el")
    screenshot(one, "counter-06-transfer-history")

    # Return to the queue, then the colleague calls it.
    one.keyboard.press("k")
    _expect_idle(one)
    assert _ticket(live_server, issued[3]["id"])["status"] == "waiting"
    two.keyboard.press("f")
    _expect_idle(two)
    two.keyboard.press("F1")
    expect(two.locator("#cur-number")).to_have_text(issued[3]["number"])
    screenshot(two, "counter-07-colleague")

    # A priority visitor is called first and marked plainly.
    lansia = _issue(live_server, "KK", "lansia")
    one.keyboard.press("F1")
    expect(one.locator("#cur-number")).to_have_text(lansia["number"])
    expect(one.locator("#cur-priority")).to_have_text("Prioritas: Lansia")
    screenshot(one, "counter-07b-priority")

    # The English toggle.
    one.click("#lang-toggle")
    expect(_button(one, "call")).to_contain_text("Call next")
    one.click("#lang-toggle")
    expect(_button(one, "call")).to_contain_text("Panggil berikutnya")


def test_the_screen_says_when_the_server_is_gone_and_recovers(tmp_path: Path, sqlite_url: str,
                                                              new_page: Any) -> None:
    expect = _expect()
    url = sqlite_url
    add_users(url, SITE_FILE, {"siti": "officer"})
    port = free_port()
    page = new_page(1280, 800)
    with start_server(url, SITE_FILE, tmp_path, clock=MONDAY_MORNING, port=port) as first:
        _sign_in(page, first, "A1", "siti")
        expect(page.locator("#offline")).to_be_hidden()
    # The server is stopped: the screen says so within a polling round.
    expect(page.locator("#offline")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#offline")).to_contain_text("Koneksi terputus")
    expect(page.locator("#conn")).to_have_text("Offline")
    screenshot(page, "counter-08-offline")
    with start_server(url, SITE_FILE, tmp_path, clock=MONDAY_MORNING, port=port) as second:
        _issue(second, "KTP")
        expect(page.locator("#offline")).to_be_hidden(timeout=WAIT_MS)
        expect(_total(page)).to_have_attribute("data-count", "1", timeout=WAIT_MS)
        expect(page.locator("body")).to_have_attribute("data-live", "ws", timeout=15_000)
        # Still signed in (sessions live in the database): the officer carries on.
        page.keyboard.press("F1")
        expect(page.locator("#cur-number")).to_have_text("A-001")


def test_signing_in_elsewhere_sends_the_first_screen_back_to_sign_in(
        live_server: Server, new_page: Any) -> None:
    expect = _expect()
    add_users(live_server.database_url, SITE_FILE, {"siti": "officer"})
    page = new_page(1280, 800)
    _sign_in(page, live_server, "A1", "siti")
    sign_in(live_server.url, "siti", "A3")
    expect(page.locator("#signin")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#signin-message")).to_contain_text("masuk di tempat lain")
    screenshot(page, "counter-09-signed-out")
    # The counter is still remembered, so signing in again is one step.
    expect(page.locator("#signin-counter")).to_contain_text("Loket 1")


def test_breaks_granted_and_queued(live_server: Server, new_page: Any) -> None:
    expect = _expect()
    add_users(live_server.database_url, SITE_FILE, {"siti": "officer", "budi": "officer"})
    one = new_page(1280, 800)
    two = new_page(1280, 800)
    _sign_in(one, live_server, "A1", "siti")
    _sign_in(two, live_server, "A2", "budi")

    # A2 still covers A1's services: granted.
    one.keyboard.press("i")
    expect(one.locator("#break-dialog")).to_be_visible()
    one.locator('#break-dialog [data-minutes="30"]').click()
    expect(one.locator("#break-state")).to_contain_text("istirahat", timeout=WAIT_MS)
    expect(one.locator("#break-label")).to_have_text("Selesai istirahat")
    expect(one.locator("#message")).to_contain_text(re.compile(r"sampai pukul \d\d\.\d\d"))
    expect(_button(one, "call")).to_be_disabled()

    # The day's rotation plan names this counter.
    one.locator("#plan summary").click()
    expect(one.locator("#plan-body li.mine")).to_contain_text("Loket 1")
    expect(one.locator("#plan-body li.mine")).to_contain_text(
        re.compile(r"\d\d\.\d\d–\d\d\.\d\d"))
    screenshot(one, "counter-10-break-granted")

    # A2 would leave KTP and KK uncovered: queued.
    two.keyboard.press("i")
    two.locator('#break-dialog [data-minutes="30"]').click()
    expect(two.locator("#break-state")).to_contain_text("urutan ke-1", timeout=WAIT_MS)
    expect(_button(two, "call")).to_be_enabled()
    # plain words: service names, no service or counter codes
    said = two.locator("#message").inner_text()
    assert "KTP-el" in said and "Kartu Keluarga" in said, said
    assert not re.search(r"\b(KTP|KK|AKTA|A1|A2)\b(?!-el)", said), said
    expect(two.locator("#break-label")).to_have_text("Batal istirahat")
    # a reloaded screen still shows the request as queued, not as "not on a break"
    two.reload()
    expect(two.locator("#desk")).to_be_visible()
    expect(two.locator("#break-state")).to_have_attribute("data-state", "queued",
                                                          timeout=WAIT_MS)
    expect(two.locator("#break-state")).to_contain_text("Menunggu giliran istirahat")
    expect(two.locator("#break-label")).to_have_text("Batal istirahat")
    screenshot(two, "counter-11-break-queued")
    _assert_accessible(two, "counter screen, break queued")

    # A1 comes back; A2's queued break is granted in turn.
    one.locator("#break-button").click()
    expect(one.locator("#break-label")).to_have_text("Istirahat", timeout=WAIT_MS)
    expect(_button(one, "call")).to_be_enabled()
    expect(two.locator("#break-label")).to_have_text("Selesai istirahat", timeout=40_000)
    expect(two.locator("#break-state")).to_have_attribute("data-state", "on")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_officer_sees_who_waits_calls_a_number_out_of_turn_and_times_the_service(
        live_server: Server, new_page: Any, size: tuple[int, int]) -> None:
    expect = _expect()
    add_users(live_server.database_url, SITE_FILE, {"siti": "officer", "budi": "officer"})
    issued = [_issue(live_server, s) for s in ("KTP", "KK", "KTP", "KTP")]
    elder = _issue(live_server, "KK", "lansia")
    _issue(live_server, "NPWP")  # another agency: not listed here
    width, height = size
    page = new_page(width, height)
    _sign_in(page, live_server, "A1", "siti")
    tag = f"{width}x{height}"

    # The list in calling order: the priority visitor first, then by arrival.
    rows = page.locator("#next-rows tr[data-number]")
    expect(rows).to_have_count(5)
    expect(rows.first).to_have_attribute("data-number", elder["number"])
    numbers = [rows.nth(i).get_attribute("data-number") for i in range(5)]
    assert numbers[1:] == [t["number"] for t in issued]
    expect(page.locator("#next-count")).to_have_text("5 menunggu")
    screenshot(page, f"counter-12-waiting-list-{tag}")
    _assert_accessible(page, f"counter screen with the waiting list at {tag}")

    # The visitor with A-003 stands at the counter: typed loosely, called out of turn.
    page.fill("#call-number-input", "a3")
    page.press("#call-number-input", "Enter")
    expect(page.locator("#cur-number")).to_have_text(issued[2]["number"])
    expect(page.locator("#message")).to_contain_text("di luar urutan")
    assert _ticket(live_server, issued[2]["id"])["status"] == "called"
    expect(rows).to_have_count(4)
    expect(page.locator(f'#next-rows tr[data-number="{issued[2]["number"]}"]')).to_have_count(0)
    # While a ticket is held, nobody else can be called.
    expect(page.locator("#call-number-submit")).to_be_disabled()
    expect(rows.first.locator("button")).to_be_disabled()

    # The timer runs from the call, then from the start of service.
    expect(page.locator("#cur-timer-label")).to_have_text("Dipanggil sejak")
    first = page.locator("#cur-timer").inner_text()
    assert re.fullmatch(r"\d+:\d\d", first), first
    page.wait_for_function(f"document.getElementById('cur-timer').textContent !== {first!r}",
                           timeout=10_000)
    page.keyboard.press("s")
    expect(page.locator("#cur-timer-label")).to_have_text("Lama dilayani")
    expect(page.locator("#cur-timer")).to_have_text(re.compile(r"^0:0\d$"))
    screenshot(page, f"counter-13-serving-timer-{tag}")
    _assert_accessible(page, f"counter screen serving with the timer at {tag}")
    page.keyboard.press("f")
    _expect_idle(page)
    expect(page.locator("#cur-timer-box")).to_be_hidden()

    # A row's own button calls that visitor; a number a colleague took meanwhile is refused
    # with a plain sentence.
    budi = sign_in(live_server.url, "budi", "A2")
    taken = httpx.post(f"{live_server.url}/api/v1/counters/A2/call-number",
                       json={"number": issued[3]["number"]}, headers=budi, timeout=10)
    assert taken.status_code == 200, taken.text
    page.fill("#call-number-input", issued[3]["number"])
    page.click("#call-number-submit")
    expect(page.locator("#message")).to_contain_text("tidak sedang menunggu: sudah dipanggil")
    page.locator(f'#next-rows tr[data-number="{issued[1]["number"]}"] button').click()
    expect(page.locator("#cur-number")).to_have_text(issued[1]["number"])
