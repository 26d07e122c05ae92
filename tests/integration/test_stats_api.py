"""GET /api/v1/stats and its exports against a real server, on SQLite and PostgreSQL: the
numbers match what was done through the API, officers are refused, exports are logged."""

from __future__ import annotations

import asyncio
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from queue_server.store import tables as t
from queue_server.store.db import create_engine
from tests.conftest import SITE_FILE
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

DAY = "2025-11-24"  # MONDAY_MORNING's business day


def _rows(database_url: str, table: t.Table) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(select(table))).all())
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _world(server: Server, database_url: str) -> dict[str, dict[str, str]]:
    add_users(database_url, SITE_FILE, {"ani": "officer", "budi": "officer",
                                        "sri": "supervisor"})
    return {"ani": sign_in(server.url, "ani", "A1"), "budi": sign_in(server.url, "budi", "A2"),
            "sri": sign_in(server.url, "sri", None)}


def _post(url: str, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    answer = httpx.post(url, json=body or None, headers=headers or {}, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer


def test_stats_count_exactly_what_the_counters_did(server: Server, database_url: str) -> None:
    staff = _world(server, database_url)
    base = server.url
    issued = [_post(f"{base}/api/v1/tickets", service=s).json()["ticket"]
              for s in ("KTP", "KTP", "KK", "KK", "AKTA")]
    # ani serves two, budi calls one who never comes, one is transferred, one still waits
    for _ in range(2):
        ticket = _post(f"{base}/api/v1/counters/A1/call", staff["ani"]).json()["ticket"]
        _post(f"{base}/api/v1/tickets/{ticket['id']}/start", staff["ani"])
        _post(f"{base}/api/v1/tickets/{ticket['id']}/finish", staff["ani"])
    absent = _post(f"{base}/api/v1/counters/A2/call", staff["budi"]).json()["ticket"]
    for _ in range(2):
        _post(f"{base}/api/v1/tickets/{absent['id']}/recall", staff["budi"])
    _post(f"{base}/api/v1/tickets/{absent['id']}/no-show", staff["budi"])
    moved = _post(f"{base}/api/v1/counters/A2/call", staff["budi"]).json()["ticket"]
    _post(f"{base}/api/v1/tickets/{moved['id']}/transfer", staff["budi"], service="AKTA")

    answer = httpx.get(f"{base}/api/v1/stats", params={"from": DAY, "to": DAY},
                       headers=staff["sri"], timeout=10)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    totals = data["totals"]
    assert (totals["issued"], totals["served"], totals["no_show"], totals["open"]) == (5, 2, 1, 2)
    assert totals["transferred"] == 1
    # the transferred ticket waits again (its wait will run from its issue time), so three
    assert totals["waiting"]["count"] == 3
    assert totals["service"]["count"] == 2
    officers = {o["key"]: o for o in data["by_officer"]}
    assert officers["ani"]["served"] == 2 and officers["budi"]["no_show"] == 1
    counters = {c["key"]: c for c in data["by_counter"]}
    assert counters["A1"]["served"] == 2
    services = {s["key"]: s["issued"] for s in data["by_service"]}
    assert services == {"KTP": 2, "KK": 2, "AKTA": 1} or services == {"KTP": 2, "KK": 1,
                                                                     "AKTA": 2}
    assert data["heatmap"]["grid"][0][9] == 5  # Monday, 09.00 WIB
    assert data["heatmap"]["total"] == len(issued)
    assert data["best_officers"][0]["officer"] == "ani"
    assert data["skm"]["overall"] is None
    agencies = {u["agency"] for u in data["utilisation"]}
    assert "DUKCAPIL" in agencies

    # another day holds none of it
    empty = httpx.get(f"{base}/api/v1/stats", params={"from": "2025-11-25", "to": "2025-11-25"},
                      headers=staff["sri"], timeout=10).json()
    assert empty["totals"]["issued"] == 0 and empty["by_agency"] == []


def test_officers_are_refused_and_bad_dates_are_invalid(server: Server,
                                                        database_url: str) -> None:
    staff = _world(server, database_url)
    officer = httpx.get(f"{server.url}/api/v1/stats", headers=staff["ani"], timeout=10)
    assert officer.status_code == 403
    assert officer.json()["error"]["code"] == "forbidden"
    assert httpx.get(f"{server.url}/api/v1/stats", timeout=10).status_code == 401
    for params in ({"from": "24-11-2025"}, {"from": "2025-11-25", "to": "2025-11-24"},
                   {"from": "2024-01-01", "to": "2025-11-24"}, {"to": "2025-02-30"}):
        bad = httpx.get(f"{server.url}/api/v1/stats", params=params, headers=staff["sri"],
                        timeout=10)
        assert bad.status_code == 422, params
        assert bad.json()["error"]["code"] == "invalid"
    export = httpx.get(f"{server.url}/api/v1/stats/export.csv", headers=staff["ani"], timeout=10)
    assert export.status_code == 403
    assert _rows(server.database_url, t.audit_log) == []


def test_every_export_is_logged_with_who_and_what(server: Server, database_url: str) -> None:
    staff = _world(server, database_url)
    _post(f"{server.url}/api/v1/tickets", service="KTP")
    params = {"from": DAY, "to": DAY}
    as_csv = httpx.get(f"{server.url}/api/v1/stats/export.csv", params=params,
                       headers=staff["sri"], timeout=10)
    assert as_csv.status_code == 200, as_csv.text
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Kelompok", "Kode", "Nama", "Tiket diambil"]
    assert rows[0][8] == "Tunggu rata-rata (menit)"
    assert rows[1][:4] == ["Semua", "", "Semua layanan", "1"]
    assert any(r[:3] == ["Layanan", "KTP", "KTP-el"] for r in rows)

    as_xlsx = httpx.get(f"{server.url}/api/v1/stats/export.xlsx", params=params,
                        headers=staff["sri"], timeout=10)
    assert as_xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(as_xlsx.content))
    assert book.sheetnames == ["Ringkasan", "Tiket", "SKM-IKM", "Kedatangan per jam",
                               "Petugas terbaik"]
    sheet = book["Ringkasan"]
    assert sheet.cell(1, 4).value == "Tiket diambil" and sheet.cell(2, 4).value == 1
    for each in book.worksheets:  # the header stays in view and is bold
        assert each.freeze_panes == "A2", each.title
        assert each.cell(1, 1).font.bold, each.title
    assert sheet.column_dimensions["I"].width >= len("Tunggu rata-rata (menit)") * 0.9
    tickets = book["Tiket"]
    assert [c.value for c in tickets[1]][:7] == ["Tanggal", "Nomor", "Instansi", "Layanan",
                                                  "Prioritas", "Saluran", "Status"]
    row = [c.value for c in tickets[2]]
    assert row[1:4] == ["A-001", "Dispendukcapil", "KTP-el"] and row[6] == "Menunggu"
    assert row[7].hour == 9  # issued at 09.00 WIB, written as the office's wall-clock time
    assert tickets.max_row == 2
    assert tickets.column_dimensions["D"].width >= len("KTP-el")

    log = _rows(server.database_url, t.audit_log)
    assert [(r.action, r.detail["format"], r.detail["from"]) for r in log] == [
        ("stats.export", "csv", DAY), ("stats.export", "xlsx", DAY)]
    assert all(r.user_id is not None for r in log)


def test_a_later_month_view_counts_closed_days_the_same_twice(
        server: Server, database_url: str, tmp_path: Path) -> None:
    staff = _world(server, database_url)
    for service in ("KTP", "KK", "NPWP"):
        _post(f"{server.url}/api/v1/tickets", service=service)
    ticket = _post(f"{server.url}/api/v1/counters/A1/call", staff["ani"]).json()["ticket"]
    _post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish", staff["ani"])
    later = tmp_path / "friday"
    later.mkdir()
    # four days on, the Monday is a closed day: the second answer comes from the kept records
    with start_server(server.database_url, SITE_FILE, later,
                      clock="2025-11-28T09:00:00+07:00") as friday:
        sri = sign_in(friday.url, "sri", None)
        params = {"from": DAY, "to": "2025-11-28"}
        answers = [httpx.get(f"{friday.url}/api/v1/stats", params=params, headers=sri,
                             timeout=10).json() for _ in range(2)]
    for data in answers:
        assert (data["totals"]["issued"], data["totals"]["served"]) == (3, 1)
        assert data["heatmap"]["grid"][0][9] == 3
    assert answers[0]["by_service"] == answers[1]["by_service"]


def _insert(database_url: str, table: t.Table, rows: list[dict[str, Any]]) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(insert(table), rows)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_live_state_flags_unstaffed_services_failed_printers_and_silent_screens(
        server: Server, database_url: str) -> None:
    staff = _world(server, database_url)
    waiting = _post(f"{server.url}/api/v1/tickets", service="NPWP").json()["ticket"]
    _post(f"{server.url}/api/v1/tickets", service="KTP")
    _post(f"{server.url}/api/v1/counters/A1/call", staff["ani"])
    [site] = _rows(server.database_url, t.sites)
    long_ago = datetime(2025, 11, 24, 1, 0, tzinfo=UTC)  # 08.00 WIB, an hour before "now"
    _insert(server.database_url, t.print_jobs, [{
        "id": "job-1", "site_id": site.id, "ticket_id": waiting["id"], "printer": "kiosk-1",
        "state": "failed", "attempts": 3, "error": "connection refused",
        "created_at": long_ago, "updated_at": datetime.now(UTC) + timedelta(days=-1)}])
    _insert(server.database_url, t.screens, [
        {"site_id": site.id, "client_id": "tv-3m3k10af7r", "kind": "display",
         "zone": "lobi-utama", "last_seen_at": long_ago, "state": "online"},
        {"site_id": site.id, "client_id": "tv-zzz", "kind": "display", "zone": "lobi-utama",
         "last_seen_at": datetime.now(UTC), "state": "online"},
        # a TV unplugged last week and the zone's announcement mark: no alerts
        {"site_id": site.id, "client_id": "tv-old", "kind": "display", "zone": "lantai-2",
         "last_seen_at": long_ago - timedelta(days=7), "state": "offline"},
        {"site_id": site.id, "client_id": "announcer:utama", "kind": "announcer",
         "zone": "utama", "last_seen_at": long_ago, "state": "online", "last_seq": 3}])

    answer = httpx.get(f"{server.url}/api/v1/supervisor/live", headers=staff["sri"], timeout=10)
    assert answer.status_code == 200, answer.text
    live = answer.json()
    counters = {c["code"]: c for c in live["counters"]}
    assert counters["A1"]["status"] == "serving" and counters["A1"]["officer"] == "ani"
    assert counters["A2"]["status"] == "idle" and counters["A3"]["status"] == "closed"
    queues = {q["service"]: q for q in live["queues"]}
    assert queues["NPWP"]["waiting"] == 1 and queues["NPWP"]["unstaffed"]
    assert not queues["KTP"]["unstaffed"] and queues["KTP"]["waiting"] == 0
    kinds = {a["kind"] for a in live["alerts"]}
    assert {"unstaffed_waiting", "printer_failed", "screen_offline"} <= kinds
    silent = [a for a in live["alerts"] if a["kind"] == "screen_offline"]
    assert [(a["screen"], a["place"]) for a in silent] == [
        ("tv-3m3k10af7r", "Layar TV · Lobi Utama 1")]
    assert [s["place"] for s in live["screens"]] == ["Layar TV · Lobi Utama 1",
                                                     "Layar TV · Lobi Utama 2"]
    fragment = httpx.get(f"{server.url}/supervisor/live", headers=staff["sri"], timeout=10)
    assert "Layar TV · Lobi Utama 1 tidak terhubung sejak 08.00" in fragment.text
    assert "tv-3m3k10af7r" not in fragment.text and "announcer" not in fragment.text
    assert "⚠" not in fragment.text and "<svg class=\"icon icon-screen\"" in fragment.text
    assert live["seq"] > 0
    refused = httpx.get(f"{server.url}/api/v1/supervisor/live", headers=staff["ani"], timeout=10)
    assert refused.status_code == 403
    # the page itself: an officer gets the sign-in form with a plain explanation
    page = httpx.get(f"{server.url}/supervisor", headers=staff["ani"], timeout=10)
    assert page.status_code == 200 and "bukan akun penyelia" in page.text
