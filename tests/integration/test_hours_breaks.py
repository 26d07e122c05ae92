"""Opening hours, holidays, quotas, end-of-day expiry and breaks against real servers with a
moved clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import httpx
import pytest

from queue_server.domain.schedule import holiday
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import start_server
from tests.support.staff import add_users, sign_in
from tests.support.waiting import wait_until

FRIDAY_AFTER_CLOSE = "2025-11-21T11:05:00+07:00"
#: Christmas Day 2025, a Thursday: a public holiday from the holidays package.
CHRISTMAS = "2025-12-25T09:00:00+07:00"
TUESDAY_MORNING = "2025-11-25T09:00:00+07:00"
EN = {"Accept-Language": "en"}


def _ticket(url: str, service: str = "KTP", headers: dict[str, str] | None = None
            ) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/tickets", json={"service": service}, headers=headers,
                      timeout=10)


def test_friday_after_closing_refuses_tickets_until_monday_morning(
        database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, SITE_FILE, tmp_path, clock=FRIDAY_AFTER_CLOSE) as srv:
        answer = _ticket(srv.url)
        english = _ticket(srv.url, headers=EN)
        services = httpx.get(f"{srv.url}/api/v1/services", timeout=10).json()
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "closed"
    assert error["next_open"] == "2025-11-24T08:00:00+07:00"
    assert error["message"] == "Layanan dibuka kembali Senin, 24 November 2025 pukul 08.00 WIB."
    assert english.json()["error"]["message"] == (
        "Service reopens on Monday, 24 November 2025 at 08:00 WIB.")
    ktp = next(s for a in services["agencies"] for s in a["services"] if s["code"] == "KTP")
    assert ktp["open_now"] is False and ktp["closed_reason"] == "closed"


def test_a_national_holiday_refuses_tickets_with_its_name(
        database_url: str, tmp_path: Path) -> None:
    name = holiday(dt.date(2025, 12, 25))
    assert name is not None and name[1] == "public"
    with start_server(database_url, SITE_FILE, tmp_path, clock=CHRISTMAS) as srv:
        answer = _ticket(srv.url)
    error = answer.json()["error"]
    assert answer.status_code == 409 and error["code"] == "holiday"
    assert error["holiday"] == name[0]
    assert error["next_open"] == "2025-12-29T08:00:00+07:00"  # 26 Dec is cuti bersama
    assert error["message"].startswith(f"Hari ini libur nasional ({name[0]}). ")
    assert error["message"].endswith("Senin, 29 Desember 2025 pukul 08.00 WIB.")


def test_after_the_cutoff_no_tickets_but_earlier_ones_are_still_called(
        database_url: str, tmp_path: Path) -> None:
    add_users(database_url, SITE_FILE, {"oA1": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock="2025-11-24T13:20:00+07:00"
                      ) as srv:
        early = _ticket(srv.url)
        assert early.status_code == 201, early.text
    with start_server(database_url, SITE_FILE, tmp_path, clock="2025-11-24T13:40:00+07:00"
                      ) as srv:
        late = _ticket(srv.url)
        headers = sign_in(srv.url, "oA1", "A1")
        called = httpx.post(f"{srv.url}/api/v1/counters/A1/call", headers=headers, timeout=10)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "closed"
    assert "ditutup pukul 13.30 WIB" in late.json()["error"]["message"]
    assert called.status_code == 200
    assert called.json()["ticket"]["id"] == early.json()["ticket"]["id"]


def test_quota_of_three_gives_three_tickets_then_quota_exhausted(
        database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        answers = [_ticket(srv.url, "AKTA") for _ in range(4)]
        english = _ticket(srv.url, "AKTA", headers=EN)
    assert [a.status_code for a in answers] == [201, 201, 201, 409]
    assert answers[3].json()["error"]["code"] == "quota_exhausted"
    assert "Kuota harian layanan Akta Kelahiran sudah habis" in answers[3].json()["error"][
        "message"]
    assert english.json()["error"]["message"].startswith("Today's quota for Akta Kelahiran")


async def test_ten_kiosks_at_once_get_exactly_the_quota_of_three(
        database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*(
                client.post(f"{srv.url}/api/v1/tickets", json={"service": "AKTA"})
                for _ in range(10)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * 7
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
        "quota_exhausted"}
    assert sorted(a.json()["ticket"]["number"] for a in answers if a.status_code == 201) == [
        "A-001", "A-002", "A-003"]


def test_tickets_left_at_the_end_of_the_day_are_expired_not_deleted(
        database_url: str, tmp_path: Path) -> None:
    add_users(database_url, SITE_FILE, {"oA1": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        ids = [_ticket(srv.url).json()["ticket"]["id"] for _ in range(3)]
        headers = sign_in(srv.url, "oA1", "A1")
        first = httpx.post(f"{srv.url}/api/v1/counters/A1/call", headers=headers, timeout=10)
        httpx.post(f"{srv.url}/api/v1/tickets/{ids[0]}/finish", headers=headers, timeout=10)
        second = httpx.post(f"{srv.url}/api/v1/counters/A1/call", headers=headers, timeout=10)
        assert first.status_code == second.status_code == 200
    with start_server(database_url, SITE_FILE, tmp_path, clock=TUESDAY_MORNING) as srv:
        def statuses() -> list[str]:
            return [httpx.get(f"{srv.url}/api/v1/tickets/{i}", timeout=10).json()["ticket"]
                    ["status"] for i in ids]

        # The day is closed by the server's background job once it has started.
        wait_until(lambda: statuses() == ["done", "expired", "expired"],
                   what="yesterday's open tickets to expire")
        fresh = _ticket(srv.url).json()["ticket"]
    assert fresh["number"] == "A-001" and fresh["status"] == "waiting"


# --- breaks ---------------------------------------------------------------------------------


def _post(url: str, path: str, headers: dict[str, str], body: dict | None = None,
          lang: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=body or {}, headers={**headers, **(lang or {})},
                      timeout=10)


@pytest.fixture
def staffed(database_url: str, tmp_path: Path):
    add_users(database_url, SITE_FILE, {"oA1": "officer", "oA2": "officer", "oA3": "officer",
                                        "oB1": "officer", "kepala": "supervisor"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        headers = {c: sign_in(srv.url, f"o{c}", c) for c in ("A1", "A2", "A3")}
        yield srv, headers


async def test_the_only_two_counters_of_a_service_asking_at_once_one_is_queued(staffed) -> None:
    srv, headers = staffed
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(
            client.post(f"{srv.url}/api/v1/counters/{c}/break", json={"minutes": 30},
                        headers=headers[c]) for c in ("A1", "A2")))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    by_counter = {c: a.json()["break"] for c, a in zip(("A1", "A2"), answers, strict=True)}
    states = sorted(b["state"] for b in by_counter.values())
    assert states == ["granted", "queued"]
    resting = next(c for c, b in by_counter.items() if b["state"] == "granted")
    waiting = next(c for c, b in by_counter.items() if b["state"] == "queued")
    assert by_counter[resting]["until"].startswith("2025-11-24T09:3")
    assert by_counter[waiting]["until"] is None and by_counter[waiting]["position"] == 1
    assert "AKTA" in by_counter[waiting]["reason"]
    assert by_counter[waiting]["blocked_services"] == ["AKTA"]

    counters = {c["code"]: c["state"] for c in httpx.get(
        f"{srv.url}/api/v1/counters", timeout=10).json()["counters"]}
    assert counters[resting] == "break" and counters[waiting] == "open"
    call = _post(srv.url, f"/api/v1/counters/{resting}/call", headers[resting])
    assert call.status_code == 409 and call.json()["error"]["code"] == "counter_on_break"
    assert httpx.get(f"{srv.url}/api/v1/breaks", timeout=10).status_code == 401
    listed = httpx.get(f"{srv.url}/api/v1/breaks", headers=headers[waiting], timeout=10).json()
    assert [b["counter"] for b in listed["breaks"]] == [resting]
    assert [q["counter"] for q in listed["queue"]] == [waiting]

    back = _post(srv.url, f"/api/v1/counters/{resting}/resume", headers[resting])
    assert back.status_code == 200, back.text
    assert back.json()["break"]["state"] == "ended"
    assert back.json()["break"]["granted"] == [waiting]
    counters = {c["code"]: c["state"] for c in httpx.get(
        f"{srv.url}/api/v1/counters", timeout=10).json()["counters"]}
    assert counters[resting] == "open" and counters[waiting] == "break"
    listed = httpx.get(f"{srv.url}/api/v1/breaks", headers=headers[resting], timeout=10).json()
    assert [b["counter"] for b in listed["breaks"]] == [waiting] and listed["queue"] == []


def test_a_counter_that_alone_serves_a_service_is_refused_in_english_too(
        staffed, database_url: str) -> None:
    srv, _ = staffed
    b1 = sign_in(srv.url, "oB1", "B1")
    refused = _post(srv.url, "/api/v1/counters/B1/break", b1, {"minutes": 15}, EN)
    assert refused.status_code == 200
    body = refused.json()["break"]
    assert body["state"] == "refused" and body["until"] is None
    assert body["reason"] == ("Counter B1 can never take a break: service NPWP is served only "
                              "by this counter")
    indonesian = _post(srv.url, "/api/v1/counters/B1/break", b1, {"minutes": 15})
    assert indonesian.json()["break"]["reason"].startswith("Loket B1 tidak bisa istirahat")


def test_an_officer_may_ask_for_a_break_only_at_their_own_counter(staffed) -> None:
    srv, headers = staffed
    answer = _post(srv.url, "/api/v1/counters/A2/break", headers["A1"], {"minutes": 15})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "wrong_counter"
    anonymous = httpx.post(f"{srv.url}/api/v1/counters/A2/break", json={}, timeout=10)
    assert anonymous.status_code == 401
    bad = _post(srv.url, "/api/v1/counters/A1/break", headers["A1"], {"minutes": "lama"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "minutes"
    nothing = _post(srv.url, "/api/v1/counters/A1/resume", headers["A1"])
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "not_on_break"


def test_a_queued_break_is_granted_when_another_officer_signs_in(
        database_url: str, tmp_path: Path) -> None:
    add_users(database_url, SITE_FILE, {"oA1": "officer", "oA2": "officer", "oA3": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        a1 = sign_in(srv.url, "oA1", "A1")
        sign_in(srv.url, "oA3", "A3")
        queued = _post(srv.url, "/api/v1/counters/A1/break", a1, {"minutes": 20}).json()
        assert queued["break"]["state"] == "queued"  # A1 alone serves AKTA right now
        assert "AKTA" in queued["break"]["reason"]
        twice = _post(srv.url, "/api/v1/counters/A1/break", a1, {"minutes": 20}).json()
        assert twice["break"]["state"] == "refused"
        sign_in(srv.url, "oA2", "A2")  # AKTA is covered by A2 now
        listed: dict = {}
        for _ in range(50):  # granted by the server on its own, within seconds
            listed = httpx.get(f"{srv.url}/api/v1/breaks", headers=a1, timeout=10).json()
            if listed["breaks"]:
                break
            time.sleep(0.1)
        assert [b["counter"] for b in listed["breaks"]] == ["A1"] and listed["queue"] == []
        counters = {c["code"]: c["state"] for c in httpx.get(
            f"{srv.url}/api/v1/counters", timeout=10).json()["counters"]}
        assert counters["A1"] == "break"


def test_rotation_plan_keeps_every_service_covered_and_is_adopted_by_the_supervisor(
        staffed) -> None:
    srv, headers = staffed
    answer = httpx.get(f"{srv.url}/api/v1/rotation-plan", params={"date": "2025-11-24"},
                       headers=headers["A1"], timeout=10)
    assert answer.status_code == 200, answer.text
    plan = answer.json()["rotation_plan"]
    assert plan["feasible"] is True and plan["basis"] == "staffed"
    entries = {e["counter"]: e for e in plan["entries"]}
    assert set(entries) == {"A1", "A2", "A3"}
    assert entries["A1"]["start"] != entries["A2"]["start"]  # AKTA has only A1 and A2
    assert all(e["start"][10:16] >= "T11:30" and e["end"][11:16] <= "13:30"
               for e in plan["entries"])
    officer_adopts = _post(srv.url, "/api/v1/rotation-plan/adopt", headers["A1"])
    assert officer_adopts.status_code == 403
    boss = sign_in(srv.url, "kepala", None)
    adopted = _post(srv.url, "/api/v1/rotation-plan/adopt", boss, {"date": "2025-11-24"})
    assert adopted.status_code == 200, adopted.text
    again = httpx.get(f"{srv.url}/api/v1/rotation-plan", params={"date": "2025-11-24"},
                      headers=boss, timeout=10).json()["rotation_plan"]
    assert again["adopted"]["entries"] == plan["entries"]

    b1 = sign_in(srv.url, "oB1", "B1")
    impossible = httpx.get(f"{srv.url}/api/v1/rotation-plan", headers=b1, timeout=10).json()
    problem = impossible["rotation_plan"]["problem"]
    assert problem["service"] == "NPWP"
    assert problem["reason"].startswith("Layanan NPWP hanya dilayani 1 loket")
    refused = _post(srv.url, "/api/v1/rotation-plan/adopt", boss)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "rotation_impossible"
    assert refused.json()["error"]["message"].startswith("Layanan NPWP")


def test_friday_has_no_break_window_after_closing(staffed) -> None:
    srv, headers = staffed
    plan = httpx.get(f"{srv.url}/api/v1/rotation-plan", params={"date": "2025-11-28"},
                     headers=headers["A1"], timeout=10).json()["rotation_plan"]
    assert plan["entries"] == [] and plan["problem"] is None
    assert plan["note"] == "Tidak ada jendela istirahat pada hari ini (jam layanan 08.00–11.00)"


def _events(database_url: str, type_: str) -> list[dict]:
    from sqlalchemy import select

    from queue_server.store import tables as t
    from queue_server.store.db import create_engine

    async def run() -> list[dict]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(select(t.events.c.payload).where(
                    t.events.c.type == type_).order_by(t.events.c.seq))).scalars().all()
        finally:
            await engine.dispose()
        return list(rows)

    return asyncio.run(run())


def test_the_day_closes_by_itself_an_hour_after_closing_time(
        database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        ticket = _ticket(srv.url).json()["ticket"]
    with start_server(database_url, SITE_FILE, tmp_path, clock="2025-11-24T14:59:58+07:00"
                      ) as srv:
        assert httpx.get(f"{srv.url}/api/v1/tickets/{ticket['id']}",
                         timeout=10).json()["ticket"]["status"] == "waiting"
        status = "waiting"
        for _ in range(60):  # the closer wakes at 15.00 WIB, two seconds from the start
            status = httpx.get(f"{srv.url}/api/v1/tickets/{ticket['id']}",
                               timeout=10).json()["ticket"]["status"]
            if status != "waiting":
                break
            time.sleep(0.1)
    assert status == "expired"
    expired = _events(database_url, "queue.expired")
    assert [(e["service"], e["count"], e["tickets"]) for e in expired] == [
        ("KTP", 1, [ticket["id"]])]


def test_a_break_that_runs_over_raises_one_alert(database_url: str, tmp_path: Path) -> None:
    add_users(database_url, SITE_FILE, {"oA1": "officer", "oA3": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        sign_in(srv.url, "oA1", "A1")  # covers KTP and KK while A3 rests
        a3 = sign_in(srv.url, "oA3", "A3")
        granted = _post(srv.url, "/api/v1/counters/A3/break", a3, {"minutes": 5}).json()
        assert granted["break"]["state"] == "granted"
        assert httpx.get(f"{srv.url}/api/v1/breaks", headers=a3, timeout=10).json()[
            "breaks"][0]["overdue"] is False
    for _ in range(2):  # a second start-up must not raise the alert again
        with start_server(database_url, SITE_FILE, tmp_path, clock="2025-11-24T09:20:00+07:00"
                          ) as srv:
            listed = httpx.get(f"{srv.url}/api/v1/breaks", headers=a3, timeout=10).json()
            for _ in range(50):
                if _events(database_url, "break.overdue"):
                    break
                time.sleep(0.1)
    assert listed["breaks"][0]["counter"] == "A3" and listed["breaks"][0]["overdue"] is True
    alerts = _events(database_url, "break.overdue")
    assert [a["counter"] for a in alerts] == ["A3"] and alerts[0]["late_minutes"] in {14, 15}
