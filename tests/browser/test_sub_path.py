"""Loket published under a sub-path of another web server: the documented nginx block in front
of ``loket serve --demo --root-path /antrean``, and the kiosk and the lobby display opened
through it in Chromium. Nothing may be asked for outside ``/antrean/``: there the office's own
server answers, not Loket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queue_server.site import DEMO_SITE
from tests.browser.conftest import DUKCAPIL
from tests.browser.test_kiosk import migrated
from tests.conftest import MONDAY_MORNING
from tests.support.nginx import running_nginx
from tests.support.operating_doc import block
from tests.support.servers import free_port, start_server

pytestmark = pytest.mark.browser

PREFIX = "/antrean"
SHOTS = Path("/tmp/subpath-shots")


@pytest.fixture
def behind_sub_path(tmp_path: Path) -> Iterator[str]:
    """The public address of Loket under the prefix, e.g. ``http://127.0.0.1:PORT/antrean``."""
    with start_server(migrated(tmp_path), DEMO_SITE, tmp_path, clock=MONDAY_MORNING,
                      demo=True, root_path=PREFIX) as server:
        port = free_port()
        site = (block("nginx", containing=f"location {PREFIX}/")
                .replace("127.0.0.1:8000", server.url.removeprefix("http://"))
                .replace("listen 80;", f"listen 127.0.0.1:{port};"))
        with running_nginx(site, port, tmp_path) as proxy:
            yield f"http://{proxy}{PREFIX}"


def watched(page: Any, base: str) -> list[str]:
    """Every request that left the prefix, failed or was refused, as it happens."""
    wrong: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base + "/")
            else wrong.append(f"outside {base}/: {r.url}"))
    page.on("requestfailed", lambda r: wrong.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: wrong.append(f"{r.status}: {r.url}") if r.status >= 400
            else None)
    return wrong


def assert_styled(page: Any) -> None:
    """Each stylesheet the page links loaded and has rules (a 404 leaves none)."""
    sheets = page.evaluate("""() => [...document.querySelectorAll('link[rel=stylesheet]')]
        .map((link) => ({href: link.href, rules: link.sheet ? link.sheet.cssRules.length : 0}))""")
    assert sheets and all(s["rules"] > 0 for s in sheets), sheets


def test_the_kiosk_takes_a_ticket_through_a_sub_path(new_page: Any,
                                                     behind_sub_path: str) -> None:
    base = behind_sub_path
    page = new_page(1080, 1920, has_touch=True)
    wrong = watched(page, base)
    page.goto(f"{base}/kiosk")
    # The agencies come from the API and the buttons from kiosk.js: both under the prefix.
    page.get_by_role("button", name=DUKCAPIL).wait_for()
    assert_styled(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "kiosk-agencies-under-antrean.png"))
    page.get_by_role("button", name=DUKCAPIL).tap()
    page.get_by_role("button", name="Perekaman dan Pencetakan KTP-el").tap()
    page.get_by_role("button", name="Ambil nomor antrean").tap()
    page.get_by_text("A-001", exact=True).wait_for(timeout=15_000)
    page.wait_for_function("document.getElementById('ticket-qr').complete"
                           " && document.getElementById('ticket-qr').naturalWidth > 0")
    page.screenshot(path=str(SHOTS / "kiosk-ticket-under-antrean.png"))
    assert wrong == []


def test_the_lobby_display_connects_and_loads_its_voice_through_a_sub_path(
        new_page: Any, behind_sub_path: str) -> None:
    base = behind_sub_path
    page = new_page(1920, 1080)
    wrong = watched(page, base)
    page.goto(f"{base}/display")
    # connected: the WebSocket under the prefix; voice ready: every clip of the manifest
    page.wait_for_function("window.loketDisplay && window.loketDisplay.connected",
                           timeout=15_000)
    page.wait_for_function("window.loketDisplay.voice.ready", timeout=30_000)
    assert page.evaluate("window.loketDisplay.voice.failed") == []
    assert_styled(page)
    page.screenshot(path=str(SHOTS / "display-under-antrean.png"))
    assert wrong == []
