"""The administration API: edits are live at once, checked like a site file, versioned,
guarded, audited, and only for administrators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.site import load_site
from queue_server.sitecheck import check_site
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import PASSWORD, add_users, cheap_passwords

NEW_SERVICE = {"agency": "DUKCAPIL", "name": "Surat Pindah", "name_en": "Moving letter",
               "persyaratan": ["KTP-el", "Kartu Keluarga"], "biaya": "Gratis",
               "waktu": "1 hari kerja", "produk": "Surat pindah", "daily_quota": 40,
               "target_wait_minutes": 20, "active": True}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    url = sqlite_url
    add_users(url, SITE_FILE, {"siti": "officer", "kepala": "supervisor", "admin1": "admin",
                               "admin2": "admin"})
    return url


def _app(url: str) -> TestClient:
    settings = Settings.from_env(database_url=url, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    return TestClient(create_app(settings))


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with _app(db_url) as test_client:
        cheap_passwords(test_client.app)
        yield test_client


def _bearer(client: TestClient, user: str, counter: str | None = None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def _services(client: TestClient) -> dict[str, dict[str, Any]]:
    data = client.get("/api/v1/services").json()
    return {s["code"]: s for a in data["agencies"] for s in a["services"]}


def test_a_new_service_assigned_to_a_counter_is_issued_and_called_without_a_restart(
        client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    made = client.put("/api/v1/admin/services/PINDAH", json=NEW_SERVICE, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["service"]["standard"]["persyaratan"] == ["KTP-el", "Kartu Keluarga"]
    listed = _services(client)["PINDAH"]
    assert listed["prefix"] == "A" and listed["daily_quota"] == 40
    assert listed["standard"]["jangka_waktu"] == "1 hari kerja"

    counter = client.put("/api/v1/admin/counters/A3", json={"services": ["PINDAH"]},
                         headers=admin)
    assert counter.status_code == 200, counter.text
    counters = {c["code"]: c for c in client.get("/api/v1/counters").json()["counters"]}
    assert counters["A3"]["services"] == ["PINDAH"]

    ticket = client.post("/api/v1/tickets", json={"service": "PINDAH"})
    assert ticket.status_code == 201, ticket.text
    officer = _bearer(client, "siti", "A3")
    called = client.post("/api/v1/counters/A3/call", headers=officer)
    assert called.status_code == 200, called.text
    assert called.json()["ticket"]["id"] == ticket.json()["ticket"]["id"]


def test_an_edit_survives_a_restart_and_the_site_file_only_seeds(db_url: str) -> None:
    with _app(db_url) as client:
        admin = _bearer(client, "admin1")
        answer = client.put("/api/v1/admin/services/KK", json={"name": "Kartu Keluarga Baru"},
                            headers=admin)
        assert answer.status_code == 200, answer.text
    with _app(db_url) as client:
        assert _services(client)["KK"]["name"] == "Kartu Keluarga Baru"
        site = client.get("/api/v1/admin/site", headers=_bearer(client, "kepala")).json()
        assert site["version"] == 2


def test_officers_may_not_read_or_edit_and_supervisors_only_read(client: TestClient) -> None:
    _error(client.get("/api/v1/admin/site"), 401, "unauthorized")
    officer = _bearer(client, "siti", "A1")
    _error(client.get("/api/v1/admin/site", headers=officer), 403, "forbidden")
    _error(client.get("/api/v1/admin/users", headers=officer), 403, "forbidden")
    _error(client.put("/api/v1/admin/services/KK", json={"name": "X"}, headers=officer),
           403, "forbidden")
    supervisor = _bearer(client, "kepala")
    assert client.get("/api/v1/admin/site", headers=supervisor).status_code == 200
    assert client.get("/api/v1/admin/audit", headers=supervisor).status_code == 200
    _error(client.put("/api/v1/admin/notices", json={"notices": ["x"]}, headers=supervisor),
           403, "forbidden")
    _error(client.post("/api/v1/admin/users", headers=supervisor, json={
        "username": "baru", "role": "admin", "password": "sangat-rahasia-1"}), 403, "forbidden")
    assert _services(client)["KK"]["name"] == "Kartu Keluarga"


def test_cookie_writes_need_the_csrf_token(client: TestClient) -> None:
    answer = client.post("/api/v1/session", json={"username": "admin1", "password": PASSWORD,
                                                  "counter": None})
    assert answer.status_code == 200
    _error(client.put("/api/v1/admin/notices", json={"notices": ["x"]}), 403, "csrf")
    csrf = client.get("/api/v1/session").json().get("csrf_token")
    assert csrf
    ok = client.put("/api/v1/admin/notices", json={"notices": ["Selamat datang."]},
                    headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text


def test_an_invalid_edit_is_refused_with_the_site_checks_findings(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    bad = {**NEW_SERVICE, "prefix": "a1", "daily_quota": 0}
    error = _error(client.put("/api/v1/admin/services/PINDAH", json=bad, headers=admin),
                   422, "config_invalid")
    paths = {f["path"] for f in error["findings"]}
    # The very findings `loket config check` gives for the same document.
    document = load_site(SITE_FILE).document
    document["agencies"][0]["services"].append(
        {"code": "PINDAH", "name": "Surat Pindah", "queue": "a1", "daily_quota": 0})
    expected = {f.path for f in check_site(document) if f.is_error}
    assert paths == expected
    assert paths == {"agencies[0].services[3].queue", "agencies[0].services[3].daily_quota"}
    assert "PINDAH" not in _services(client)
    _error(client.put("/api/v1/admin/counters/A1", json={"services": ["NOPE"]}, headers=admin),
           422, "config_invalid")
    _error(client.put("/api/v1/admin/services/KK", json={"colour": "red"}, headers=admin),
           422, "invalid")
    english = client.put("/api/v1/admin/services/KK?lang=en", json={"target_wait_minutes": -1},
                         headers=admin)
    assert "target_wait_minutes" in _error(english, 422, "config_invalid")["message"]


def test_a_stale_version_is_refused_with_what_changed(client: TestClient) -> None:
    first, second = _bearer(client, "admin1"), _bearer(client, "admin2")
    version = client.get("/api/v1/admin/site", headers=first).json()["version"]
    ok = client.put("/api/v1/admin/services/KK", json={"name": "KK (admin 1)"},
                    headers={**first, "If-Match": f'"{version}"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == f'"{version + 1}"'
    late = client.put("/api/v1/admin/services/KK", json={"name": "KK (admin 2)"},
                      headers={**second, "If-Match": str(version)})
    error = _error(late, 409, "conflict")
    assert error["current_version"] == version + 1
    assert [(c["user"], c["target"]) for c in error["changes"]] == [("admin1", "service:KK")]
    assert error["changes"][0]["after"]["name"] == "KK (admin 1)"
    assert _services(client)["KK"]["name"] == "KK (admin 1)"
    _error(client.put("/api/v1/admin/notices", json={"notices": []},
                      headers={**second, "If-Match": "abc"}), 422, "bad_version")


def test_a_service_with_waiting_tickets_is_deactivated_not_deleted(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    waiting = client.post("/api/v1/tickets", json={"service": "KK"}).json()["ticket"]
    error = _error(client.delete("/api/v1/admin/services/KK", headers=admin), 409,
                   "service_has_waiting")
    assert error["waiting"] == 1
    off = client.put("/api/v1/admin/services/KK", json={"active": False}, headers=admin)
    assert off.status_code == 200, off.text
    assert "KK" not in _services(client)
    _error(client.post("/api/v1/tickets", json={"service": "KK"}), 409, "service_inactive")
    officer = _bearer(client, "siti", "A1")
    called = client.post("/api/v1/counters/A1/call", headers=officer)
    assert called.json()["ticket"]["id"] == waiting["id"]
    client.post(f"/api/v1/tickets/{waiting['id']}/start", headers=officer)
    client.post(f"/api/v1/tickets/{waiting['id']}/finish", headers=officer)
    gone = client.delete("/api/v1/admin/services/KK", headers=admin)
    assert gone.status_code == 200, gone.text
    counters = {c["code"]: c for c in client.get("/api/v1/counters").json()["counters"]}
    assert "KK" not in counters["A1"]["services"]


def test_a_counter_with_an_officer_signed_in_is_not_removed(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    _bearer(client, "siti", "A2")
    error = _error(client.delete("/api/v1/admin/counters/A2", headers=admin), 409,
                   "counter_occupied")
    assert error["counter"] == "A2"
    _error(client.put("/api/v1/admin/counters/A2", json={"active": False}, headers=admin),
           409, "counter_occupied")
    renamed = client.put("/api/v1/admin/counters/A2", json={"name": "Loket Dua"},
                         headers=admin)
    assert renamed.status_code == 200, renamed.text
    assert client.delete("/api/v1/admin/counters/A3", headers=admin).status_code == 200
    codes = {c["code"] for c in client.get("/api/v1/counters").json()["counters"]}
    assert "A3" not in codes and "A2" in codes


def test_closing_the_office_today_closes_the_kiosk_until_the_closure_is_removed(
        client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    made = client.post("/api/v1/admin/closures", headers=admin, json={
        "from": "2025-11-24", "to": "2025-11-25", "reason": "Cuti bersama", "hours": None})
    assert made.status_code == 201, made.text
    closure = made.json()["closure"]
    assert closure["id"] == "2025-11-24" and closure["to"] == "2025-11-25"
    assert not _services(client)["KTP"]["open_now"]
    closed = client.post("/api/v1/tickets", json={"service": "KTP"})
    assert closed.status_code == 409 and closed.json()["error"]["next_open"].startswith(
        "2025-11-26")
    _error(client.post("/api/v1/admin/closures", headers=admin, json={
        "from": "2025-11-25", "hours": "08:00-12:00"}), 422, "config_invalid")
    removed = client.delete("/api/v1/admin/closures/2025-11-24", headers=admin)
    assert removed.status_code == 200, removed.text
    assert _services(client)["KTP"]["open_now"]
    _error(client.delete("/api/v1/admin/closures/2025-11-24", headers=admin), 404,
           "unknown_closure")


def test_ramadan_hours_are_one_closure_with_hours(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    made = client.post("/api/v1/admin/closures", headers=admin, json={
        "from": "2025-11-24", "to": "2025-12-19", "reason": "Jam Ramadan",
        "hours": "08:00-12:00"})
    assert made.status_code == 201, made.text
    site = client.get("/api/v1/admin/site", headers=admin).json()
    assert site["hours"]["overrides"] == [{"date": "2025-11-24", "to": "2025-12-19",
                                           "hours": "08:00-12:00", "reason": "Jam Ramadan"}]
    assert site["closures"][0]["hours"] == "08:00-12:00"


def test_notices_agencies_and_printers(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    notices = client.put("/api/v1/admin/notices", headers=admin,
                         json={"notices": ["Antrean dibuka pukul 08.00.", "Gratis."]})
    assert notices.status_code == 200
    assert notices.json()["notices"] == {"notices": ["Antrean dibuka pukul 08.00.", "Gratis."],
                                         "maklumat": "Kami siap melayani."}
    agency = client.put("/api/v1/admin/agencies/PDAM", headers=admin, json={
        "name": "PDAM", "full_name": "Perumda Air Minum", "kind": "city", "prefix": "P"})
    assert agency.status_code == 201, agency.text
    assert agency.json()["agency"]["kind"] == "daerah"
    service = client.put("/api/v1/admin/services/PASANG", headers=admin, json={
        "agency": "PDAM", "name": "Pasang baru"})
    assert service.status_code == 201, service.text
    by_agency = {a["code"]: a for a in client.get("/api/v1/services").json()["agencies"]}
    assert by_agency["PDAM"]["name"] == "Perumda Air Minum"
    assert [s["code"] for s in by_agency["PDAM"]["services"]] == ["PASANG"]
    printer = client.put("/api/v1/admin/printers/lobi", headers=admin,
                         json={"kind": "network", "host": "192.0.2.10", "port": 9100})
    assert printer.status_code == 201, printer.text
    _error(client.put("/api/v1/admin/printers/lobi", headers=admin, json={"port": 70000}),
           422, "config_invalid")
    site = client.get("/api/v1/admin/site", headers=admin).json()
    assert site["site"]["notices"] == ["Antrean dibuka pukul 08.00.", "Gratis."]
    assert site["printers"][-1]["host"] == "192.0.2.10"


def test_every_change_is_in_the_audit_log_with_before_and_after(client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    client.put("/api/v1/admin/services/KK", json={"daily_quota": 50}, headers=admin)
    client.post("/api/v1/admin/users", headers=admin, json={
        "username": "rina", "full_name": "Rina", "role": "officer",
        "password": "sangat-rahasia-1"})
    entries = client.get("/api/v1/admin/audit?from=2025-11-24&to=2025-11-24",
                         headers=_bearer(client, "kepala")).json()["entries"]
    by_action = {e["action"]: e for e in entries}
    service = by_action["service.put"]
    assert service["user"] == "admin1" and service["target"] == "service:KK"
    assert "daily_quota" not in service["before"] and service["after"]["daily_quota"] == 50
    assert service["at"].startswith("2025-11-24T09:00")
    assert by_action["user.create"]["after"]["username"] == "rina"
    assert client.get("/api/v1/admin/audit?from=2025-11-25",
                      headers=admin).json()["entries"] == []


def test_staff_accounts_are_created_reset_and_deactivated_without_showing_a_hash(
        client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    _error(client.post("/api/v1/admin/users", headers=admin, json={
        "username": "rina", "role": "officer", "password": "pendek"}), 422,
        "password_too_short")
    _error(client.post("/api/v1/admin/users", headers=admin, json={
        "username": "rina", "role": "raja", "password": "sangat-rahasia-1"}), 422, "invalid")
    made = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "rina", "full_name": "Rina W.", "role": "officer",
        "password": "sangat-rahasia-1"})
    assert made.status_code == 201, made.text
    assert made.json()["user"] == {"username": "rina", "full_name": "Rina W.",
                                   "role": "officer", "active": True}
    signed = client.post("/api/v1/session", json={"username": "rina",
                                                  "password": "sangat-rahasia-1",
                                                  "counter": "A1"})
    assert signed.status_code == 200
    reset = client.patch("/api/v1/admin/users/rina", headers=admin,
                         json={"password": "kata-sandi-baru-2", "role": "supervisor"})
    assert reset.status_code == 200 and reset.json()["user"]["role"] == "supervisor"
    listing = client.get("/api/v1/admin/users", headers=admin)
    assert "hash" not in listing.text and "argon" not in listing.text
    assert "argon" not in client.get("/api/v1/admin/audit", headers=admin).text
    off = client.patch("/api/v1/admin/users/rina", headers=admin, json={"active": False})
    assert off.json()["user"]["active"] is False
    again = client.post("/api/v1/session", json={"username": "rina",
                                                 "password": "kata-sandi-baru-2",
                                                 "counter": None})
    assert again.status_code == 401
    _error(client.patch("/api/v1/admin/users/nobody", headers=admin, json={"active": False}),
           404, "unknown_user")


def test_every_admin_route_is_in_the_openapi_document(client: TestClient) -> None:
    from queue_server.web import admin as admin_web

    paths = client.get("/openapi.json").json()["paths"]
    for route in admin_web.routes:
        path = getattr(route, "path", "")
        for method in getattr(route, "methods", set()) - {"HEAD"}:
            assert method.lower() in paths.get(path, {}), f"{method} {path}"


def test_closing_the_office_tomorrow_is_announced_today_in_the_running_text(
        client: TestClient) -> None:
    admin = _bearer(client, "admin1")
    made = client.post("/api/v1/admin/closures", headers=admin, json={
        "from": "2025-11-25", "to": "2025-11-25", "reason": "Cuti bersama", "hours": None})
    assert made.status_code == 201, made.text
    assert _services(client)["KTP"]["open_now"]  # today (Monday) is not affected
    notices = client.get("/api/v1/services").json()["site"]["notices"]
    assert "Selasa, 25 November 2025: layanan tutup (Cuti bersama)" in notices
    english = client.get("/api/v1/services?lang=en").json()["site"]["notices"]
    assert "Tuesday, 25 November 2025: the service is closed (Cuti bersama)" in english
