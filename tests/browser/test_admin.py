"""An administrator runs the office from the browser: a new service for an agency, assigned to
a counter, taken at the kiosk and called by an officer the admin just created — no restart."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import DUKCAPIL, screenshot
from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import PASSWORD, add_users

WCAG = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
OFFICER_PASSWORD = "petugas-baru-2025"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _accessible(page: Any, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def _sign_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/admin")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav.tabs", timeout=15_000)


def _version(page: Any) -> int:
    return int(page.locator("body").get_attribute("data-version"))


def test_an_admin_adds_a_service_and_an_officer_calls_its_first_ticket(
        live_server: Server, new_page: Any) -> None:
    expect = _expect()
    base = live_server.url
    add_users(live_server.database_url, SITE_FILE, {"admin1": "admin", "kepala": "supervisor"})
    page = new_page(1440, 900)
    page.goto(f"{base}/admin")
    _accessible(page, "admin sign-in")
    screenshot(page, "admin-01-signin")
    _sign_in(page, base, "admin1")
    _accessible(page, "services page")

    # 1. A new service for Dispendukcapil, with its standard.
    form = page.locator("#new-service form")
    form.get_by_label("Kode layanan").fill("PINDAH")
    form.get_by_label("Nama", exact=True).fill("Surat Pindah")
    form.get_by_label("Persyaratan (satu per baris)").fill("KTP-el\nKartu Keluarga")
    form.get_by_label("Biaya").fill("Gratis")
    form.get_by_label("Kuota harian (kosong = tanpa kuota)").fill("40")
    version = _version(page)
    form.get_by_role("button", name="Tambah layanan").click()
    expect(page.locator("tr[data-service=PINDAH]")).to_be_visible(timeout=15_000)
    assert _version(page) == version + 1
    screenshot(page, "admin-02-service-added")

    # A refused edit names the field, as `loket config check` would.
    form = page.locator("#new-service form")
    form.get_by_label("Kode layanan").fill("SALAH")
    form.get_by_label("Nama", exact=True).fill("Salah")
    form.get_by_label("Target tunggu (menit)").fill("0")
    form.get_by_role("button", name="Tambah layanan").click()
    errors = form.locator(".errors")
    expect(errors).to_contain_text("target_wait_minutes", timeout=15_000)
    _accessible(page, "services page with a refused edit")
    screenshot(page, "admin-03-refused-edit")

    # 2. Counter 3 serves it.
    page.get_by_role("link", name="Loket").click()
    page.wait_for_selector("tr[data-counter=A3]")
    _accessible(page, "counters page")
    row = page.locator("tr[data-counter=A3]")
    row.locator("summary").click()
    row.get_by_label("PINDAH").check()
    row.get_by_role("button", name="Simpan").click()
    expect(page.locator("tr[data-counter=A3] td.services")).to_contain_text("PINDAH",
                                                                           timeout=15_000)
    screenshot(page, "admin-04-counter-serves-it")

    # 3. A new officer account.
    page.get_by_role("link", name="Pengguna").click()
    page.wait_for_selector("h2")
    _accessible(page, "users page")
    add = page.locator("form[data-api='/api/v1/admin/users']")
    add.get_by_label("Nama pengguna").fill("rina")
    add.get_by_label("Nama lengkap").fill("Rina Wulandari")
    add.get_by_label("Kata sandi (min. 10 karakter)").fill(OFFICER_PASSWORD)
    add.get_by_role("button", name="Tambah akun").click()
    expect(page.locator("tr[data-user=rina]")).to_be_visible(timeout=15_000)
    assert "argon" not in page.content()
    screenshot(page, "admin-05-officer-added")

    # 4. The kiosk offers it at once.
    kiosk = new_page(1080, 1920, has_touch=True)
    kiosk.goto(f"{base}/kiosk")
    kiosk.get_by_role("button", name=DUKCAPIL).click()
    kiosk.get_by_role("button", name="Surat Pindah").click()
    kiosk.get_by_role("button", name="Ambil nomor antrean").click()
    kiosk.get_by_text("A-001", exact=True).wait_for(timeout=15_000)
    screenshot(kiosk, "admin-06-kiosk-ticket")

    # 5. The new officer signs in at counter 3 and calls it.
    desk = new_page(1280, 800)
    desk.goto(f"{base}/counter")
    desk.locator('#pick-list [data-counter="A3"]').click()
    desk.fill("#username", "rina")
    desk.fill("#password", OFFICER_PASSWORD)
    desk.click("#signin-submit")
    expect(desk.locator("#desk")).to_be_visible(timeout=15_000)
    desk.locator('#actions [data-action="call"]').click()
    expect(desk.locator("#cur-number")).to_have_text("A-001", timeout=15_000)
    screenshot(desk, "admin-07-officer-calls")

    # 6. Closed tomorrow (cuti bersama), then the audit log shows who did what.
    page.get_by_role("link", name="Jam & penutupan").click()
    page.wait_for_selector("#closure-form")
    _accessible(page, "hours page")
    closure = page.locator("#closure-form")
    closure.get_by_label("Dari tanggal").fill("2025-11-25")
    closure.get_by_label("Alasan").fill("Cuti bersama")
    closure.get_by_role("button", name="Simpan penutupan").click()
    expect(page.locator("tr[data-closure='2025-11-25']")).to_contain_text("Cuti bersama",
                                                                         timeout=15_000)
    screenshot(page, "admin-08-closure")
    page.get_by_role("link", name="Printer").click()
    page.wait_for_selector("h2")
    _accessible(page, "printers page")
    page.get_by_role("link", name="Jejak audit").click()
    page.wait_for_selector("tr.audit-row")
    _accessible(page, "audit page")
    rows = page.locator("tr.audit-row")
    text = rows.all_inner_texts()
    assert any("service.put" in r and "service:PINDAH" in r and "admin1" in r for r in text)
    assert any("closure.add" in r for r in text) and any("user.create" in r for r in text)
    screenshot(page, "admin-09-audit")
    services = httpx.get(f"{base}/api/v1/services", timeout=10).json()
    assert any(s["code"] == "PINDAH" for a in services["agencies"] for s in a["services"])


def test_a_supervisor_sees_the_admin_pages_read_only(live_server: Server,
                                                     new_page: Any) -> None:
    add_users(live_server.database_url, SITE_FILE, {"kepala": "supervisor", "siti": "officer"})
    page = new_page(1280, 800)
    _sign_in(page, live_server.url, "kepala")
    assert page.locator(".readonly-note").is_visible()
    assert page.locator("form[data-api]").count() == 0
    _accessible(page, "services page, read only")
    screenshot(page, "admin-10-supervisor-read-only")
    officer = new_page(1280, 800)
    officer.goto(f"{live_server.url}/admin")
    officer.fill("input[name=username]", "siti")
    officer.fill("input[name=password]", PASSWORD)
    officer.click("button[type=submit]")
    officer.get_by_text("bukan akun admin atau penyelia").wait_for(timeout=15_000)


def test_the_running_text_changes_on_the_tv_and_tomorrows_closure_is_announced(live_server: Server,
                                                             new_page: Any) -> None:
    from tests.support.staff import sign_in

    add_users(live_server.database_url, SITE_FILE, {"admin1": "admin"})
    tv = new_page(1920, 1080)
    tv.goto(f"{live_server.url}/display")
    _expect()(tv.locator("#ticker-text")).to_contain_text("Budayakan antre.")
    tv.evaluate("window.__same_page = true")
    answer = httpx.put(f"{live_server.url}/api/v1/admin/notices",
                       headers=sign_in(live_server.url, "admin1", None), timeout=10,
                       json={"notices": ["Besok kantor tutup: cuti bersama."]})
    assert answer.status_code == 200, answer.text
    _expect()(tv.locator("#ticker-text")).to_contain_text("Besok kantor tutup",
                                                          timeout=15_000)
    assert tv.evaluate("window.__same_page") is True  # live, not reloaded
    screenshot(tv, "admin-11-tv-running-text")
    # A closure for tomorrow is announced on the TV today, without anyone writing a notice.
    closed = httpx.post(f"{live_server.url}/api/v1/admin/closures",
                        headers=sign_in(live_server.url, "admin1", None), timeout=10,
                        json={"from": "2025-11-25", "reason": "Cuti bersama", "hours": None})
    assert closed.status_code == 201, closed.text
    _expect()(tv.locator("#ticker-text")).to_contain_text(
        "Selasa, 25 November 2025: layanan tutup (Cuti bersama)", timeout=15_000)
    screenshot(tv, "admin-12-tv-closure-tomorrow")
    kiosk = new_page(1080, 1920)
    kiosk.goto(f"{live_server.url}/kiosk")
    _expect()(kiosk.locator("#upcoming-banner")).to_contain_text(
        "Pengumuman: Selasa, 25 November 2025: layanan tutup (Cuti bersama)", timeout=15_000)
    _accessible(kiosk, "kiosk with an announced closure")
    screenshot(kiosk, "admin-13-kiosk-closure-tomorrow")
