"""The supervisor dashboard and the SKM survey in a real Chromium against a real server."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_kiosk import assert_accessible as _assert_accessible
from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import PASSWORD, add_users, sign_in

#: Visitor keys by ticket id: the survey needs the holder's key (the slip's QR carries it).
KEYS: dict[str, str] = {}


def _serve_one(base: str, headers: dict[str, str], counter: str, service: str) -> str:
    issued = httpx.post(f"{base}/api/v1/tickets", json={"service": service},
                        timeout=10).json()["ticket"]
    KEYS[issued["id"]] = issued["visitor_key"]
    ticket = httpx.post(f"{base}/api/v1/counters/{counter}/call", headers=headers,
                        timeout=10).json()["ticket"]
    httpx.post(f"{base}/api/v1/tickets/{ticket['id']}/start", headers=headers, timeout=10)
    finished = httpx.post(f"{base}/api/v1/tickets/{ticket['id']}/finish", headers=headers,
                          timeout=10)
    assert finished.status_code == 200, finished.text
    return str(ticket["id"])


def _sign_in_page(page: Any, base: str) -> None:
    page.goto(f"{base}/supervisor")
    page.fill("input[name=username]", "sri")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav.tabs", timeout=10_000)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_live_tab_shows_counters_unstaffed_services_and_follows_calls(
        live_server: Server, new_page: Any, size: tuple[int, int]) -> None:
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"sri": "supervisor", "ani": "officer"})
    ani = sign_in(base, "ani", "A1")
    for service in ("KTP", "KTP", "KK", "NPWP"):
        httpx.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
    width, height = size
    tag = f"{width}x{height}"
    page = new_page(width, height)
    page.goto(f"{base}/supervisor")
    screenshot(page, f"supervisor-signin-{tag}")
    _sign_in_page(page, base)

    a1 = page.locator("tr.counter-row[data-counter=A1]")
    assert a1.get_attribute("data-status") == "idle"
    assert page.locator("tr.counter-row[data-counter=A2]").get_attribute(
        "data-status") == "closed"
    # nobody is signed in at the NPWP counter: flagged red, and an alert says people wait
    assert "unstaffed" in (page.locator("tr.queue-row[data-service=NPWP]")
                           .get_attribute("class") or "")
    assert page.locator(".alert.unstaffed_waiting").count() >= 1
    ktp = page.locator("tr.queue-row[data-service=KTP] td.num").first
    assert ktp.inner_text().strip() == "2"
    # a lobby TV comes and goes: named by its place, never by its random id
    tv = new_page(1280, 720)
    tv.goto(f"{base}/display?zone=lobi-utama")
    screen = page.locator("li.screen-row")
    screen.first.wait_for(timeout=15_000)
    assert screen.first.get_attribute("data-online") == "yes"
    assert "Layar TV · Lobi Utama" in screen.first.inner_text()
    tv.close()
    alert = page.locator(".alert.screen_offline")
    alert.wait_for(timeout=15_000)
    assert re.search(r"Layar TV · Lobi Utama tidak terhubung sejak \d\d\.\d\d",
                     alert.inner_text()), alert.inner_text()
    assert "tv-" not in page.locator("#live").inner_text()
    assert "announcer" not in page.locator("#live").inner_text()
    # icons are drawn, not font glyphs that Debian's Chromium shows as boxes
    assert page.locator(".alert svg.icon").count() == page.locator(".alert").count()
    assert not re.search("[\u2600-\u27bf\U0001f300-\U0001faff]",
                         page.locator(".alerts").inner_text())
    screenshot(page, f"supervisor-live-{tag}")
    _assert_accessible(page, f"live tab at {tag}")

    # a call at the counter shows up without reloading (WebSocket or the 5 s refresh)
    httpx.post(f"{base}/api/v1/counters/A1/call", headers=ani, timeout=10)
    page.wait_for_selector("tr.counter-row[data-counter=A1][data-status=serving]",
                           timeout=12_000)
    assert re.search(r"A-00\d", page.locator("tr.counter-row[data-counter=A1]").inner_text())
    screenshot(page, f"supervisor-live-serving-{tag}")


# Every chart label as drawn on the screen: font size times the SVG's scale.
RENDERED_TEXT_PX = """
  Array.from(document.querySelectorAll('svg[id^="chart-"] text')).map(function (el) {
    var m = el.getScreenCTM(), box = el.getBBox(), width = el.ownerSVGElement.viewBox.baseVal.width;
    return [el.textContent, parseFloat(getComputedStyle(el).fontSize) * Math.hypot(m.a, m.b),
            box.x >= -0.5 && box.x + box.width <= width + 0.5];
  })"""


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_statistics_tab_draws_charts_and_offers_exports(live_server: Server, new_page: Any,
                                                        size: tuple[int, int]) -> None:
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"sri": "supervisor", "ani": "officer"})
    ani = sign_in(base, "ani", "A1")
    served = [_serve_one(base, ani, "A1", s) for s in ("KTP", "KK", "KTP")]
    for ticket_id, score in zip(served, (4, 3, 4), strict=True):
        answer = httpx.post(f"{base}/api/v1/tickets/{ticket_id}/survey",
                            json={"key": KEYS[ticket_id],
                                  **{f"u{i}": score for i in range(1, 10)}}, timeout=10)
        assert answer.status_code == 201, answer.text
    width, height = size
    page = new_page(width, height)
    _sign_in_page(page, base)
    page.click("nav.tabs a:nth-child(2)")
    page.wait_for_selector("#chart-heatmap", timeout=10_000)
    assert page.locator("#kpi-issued").inner_text() == "3"
    assert page.locator("#kpi-served").inner_text() == "3"
    # IKM of (4, 3, 4) on every unsur: 11/3 × 25 = 91.67, grade A
    assert page.locator("#kpi-ikm").inner_text() == "91.67"
    assert page.locator("#chart-wait rect.bar-mean").count() == 1  # one agency called
    # drawn as the caption says: a bar for the mean, a thin line out to an upright p90 tick,
    # and the agency's target as a dashed line (KTP and KK: 30 minutes)
    row = page.locator("#chart-wait g.wait-row").first
    mean_x, p90_x = float(row.get_attribute("data-mean-x")), float(row.get_attribute("data-p90-x"))
    assert 190 <= mean_x <= p90_x
    assert row.locator("line.p90-tick").count() == 1
    assert float(row.locator("line.p90-tick").get_attribute("x1")) == p90_x
    target = row.locator("line.target-line")
    assert target.count() == 1 and float(target.get_attribute("x1")) > p90_x
    assert "garis tipis" in page.locator(".chart").first.inner_text().lower()
    assert "target" in page.locator(".chart").first.inner_text().lower()
    sizes = page.evaluate(RENDERED_TEXT_PX)
    assert len(sizes) > 20
    small = [(text, round(px, 1)) for text, px, _ in sizes if px < 14]
    assert not small, small
    cut = [text for text, _, inside in sizes if not inside]
    assert not cut, f"chart text drawn past the edge: {cut}"
    assert page.locator("#chart-ikm rect.grade-fill").count() == 9
    assert page.locator("#chart-heatmap rect").count() >= 5
    page.locator("details.per-service summary").click()
    assert page.locator("table.ikm-services tbody tr").count() == 2  # KTP and KK
    assert page.locator("a[href^='/api/v1/stats/export.xlsx']").count() == 1
    tag = f"{width}x{height}"
    page.locator("#chart-wait").evaluate("e => e.closest('section').scrollIntoView()")
    screenshot(page, f"supervisor-statistics-{tag}")
    page.locator("#chart-ikm").evaluate("e => e.closest('section').scrollIntoView()")
    screenshot(page, f"supervisor-statistics-skm-{tag}")
    _assert_accessible(page, f"statistics tab at {tag}")

    # the export link works with the page's cookie, and is logged
    with page.expect_download() as download:
        page.click("a[href^='/api/v1/stats/export.csv']")
    assert download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as download:
        page.click("a[href^='/api/v1/stats/export.xlsx']")
    from openpyxl import load_workbook

    with open(download.value.path(), "rb") as file:  # saved without an extension
        book = load_workbook(io.BytesIO(file.read()))
    tickets = book["Tiket"]
    assert tickets.freeze_panes == "A2" and tickets.max_row == 4  # header + three served
    assert {tickets.cell(r, 7).value for r in range(2, 5)} == {"Selesai"}


def test_visitor_rates_the_service_on_the_phone_and_is_asked_for_a_review(
        live_server: Server, new_page: Any) -> None:
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"ani": "officer"})
    ani = sign_in(base, "ani", "A1")
    ticket_id = _serve_one(base, ani, "A1", "KTP")
    page = new_page(390, 844, is_mobile=True, has_touch=True)
    # No smooth scrolling to the first missing answer, so each click lands where aimed.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{base}/t/{ticket_id}/survey?k={KEYS[ticket_id]}")
    assert page.locator("fieldset.question").count() == 9
    assert "Sangat sesuai" in page.locator("fieldset.question").first.inner_text()
    page.click("button[type=submit]")
    assert "U1" in page.locator("#survey-error").inner_text()
    screenshot(page, "survey-phone-missing")
    # the form scrolls smoothly to the first missing answer; clicks land once it stands still
    page.wait_for_function("""new Promise(function (done) {
        var y = window.scrollY;
        setTimeout(function () { done(window.scrollY === y); }, 200);
      })""", timeout=10_000)
    for i in range(1, 10):
        page.locator(f"input[name=u{i}][value='4']").check(force=True)
    page.locator("details.profile summary").click()
    page.select_option("select[name=age]", "30-39")
    screenshot(page, "survey-phone-filled")
    page.click("button[type=submit]")
    page.wait_for_selector("#thanks:not([hidden])", timeout=10_000)
    assert page.locator("#review-link").get_attribute("href") == "https://example.org/review"
    # thanked, never graded: no score, no letter, no "Sangat Baik"
    thanks = page.locator("#thanks").inner_text()
    assert "Terima kasih" in thanks
    assert not re.search(r"\d", thanks), thanks
    assert "Baik" not in thanks and "Nilai" not in thanks
    assert page.evaluate("document.activeElement.id") == "thanks-title"
    screenshot(page, "survey-phone-thanks")
    # the same ticket cannot be rated twice
    page.goto(f"{base}/t/{ticket_id}/survey?k={KEYS[ticket_id]}")
    assert page.locator("#survey").count() == 0
    assert page.locator("#closed").count() == 1


def test_counter_tablet_asks_about_the_last_finished_ticket(live_server: Server,
                                                            new_page: Any) -> None:
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"ani": "officer", "tablet-a1": "officer"})
    ani = sign_in(base, "ani", "A1")
    page = new_page(1024, 768, has_touch=True)
    page.goto(f"{base}/survey?counter=A1")
    # The tablet is handed visitor keys, so it signs in first (without a counter).
    page.fill("#tablet-signin input[name=username]", "tablet-a1")
    page.fill("#tablet-signin input[name=password]", PASSWORD)
    page.click("#tablet-signin button[type=submit]")
    page.wait_for_selector("#no-ticket", timeout=10_000)
    _serve_one(base, ani, "A1", "KTP")
    last = _serve_one(base, ani, "A1", "KK")
    # the tablet notices the newly finished ticket by itself
    page.wait_for_selector(f"#survey[data-ticket='{last}']", timeout=12_000)
    assert "Kartu Keluarga" in page.locator(".ticket-line").inner_text()
    for i in range(1, 10):
        page.locator(f"input[name=u{i}][value='2']").check(force=True)
    screenshot(page, "survey-tablet")
    page.click("button[type=submit]")
    page.wait_for_selector("#thanks:not([hidden])", timeout=10_000)
    assert page.locator("#review").is_hidden()  # a poor rating is not sent to Google
