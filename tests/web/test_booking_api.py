"""The online booking API of API.md on the in-process app: answers, error shapes in
Indonesian (English on request), the holder's token, and what is stored after each call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.settings import Settings, WhatsAppSecrets
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING
from tests.support.booking import booking_site, phone
from tests.support.staff import PASSWORD, add_users

FRIDAY = "2025-11-28"


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    site = booking_site(tmp_path)
    add_users(sqlite_url, site, {"kepala": "supervisor", "siti": "officer",
                                 "wilayah": "region"})
    settings = Settings.from_env(database_url=sqlite_url, site_file=site,
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def book(client: TestClient, n: int = 1, **changes: Any) -> Any:
    body = {"service": "KTP", "date": FRIDAY, "start": "09:00", "name": f"Warga {n}",
            "phone": phone(n), **changes}
    return client.post("/api/v1/bookings", json=body)


def bearer(client: TestClient, username: str, counter: str | None = None) -> dict[str, str]:
    answer = client.post("/api/v1/session", json={"username": username, "password": PASSWORD,
                                                  "counter": counter})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_slots_list_the_day_with_capacity_and_seats_left(client: TestClient) -> None:
    answer = client.get("/api/v1/slots", params={"service": "KTP", "date": FRIDAY})
    assert answer.status_code == 200
    slots = answer.json()["slots"]
    assert slots[0] == {"start": "08:00", "end": "08:30", "capacity": 3, "left": 3}
    assert slots[-1]["start"] == "10:00"  # Friday 08:00-11:00, cut-off 30 min
    closed = client.get("/api/v1/slots", params={"service": "KTP", "date": "2025-11-29"})
    assert closed.json()["slots"] == [] and closed.json()["next_open"] == "2025-12-01"


def test_booking_answers_201_with_code_token_and_manage_url(client: TestClient) -> None:
    answer = book(client)
    assert answer.status_code == 201
    made = answer.json()["booking"]
    assert {"code", "service", "date", "start", "status", "manage_token", "manage_url"} <= set(
        made)
    assert (made["service"], made["date"], made["start"], made["status"]) == (
        "KTP", FRIDAY, "09:00", "booked")
    assert len(made["code"]) == 6 and made["manage_url"].endswith(made["manage_token"])
    qr = client.get(f"/booking/qr/{made['code']}.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"


def test_the_holder_reads_and_cancels_with_the_manage_token_only(client: TestClient) -> None:
    made = book(client).json()["booking"]
    url = f"/api/v1/bookings/{made['code']}"
    holder = {"Authorization": f"Booking {made['manage_token']}"}
    assert client.get(url).status_code == 401
    refused = client.delete(url, headers={"Authorization": "Booking nope"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "booking_token"
    seen = client.get(url, headers=holder).json()["booking"]
    assert seen["name"] == "Warga 1" and seen["phone"] == "+6281200000001"
    cancelled = client.delete(url, headers=holder)
    assert cancelled.status_code == 200 and cancelled.json()["booking"]["status"] == "cancelled"
    again = client.delete(url, headers=holder)
    assert again.status_code == 409 and again.json()["error"]["code"] == "booking_not_active"
    slots = client.get("/api/v1/slots", params={"service": "KTP", "date": FRIDAY}).json()
    assert next(s for s in slots["slots"] if s["start"] == "09:00")["left"] == 3


def test_a_full_slot_answers_409_slot_full_in_indonesian(client: TestClient) -> None:
    for n in range(3):
        assert book(client, n).status_code == 201
    full = book(client, 9)
    assert full.status_code == 409
    error = full.json()["error"]
    assert error["code"] == "slot_full" and "sudah penuh" in error["message"]
    english = client.post("/api/v1/bookings?lang=en", json={
        "service": "KTP", "date": FRIDAY, "start": "09:00", "name": "X", "phone": phone(9)})
    assert "is full" in english.json()["error"]["message"]


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"phone": "021 555 0100"}, "invalid_phone", "bukan nomor seluler Indonesia"),
    ({"date": "28/11/2025"}, "invalid_date", "Tanggal"),
    ({"name": ""}, "invalid_name", "Nama wajib diisi"),
    ({"service": "NOPE"}, "unknown_service", "tidak dikenal"),
    ({"start": 900}, "invalid", "JJ:MM"),
])
def test_bad_input_answers_422_in_indonesian_and_stores_nothing(
        client: TestClient, change: dict[str, Any], code: str, words: str) -> None:
    answer = book(client, **change)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == code and words in answer.json()["error"]["message"]
    supervisor = bearer(client, "kepala")
    day = client.get("/api/v1/bookings", params={"date": FRIDAY}, headers=supervisor).json()
    assert day["services"] == [] and day["totals"] == {}


def test_a_double_tap_with_one_idempotency_key_is_one_booking(client: TestClient) -> None:
    body = {"service": "KTP", "date": FRIDAY, "start": "09:00", "name": "Budi",
            "phone": "081298765432"}
    first = client.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "tap-7"})
    second = client.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "tap-7"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["booking"]["code"] == second.json()["booking"]["code"]
    assert "manage_token" not in second.json()["booking"]
    limit = client.post("/api/v1/bookings", json={**body, "start": "10:00"})
    assert limit.status_code == 409 and limit.json()["error"]["code"] == "phone_service_limit"


def test_check_in_too_early_names_the_window_then_an_officer_checks_in(
        client: TestClient) -> None:
    made = book(client).json()["booking"]
    early = client.post(f"/api/v1/bookings/{made['code']}/check-in")
    assert early.status_code == 409
    error = early.json()["error"]
    assert error["code"] == "too_early"
    assert error["message"] == ("Terlalu awal: check-in pesanan " + made["code"] + " dibuka pada "
                                "28-11-2025 pukul 08.30 sampai 09.15.")
    assert error["checkin_from"].startswith("2025-11-28T08:30")

    today = book(client, 2, date="2025-11-24", start="09:30").json()["booking"]
    officer = bearer(client, "siti", "A1")
    checked = client.post(f"/api/v1/bookings/{today['code']}/check-in", headers=officer)
    assert checked.status_code == 201
    ticket = checked.json()["ticket"]
    assert ticket["status"] == "waiting" and ticket["number"].startswith("A-")
    supervisor = bearer(client, "kepala")
    day = client.get("/api/v1/bookings", headers=supervisor).json()  # today by default
    listed = day["services"][0]["bookings"][0]
    assert (listed["status"], listed["name"], listed["ticket_id"]) == (
        "checked_in", "Warga 2", ticket["id"])
    assert client.get("/api/v1/bookings", headers=officer).status_code == 403
    blank = client.get("/api/v1/bookings?date=", headers=supervisor)
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "invalid_date"


def test_booking_is_refused_where_the_site_takes_none(app_db: str) -> None:
    from tests.conftest import SITE_FILE

    settings = Settings.from_env(database_url=app_db, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)) as plain:
        answer = plain.get("/api/v1/slots", params={"service": "KTP", "date": FRIDAY})
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "booking_disabled"
        page = plain.get("/booking")
        assert page.status_code == 200 and "belum menerima antrean online" in page.text


# (The words themselves are in the page's text table either way, for the script.)
WHATSAPP_BOX = '<label for="whatsapp">Kirimi saya konfirmasi dan pengingat lewat WhatsApp</label>'


def test_without_a_whatsapp_number_the_page_offers_no_box_and_the_wish_is_ignored(
        client: TestClient) -> None:
    page = client.get("/booking")
    assert page.status_code == 200 and "Nama lengkap" in page.text
    assert WHATSAPP_BOX not in page.text and 'id="whatsapp"' not in page.text
    assert book(client, whatsapp=True).status_code == 201
    assert book(client, 2, whatsapp="ya").status_code == 422  # still checked: a wrong type


def test_with_a_whatsapp_number_the_page_offers_the_box_in_both_languages(
        sqlite_url: str, tmp_path: Path) -> None:
    site = booking_site(tmp_path)
    site.write_text(site.read_text(encoding="utf-8") + '\n[whatsapp]\napi_base_url = '
                    '"http://127.0.0.1:9"\nphone_number_id = "1"\n', encoding="utf-8")
    settings = Settings.from_env(database_url=sqlite_url, site_file=site,
                                 clock_start=MONDAY_MORNING,
                                 whatsapp=WhatsAppSecrets(token="t", app_secret="s",
                                                          verify_token="v"))
    with TestClient(create_app(settings)) as with_whatsapp:
        page = with_whatsapp.get("/booking")
        english = with_whatsapp.get("/booking?lang=en")
    assert WHATSAPP_BOX in page.text and 'type="checkbox"' in page.text
    assert ('<label for="whatsapp">Send me a confirmation and a reminder on WhatsApp</label>'
            in english.text)


def test_statistics_count_online_walk_in_and_no_shows_and_the_dashboard_lists_today(
        client: TestClient) -> None:
    checked = book(client, 1, date="2025-11-24", start="09:30").json()["booking"]
    book(client, 2, date="2025-11-24", start="10:00")
    assert client.post(f"/api/v1/bookings/{checked['code']}/check-in").status_code == 201
    assert client.post("/api/v1/tickets", json={"service": "KTP"}).status_code == 201
    supervisor = bearer(client, "kepala")
    figures = client.get("/api/v1/stats", params={"from": "2025-11-24", "to": "2025-11-24"},
                         headers=supervisor).json()["online"]
    assert figures == {"online_tickets": 1, "walk_in_tickets": 1, "bookings": 2,
                       "checked_in": 1, "no_show": 0, "cancelled": 0, "booked": 1}
    page = client.get("/supervisor", headers=supervisor)
    assert "Antrean online hari ini" in page.text
    assert "Warga 1" in page.text and "+6281200000002" in page.text
    # The province may look at the dashboard, never at visitors' names and phones.
    region = client.get("/supervisor", headers=bearer(client, "wilayah"))
    assert region.status_code == 200 and 'id="live"' in region.text  # the live tab
    assert "Warga 1" not in region.text and "+62812" not in region.text
    assert client.get("/api/v1/bookings", headers=bearer(client, "wilayah")).status_code == 403


def test_the_officer_who_calls_a_booked_visitor_sees_their_name_and_no_one_else_does(
        client: TestClient) -> None:
    made = book(client, 5, date="2025-11-24", start="09:30").json()["booking"]
    ticket = client.post(f"/api/v1/bookings/{made['code']}/check-in").json()["ticket"]
    assert "visitor" not in ticket and "Warga" not in str(ticket)
    walk_in = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    officer = bearer(client, "siti", "A1")
    # The walk-in came at 09:00, before the 09:30 slot: called first, and has no name.
    first = client.post("/api/v1/counters/A1/call", headers=officer).json()["ticket"]
    assert first["id"] == walk_in["id"] and first["visitor"] is None
    client.post(f"/api/v1/tickets/{walk_in['id']}/finish", headers=officer)
    called = client.post("/api/v1/counters/A1/call", headers=officer).json()["ticket"]
    assert called["id"] == ticket["id"]
    assert called["visitor"] == {"name": "Warga 5", "booking": made["code"], "slot": "09:30"}
    current = client.get("/api/v1/counters/A1/current", headers=officer).json()["ticket"]
    assert current["visitor"]["name"] == "Warga 5"
    public = client.get(f"/api/v1/tickets/{ticket['id']}").json()["ticket"]
    assert "visitor" not in public and "Warga" not in str(public)
