"""The region dashboard (Monev) in a real Chromium against a real two-site server: sign in,
the MPPs side by side, sorting, the drill-down to a site's dashboard, the printable report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_kiosk import assert_accessible
from tests.conftest import FIXTURES, SITE_FILE
from tests.support.servers import Server, start_server
from tests.support.staff import PASSWORD, add_users, sign_in

SITE_B = FIXTURES / "site_b.toml"
BOTH_OPEN = "2025-11-24T10:30:00+07:00"


@pytest.fixture
def two_sites(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    add_users(sqlite_url, SITE_FILE, {"wilayah": "region", "ani": "officer"})
    add_users(sqlite_url, SITE_B, {"bayu": "officer"})
    with start_server(sqlite_url, SITE_FILE, tmp_path, clock=BOTH_OPEN,
                      more_sites=(SITE_B,)) as srv:
        yield srv


def _serve(base: str, officer: str, count: int) -> None:
    headers = sign_in(base, officer, "A1")
    for _ in range(count):
        httpx.post(f"{base}/api/v1/tickets", json={"service": "KTP"}, timeout=10)
    for _ in range(count - 1):
        ticket = httpx.post(f"{base}/api/v1/counters/A1/call", headers=headers,
                            timeout=10).json()["ticket"]
        httpx.post(f"{base}/api/v1/tickets/{ticket['id']}/finish", headers=headers, timeout=10)


def test_the_region_sees_the_sites_side_by_side_sorts_and_drills_down(
        two_sites: Server, new_page: Any) -> None:
    base = two_sites.url
    _serve(base, "ani", 4)
    _serve(f"{base}/s/tetangga", "bayu", 2)
    page = new_page(1366, 768)
    page.goto(f"{base}/region?from=2025-11-24&to=2025-11-24")
    page.fill("input[name=username]", "wilayah")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#region-table", timeout=15_000)
    rows = page.locator("#region-table tbody tr")
    assert rows.count() == 2
    assert page.locator("tr[data-site=uji] td").first.inner_text() == "4"
    assert page.locator("tr[data-site=tetangga] td").first.inner_text() == "2"
    screenshot(page, "region-dashboard-1366x768")
    assert_accessible(page, page.url)
    # sorting by visitors, most first
    page.click("#region-table thead a:has-text('Pengunjung')")
    page.wait_for_url("**sort=tickets**", timeout=10_000)
    assert page.locator("#region-table tbody tr").first.get_attribute("data-site") == "uji"
    page.click("#region-table thead a:has-text('Pengunjung')")
    page.wait_for_url("**dir=asc**", timeout=10_000)
    assert page.locator("#region-table tbody tr").first.get_attribute("data-site") == "tetangga"
    # the drill-down opens the site's own dashboard, readable by the region account
    page.click("tr[data-site=tetangga] th a")
    page.wait_for_selector("nav.tabs", timeout=15_000)
    assert "/s/tetangga/supervisor" in page.url
    assert "MPP Tetangga" in page.inner_text("header")
    screenshot(page, "region-drilldown-tetangga")
    # the printable monthly report, in Indonesian
    page.goto(f"{base}/region/report?month=2025-11")
    assert "Laporan Monev Pelayanan" in page.inner_text("h1")
    assert "November 2025" in page.inner_text("h1")
    page.emulate_media(media="print")
    screenshot(page, "region-report-print")
    assert_accessible(page, page.url)
