"""The kiosk names every agency and service whole, at the kiosk sizes that matter: a portrait
touch kiosk, a landscape one and a small tablet-style kiosk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_kiosk import TUESDAY_MORNING, assert_accessible, migrated
from tests.support.servers import Server, start_server

pytestmark = pytest.mark.browser

SIZES = [(1080, 1920), (1920, 1080), (1280, 800)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo site (22 agencies, 150 services), one server for every size."""
    from queue_server.site import DEMO_SITE

    tmp_path = tmp_path_factory.mktemp("kiosk-names")
    with start_server(migrated(tmp_path), DEMO_SITE, tmp_path, clock=TUESDAY_MORNING) as srv:
        yield srv


# Every card of a list: the name it shows, whether that name is cut (wider or taller than its
# box, an ellipsis included), whether it or anything else of the card sticks out of the card
# or covers the logo, and whether the full name would have been whole there (tried in place
# and put back before the next paint).
CARDS = """([list, full]) => [...document.querySelectorAll(list + ' .card')].map((card, i) => {
  const name = card.querySelector('.card-title');
  const logo = card.querySelector('.logo');
  const box = card.getBoundingClientRect();
  const left = box.left + card.clientLeft, top = box.top + card.clientTop;
  const cut = (e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1;
  const inside = (e) => { const r = e.getBoundingClientRect();
    return r.left >= left - 1 && r.right <= left + card.clientWidth + 1
      && r.top >= top - 1 && r.bottom <= top + card.clientHeight + 1; };
  const apart = (r, s) => r.right <= s.left + 1 || s.right <= r.left + 1
    || r.bottom <= s.top + 1 || s.bottom <= r.top + 1;
  const lines = () => { const range = document.createRange();
    range.selectNodeContents(name);
    return [...range.getClientRects()]; };
  const whole = () => !cut(name) && !cut(card)
    && (!logo || lines().every((line) => apart(line, logo.getBoundingClientRect())))
    && [...card.querySelectorAll('*')].every(inside);
  const shown = name.textContent;
  name.textContent = full[i] || shown;
  const fullWhole = whole();
  name.textContent = shown;
  return { text: shown, whole: whole(), fullWhole, height: box.height, width: box.width,
           px: parseFloat(getComputedStyle(name).fontSize) };
})"""

# Nothing on the page is wider than the screen.
NO_SIDEWAYS = """() => document.documentElement.scrollWidth <= innerWidth
  && document.body.scrollWidth <= innerWidth
  && [...document.querySelectorAll('.screen:not([hidden]) *')].every((e) =>
       e.getBoundingClientRect().right <= innerWidth + 1 && e.scrollWidth <= e.clientWidth + 1
       || getComputedStyle(e).overflowY === 'auto')"""


def check_cards(page: Any, where: str, selector: str, full: list[str],
                short: list[str] | None = None, smallest_px: float = 18) -> None:
    cards = page.evaluate(CARDS, [selector, full])
    assert len(cards) == len(full), where
    for i, card in enumerate(cards):
        what = f"{where} card {i}: {card}"
        assert card["whole"], what
        assert card["height"] >= 64 and card["width"] >= 64, what  # a large touch target
        assert card["px"] >= smallest_px, what  # never smaller than the kiosk's smallest text
        # The full name where it fits whole, else the site's short name.
        expected = full[i] if card["fullWhole"] or short is None else short[i]
        assert card["text"] == expected, what
    assert page.evaluate(NO_SIDEWAYS), f"{where}: the page is wider than the screen"


def open_agency(page: Any, index: int) -> None:
    """Tap an agency's card (the start screen redraws its cards in place, so a tap that lands
    while fresh data arrives is not lost: test_kiosk.py)."""
    page.locator("#agency-list .card").nth(index).click()
    page.locator("#screen-service").wait_for(timeout=10_000)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_agency_and_service_card_shows_its_name_whole(
        new_page: Any, demo: Server, size: tuple[int, int]) -> None:
    agencies = httpx.get(f"{demo.url}/api/v1/services", timeout=10).json()["agencies"]
    name = f"{size[0]}x{size[1]}"
    page = new_page(*size, has_touch=True)
    page.goto(f"{demo.url}/kiosk")
    page.locator("#agency-list .card").nth(len(agencies) - 1).wait_for()
    page.wait_for_function("[...document.querySelectorAll('#agency-list img.logo')]"
                           ".every((i) => i.complete)")
    screenshot(page, f"kiosk-names-agencies-{name}")
    check_cards(page, f"{name} agencies", "#agency-list", [a["name"] for a in agencies],
                [a["short_name"] or a["name"] for a in agencies])
    assert_accessible(page, f"agencies {name}")
    longest = max(agencies, key=lambda a: max(len(s["name"]) for s in a["services"]))
    for i, agency in enumerate(agencies):
        open_agency(page, i)
        if agency is longest:
            screenshot(page, f"kiosk-names-services-{name}")
        check_cards(page, f"{name} {agency['code']} services", "#service-list",
                    [s["name"] for s in agency["services"]], smallest_px=16)
        page.locator("#screen-service [data-action=to-agency]").click()
        page.locator("#screen-agency").wait_for()
    # The ticket names the service and its agency whole, on the screen.
    open_agency(page, agencies.index(longest))
    service = max(longest["services"], key=lambda s: len(s["name"]))
    page.locator("#service-list .card").nth(longest["services"].index(service)).click()
    page.get_by_role("button", name="Ambil nomor antrean").click()
    page.locator("#ticket-number").wait_for()
    named = page.locator("#ticket-service")
    assert service["name"] in named.inner_text()
    assert page.evaluate(NO_SIDEWAYS), f"{name} ticket: the page is wider than the screen"
    box = named.bounding_box()
    assert box and box["y"] + box["height"] <= size[1], f"{name} ticket"
    screenshot(page, f"kiosk-names-ticket-{name}")
    page.locator("#screen-ticket [data-action=to-agency]").click()
    page.locator("[data-action=to-checkin]").click()
    page.locator("#checkin-code").wait_for()
    assert page.evaluate(NO_SIDEWAYS), f"{name} check-in: the page is wider than the screen"
