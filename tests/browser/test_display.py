"""The lobby display in a real Chromium: calls show up large and are announced; 39 counters
page through; a closed day says when it opens; screenshots are kept for people to look at."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from queue_server.domain.speech import announcement_phrases
from queue_server.site import DEMO_SITE, load_site
from tests.browser.conftest import screenshot
from tests.conftest import SITE_FILE
from tests.support.lobby import issue, migrated, open_counters
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

WCAG = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
#: Tuesday 1 December 2026, 09.00 WIB: the demo site on a working morning.
TUESDAY_MORNING = "2026-12-01T09:00:00+07:00"


def assert_accessible(page: Any, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def connected(page: Any) -> None:
    page.wait_for_function("window.loketDisplay && window.loketDisplay.connected",
                           timeout=20000)


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
    assert "Ketuk untuk menyalakan suara" in page.locator("#sound").inner_text()
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


# --- 39 counters, 22 agencies ---------------------------------------------------------------

@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    """The demo site (39 counters, 22 agencies) on a working morning."""
    with start_server(migrated(tmp_path), DEMO_SITE, tmp_path, clock=TUESDAY_MORNING) as srv:
        yield srv


# Records what each page of a pager really showed: the tiles inside the box, not clipped.
RECORD_PAGES = """([box, attr]) => {
  const seen = [];
  const take = () => {
    const frame = document.getElementById(box).getBoundingClientRect();
    const shown = [...document.getElementById(box).children].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.height > 0 && r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1
        && r.left >= frame.left - 1 && r.right <= frame.right + 1;
    }).map((e) => e.dataset[attr]);
    const clipped = document.getElementById(box).children.length - shown.length;
    seen.push({ shown, clipped });
  };
  take();
  new MutationObserver(take).observe(document.getElementById(box), { childList: true });
  window["pages_" + box] = seen;
}"""


def one_cycle(page: Any, box: str, pages: int) -> list[dict[str, Any]]:
    """The first ``pages`` page flips (a whole cycle), waited for, not slept."""
    page.wait_for_function(f"window.pages_{box}.length >= {pages + 1}", timeout=pages * 8000)
    seen: list[dict[str, Any]] = page.evaluate(f"window.pages_{box}")
    return seen[1:pages + 1]  # the first entry is the page showing when recording began


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_every_open_counter_and_every_agency_comes_round_within_one_cycle(
        demo_server: Server, new_page: Any, size: tuple[int, int]) -> None:
    site = load_site(DEMO_SITE)
    # Counters 1-8 and 39 stay closed (a quiet morning); 9-38 open, among them 24 and 28.
    open_codes = [c.code for c in site.counters if 9 <= c.number <= 38]
    open_counters(demo_server.url, demo_server.database_url, open_codes)
    for service in ("KTP-EL", "KIA"):
        issue(demo_server.url, service)
    page = new_page(*size)
    page.goto(f"{demo_server.url}/display?zone=lobi&page_s=2")
    connected(page)
    page.wait_for_function("window.loketDisplay.pagers.counters.items.length === 30",
                           timeout=15000)
    page.evaluate(RECORD_PAGES, ["counters", "counter"])
    page.evaluate(RECORD_PAGES, ["waiting", "agency"])
    counter_pages = page.evaluate("window.loketDisplay.pagers.counters.pages")
    waiting_pages = page.evaluate("window.loketDisplay.pagers.waiting.pages")
    assert counter_pages > 1  # 30 open counters do not fit one screen: paging is exercised
    shown = one_cycle(page, "counters", counter_pages)
    assert all(p["clipped"] == 0 for p in shown), shown
    seen = [code for p in shown for code in p["shown"]]
    assert sorted(seen) == sorted(open_codes)  # each open counter once, no closed one
    by_number = {c.code: c.number for c in site.counters}
    numbers = [by_number[c] for c in seen]
    start = numbers.index(min(numbers))  # the cycle began on whichever page was up
    assert numbers[start:] + numbers[:start] == sorted(numbers)
    rows = one_cycle(page, "waiting", waiting_pages)
    assert all(p["clipped"] == 0 for p in rows), rows
    agencies = [code for p in rows for code in p["shown"]]
    assert sorted(agencies) == sorted(a.code for a in site.agencies)
    assert "9 loket lain tutup" in page.locator("#counters-note").inner_text()
    # The header keeps the clock on one line next to the sound button.
    clock = page.locator("#clock").bounding_box()
    font = page.evaluate("parseFloat(getComputedStyle(document.getElementById('clock')).fontSize)")
    assert clock and clock["height"] < 1.6 * font
    button = page.locator("#sound").bounding_box()
    assert button and button["x"] + button["width"] <= clock["x"]
    text = page.evaluate("""(() => { const r = document.createRange();
        r.selectNodeContents(document.getElementById('sound-text'));
        return r.getClientRects().length; })()""")
    assert text == 1
    screenshot(page, f"display-39-counters-{size[0]}x{size[1]}")
    assert_accessible(page, f"display {size}")


def test_several_calls_show_large_and_a_recall_is_marked(
        demo_server: Server, new_page: Any) -> None:
    officers = open_counters(demo_server.url, demo_server.database_url, ["A1", "A2", "B1"])
    for service in ("KTP-EL", "KTP-EL"):
        issue(demo_server.url, service)
    b_service = next(s.code for s in load_site(DEMO_SITE).services if s.agency == "DPMPTSP")
    issue(demo_server.url, b_service)
    page = new_page(1920, 1080)
    page.goto(f"{demo_server.url}/display")
    connected(page)
    numbers = []
    for code in ("A1", "A2", "B1"):
        answer = httpx.post(f"{demo_server.url}/api/v1/counters/{code}/call",
                            headers=officers[code], timeout=10)
        assert answer.status_code == 200, answer.text
        numbers.append(answer.json()["ticket"])
    page.wait_for_function(
        f"document.getElementById('now-number').textContent === '{numbers[2]['number']}'",
        timeout=10000)
    more = page.locator("#now-more .small-call .num").all_inner_texts()
    assert more == [numbers[1]["number"], numbers[0]["number"]]
    assert page.locator("#now-main .recall-mark").is_hidden()
    # The first visitor did not come: the officer calls them again.
    first = numbers[0]
    answer = httpx.post(f"{demo_server.url}/api/v1/tickets/{first['id']}/recall",
                        headers=officers["A1"], timeout=10)
    assert answer.status_code == 200, answer.text
    page.wait_for_function(
        f"document.getElementById('now-number').textContent === '{first['number']}'",
        timeout=10000)
    mark = page.locator("#now-main .recall-mark")
    assert mark.is_visible() and mark.inner_text().lower() == "panggilan ulang"
    assert "recall" in (page.locator("#now-main").get_attribute("class") or "")
    assert page.locator("#now-more .small-call .num").all_inner_texts() == [
        numbers[2]["number"], numbers[1]["number"]]
    # Three calls and a recall mark still fit their panel: nothing is cut off.
    assert fully_shown(page, "#now-main"), "the newest call is cut off"
    assert fully_shown(page, "#now-more .small-call")
    queued = page.evaluate("window.loketDisplay.queue")
    assert queued[-1]["recall"] is True
    assert queued[-1]["phrases"][1] == ["panggilan_ulang"]
    page.wait_for_timeout(1100)  # let the 3 s flash settle half-way: the screenshot is for people
    screenshot(page, "display-calls-and-recall")
    assert_accessible(page, "display with calls")
    # A TV switched on later still marks the recalled number, from the snapshot alone (the
    # snapshot orders calls by their first call, so it sits among the smaller cards).
    page.reload()
    connected(page)
    recalled = page.locator("#now-more .small-call", has_text=str(first["number"]))
    recalled.wait_for(timeout=10000)
    assert recalled.locator(".recall-mark").is_visible()
    assert page.locator("#now-main .recall-mark").is_hidden()


# --- closed ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("clock", "headline", "message"), [
    ("2026-11-29T10:00:00+07:00",
     "Tutup \u2014 dibuka kembali Senin, 30 November 2026 pukul 08.00 WIB", None),
    ("2026-12-25T09:00:00+07:00", "Tutup \u2014 dibuka kembali", "Hari ini libur"),
], ids=["sunday", "christmas"])
def test_a_closed_day_says_when_the_office_opens_and_its_weekly_hours(
        tmp_path: Path, new_page: Any, clock: str, headline: str, message: str | None) -> None:
    with start_server(migrated(tmp_path), SITE_FILE, tmp_path, clock=clock) as server:
        page = new_page(1920, 1080)
        page.goto(f"{server.url}/display")
        connected(page)
        title = page.locator("#closed-title")
        title.wait_for(timeout=10000)
        assert title.inner_text().startswith(headline)
        assert page.locator("#grid").is_hidden()
        if message:
            assert message in page.locator("#closed-message").inner_text()
        hours = [r.split("\t") for r in page.locator(".hours tr").all_inner_texts()]
        assert hours == [["Senin\u2013Kamis", "08.00\u201314.00 WIB"],
                         ["Jumat", "08.00\u201311.00 WIB"], ["Sabtu\u2013Minggu", "Tutup"]]
        screenshot(page, f"display-closed-{clock[:10]}")
        assert_accessible(page, "closed display")


# --- voice ----------------------------------------------------------------------------------

def silent_runs(samples: list[float], rate: int, threshold: float = 0.01,
                window_s: float = 0.005) -> list[tuple[float, float]]:
    """(start, length) in seconds of every stretch whose 5 ms windows all stay below
    ``threshold`` (about -40 dBFS), between the first and the last sound."""
    size = max(1, int(rate * window_s))
    loud = [max(abs(x) for x in samples[i:i + size]) >= threshold
            for i in range(0, len(samples), size)]
    first, last = loud.index(True), len(loud) - 1 - loud[::-1].index(True)
    runs, start = [], None
    for i in range(first, last + 1):
        if not loud[i] and start is None:
            start = i
        elif loud[i] and start is not None:
            runs.append((start * window_s, (i - start) * window_s))
            start = None
    return runs


def test_a_call_is_rendered_without_gaps_inside_phrases_and_with_breaths_between(
        live_server: Server, new_page: Any) -> None:
    page = new_page(1920, 1080)
    page.goto(f"{live_server.url}/display")
    page.wait_for_function("window.loketDisplay && window.loketDisplay.voice.ready",
                           timeout=20000)
    assert page.evaluate("window.loketDisplay.voice.failed") == []
    phrases = announcement_phrases("A-024", 2)
    rendered = page.evaluate("""async (phrases) => {
        const r = await window.loketDisplay.voice.render(phrases, 22050);
        const pcm = new Int16Array(r.samples.length);
        r.samples.forEach((x, i) => { pcm[i] = Math.max(-1, Math.min(1, x)) * 32767; });
        let text = "";
        const bytes = new Uint8Array(pcm.buffer);
        for (let i = 0; i < bytes.length; i += 8192)
          text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
        return { pcm: btoa(text), rate: r.sampleRate, offset: r.offset, plan: r.plan };
    }""", phrases)
    raw = base64.b64decode(rendered["pcm"])
    samples = [v / 32767 for v in struct.unpack(f"<{len(raw) // 2}h", raw)]
    rate = rendered["rate"]
    plan = rendered["plan"]
    # Said twice: chime, then (nomor antrean A dua puluh empat | silakan menuju loket dua) x2.
    assert [i["clip"] for i in plan["items"]].count("silakan_menuju_loket") == 2
    assert [p["kind"] for p in plan["pauses"]] == ["phrase", "phrase", "repeat", "phrase"]
    runs = silent_runs(samples, rate)
    # Every silence longer than 80 ms is one of the planned pauses, in the same order ...
    long_runs = [r for r in runs if r[1] > 0.080]
    assert len(long_runs) == len(plan["pauses"]), (long_runs, plan["pauses"])
    for (start, length), pause in zip(long_runs, plan["pauses"], strict=True):
        planned = rendered["offset"] + pause["at"]
        assert abs(start - planned) < 0.15, (start, planned)
        # ... and a breath between phrases is a natural 250-600 ms.
        if pause["kind"] == "phrase":
            assert 0.250 <= length <= 0.600, (pause, length)
        else:
            assert 0.250 <= length <= 0.900, (pause, length)


def test_sound_on_plays_a_call_without_a_tap(live_server: Server, new_page: Any) -> None:
    add_users(live_server.database_url, SITE_FILE, {"oA1": "officer"})
    headers = sign_in(live_server.url, "oA1", "A1")
    issue(live_server.url, "KTP")
    page = new_page(1366, 768)
    page.goto(f"{live_server.url}/display?sound=on&zone=tv-sound")
    connected(page)
    page.wait_for_function("window.loketDisplay.soundOn", timeout=10000)
    assert page.locator("#sound-text").inner_text() == "Suara menyala"
    called = httpx.post(f"{live_server.url}/api/v1/counters/A1/call", headers=headers,
                        timeout=10)
    assert called.status_code == 200
    page.wait_for_function("window.loketDisplay.played.length === 1", timeout=30000)


def fully_shown(page: Any, selector: str) -> bool:
    """Nothing of the element is cut off by its own box or by the box it sits in."""
    return bool(page.evaluate("""(sel) => [...document.querySelectorAll(sel)].every((e) => {
        const r = e.getBoundingClientRect(), box = e.closest('section').getBoundingClientRect();
        return e.scrollHeight <= e.clientHeight + 1 && r.bottom <= box.bottom + 1;
    })""", selector))


# --- counter tiles --------------------------------------------------------------------------

# Every tile on the page: the text its agency line shows, whether that line is cut (wider or
# taller than its box, an ellipsis included), whether the full name would have been cut there
# (tried in place and put back before the next paint), and whether the tile's parts stay
# inside it (a number's glyphs may stand above a line-height of 1: only its width counts).
TILES = """(full) => [...document.querySelectorAll('#counters .counter')].map((tile) => {
  const name = tile.querySelector('.agency');
  const cut = (e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1;
  const shown = name.textContent;
  name.textContent = full[tile.dataset.counter] || shown;
  const fullCut = cut(name);
  name.textContent = shown;
  const size = (sel) => parseFloat(getComputedStyle(tile.querySelector(sel)).fontSize);
  const box = tile.getBoundingClientRect();
  return { code: tile.dataset.counter, text: name.textContent, cut: cut(name), fullCut,
           inside: [...tile.children].every((e) => { const r = e.getBoundingClientRect();
             return r.left >= box.left - 1 && r.right <= box.right + 1
               && r.top >= box.top - 1 && r.bottom <= box.bottom + 1
               && e.scrollWidth <= e.clientWidth + 1; }),
           biggest: size('.no') > size('.agency') && size('.no') > size('.serving') };
})"""


def test_every_counter_tile_names_its_agency_whole_and_the_screen_does_not_overflow(
        demo_server: Server, new_page: Any) -> None:
    site = load_site(DEMO_SITE)
    officers = open_counters(demo_server.url, demo_server.database_url,
                             [c.code for c in site.counters])
    for a in site.agencies:  # each agency's first counter serves someone
        counter = next(c.code for c in site.counters if c.agency == a.code)
        issue(demo_server.url, next(s.code for s in site.services if s.agency == a.code))
        answer = httpx.post(f"{demo_server.url}/api/v1/counters/{counter}/call",
                            headers=officers[counter], timeout=10)
        assert answer.status_code == 200, answer.text
    agencies = {a.code: a for a in site.agencies}
    owner = {c.code: agencies[c.agency] for c in site.counters if c.agency}
    full = {code: a.name for code, a in owner.items()}
    short = {code: a.short_name for code, a in owner.items()}
    for width, height in [(1920, 1080), (1366, 768)]:
        page = new_page(width, height)
        page.goto(f"{demo_server.url}/display?zone=lobi&page_s=600")  # paged by hand below
        connected(page)
        page.wait_for_function("window.loketDisplay.pagers.counters.items.length === 39",
                               timeout=15000)
        # Paged for the box as it is now laid out, not as it was at the first draw.
        page.wait_for_function("""(() => { const p = window.loketDisplay.pagers.counters;
            return p.perPage === Math.max(1, p.measure()); })()""", timeout=15000)
        pages = page.evaluate("window.loketDisplay.pagers.counters.pages")
        seen = []
        for _ in range(pages):
            tiles = page.evaluate(TILES, full)
            seen += [t["code"] for t in tiles]
            for tile in tiles:
                where = f"{width}x{height} {tile}"
                assert not tile["cut"] and tile["inside"] and tile["biggest"], where
                code = tile["code"]
                if code in full:  # the full name where it fits, else the site's short one
                    assert tile["text"] == (short[code] if tile["fullCut"] else full[code]), where
            page.evaluate("window.loketDisplay.pagers.counters.next()")
        assert sorted(seen) == sorted(c.code for c in site.counters), f"{width}x{height}"
        # Nothing else gave way: the page does not scroll, the call is whole.
        assert page.evaluate("""() => {
            const d = document.documentElement;
            return d.scrollWidth <= innerWidth && d.scrollHeight <= innerHeight
              && [...document.querySelectorAll('header, section, footer')].every((e) =>
                   e.getBoundingClientRect().bottom <= innerHeight
                   && e.getBoundingClientRect().right <= innerWidth);
        }"""), f"{width}x{height} overflows"
        assert fully_shown(page, "#now-main"), f"{width}x{height}: the call is cut off"
        screenshot(page, f"display-tiles-{width}x{height}")
