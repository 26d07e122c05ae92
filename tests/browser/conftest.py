"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a real server.

Screenshots go to ``artifacts/screenshots/`` (kept by CI, ignored by git)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MONDAY_MORNING, SITE_FILE, missing
from tests.support.servers import Server, start_server

CHROMIUM = os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
#: Dukcapil's kiosk card: its full name where that fits the card, else the site's short name.
DUKCAPIL = re.compile("Dinas Kependudukan dan Pencatatan Sipil|Dispendukcapil")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Playwright's sync API runs an event loop in this thread
    while it is open, so it must be closed before any asyncio test runs: module scope (and
    browser tests collected last, see ``testpaths``) keeps it from leaking into them."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """``new_page(width, height)`` → a page in a fresh context (its own cookies)."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800, **options: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="id-ID", timezone_id="Asia/Jakarta", **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """A server on a fresh SQLite file with the test site, clock at a working morning."""
    with start_server(sqlite_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        yield srv


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
