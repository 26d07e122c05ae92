"""Bad input answers 4xx with the JSON error, in the request's language, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from starlette.testclient import TestClient

from queue_server.store import tables as t
from tests.support.staff import PASSWORD


def _counts(app_db: str) -> dict[str, int]:
    engine = create_engine(app_db)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for name, table in (("tickets", t.tickets), ("events", t.events),
                                        ("streams", t.number_streams),
                                        ("transfers", t.ticket_transfers))}
    finally:
        engine.dispose()


def _sign_in(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return dict(error)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"service": "NOPE"}, 422, "unknown_service"),
    ({"service": 12}, 422, "invalid"),
    ({"service": ["KTP"]}, 422, "invalid"),
    ({}, 422, "invalid"),
    ({"priority": "lansia"}, 422, "invalid"),
    ({"service": "KTP", "priority": "vip"}, 422, "unknown_priority"),
    ({"service": "KTP", "priority": 3}, 422, "invalid"),
    ({"service": "K" * 300}, 422, "invalid"),
])
def test_bad_ticket_requests_are_refused_and_leave_nothing_behind(
        client: TestClient, app_db: str, body: dict[str, Any], status: int, code: str) -> None:
    before = _counts(app_db)
    _error(client.post("/api/v1/tickets", json=body), status, code)
    assert _counts(app_db) == before


def test_malformed_json_is_refused(client: TestClient, app_db: str) -> None:
    before = _counts(app_db)
    _error(client.post("/api/v1/tickets", content=b'{"service": "KTP"',
                       headers={"content-type": "application/json"}), 422, "bad_json")
    _error(client.post("/api/v1/tickets", content=b'["KTP"]'), 422, "invalid")
    _error(client.post("/api/v1/tickets", content=b"\xff\xfe"), 422, "bad_json")
    assert _counts(app_db) == before


def test_oversized_bodies_are_refused_before_parsing(client: TestClient, app_db: str) -> None:
    before = _counts(app_db)
    big = b'{"service": "KTP", "pad": "' + b"x" * 100_000 + b'"}'
    _error(client.post("/api/v1/tickets", content=big), 413, "too_large")
    assert _counts(app_db) == before


def test_errors_speak_indonesian_by_default_and_english_on_request(client: TestClient) -> None:
    indonesian = _error(client.post("/api/v1/tickets", json={"service": "NOPE"}), 422,
                        "unknown_service")
    english = _error(client.post("/api/v1/tickets", json={"service": "NOPE"},
                                 headers={"Accept-Language": "en-US,en;q=0.9"}), 422,
                     "unknown_service")
    assert "tidak dikenal" in indonesian["message"]
    assert "Unknown service" in english["message"]
    missing = _error(client.post("/api/v1/tickets?lang=en", json={}), 422, "invalid")
    assert "required" in missing["message"]


def test_a_ticket_that_does_not_exist_is_404(client: TestClient) -> None:
    _error(client.get("/api/v1/tickets/tidak-ada"), 404, "ticket_not_found")
    headers = _sign_in(client, "siti", "A1")
    _error(client.post("/api/v1/tickets/tidak-ada/finish", headers=headers), 404,
           "ticket_not_found")
    _error(client.post("/api/v1/tickets/tidak-ada/teleport", headers=headers), 404, "not_found")
    _error(client.get("/tidak/ada"), 404, "not_found")


def test_staff_actions_need_a_session(client: TestClient, app_db: str) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    before = _counts(app_db)
    _error(client.post("/api/v1/counters/A1/call"), 401, "unauthorized")
    _error(client.post("/api/v1/counters/A1/call",
                       headers={"Authorization": "Bearer palsu"}), 401, "unauthorized")
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/finish"), 401, "unauthorized")
    assert _counts(app_db) == before


def test_wrong_password_is_refused(client: TestClient) -> None:
    answer = client.post("/api/v1/session",
                         json={"username": "siti", "password": "salah-sandi", "counter": "A1"})
    _error(answer, 401, "bad_credentials")
    _error(client.post("/api/v1/session", json={"username": "siti"}), 422, "invalid")
    _error(client.post("/api/v1/session", json={"username": "siti", "password": PASSWORD,
                                                "counter": "Z9"}), 404, "unknown_counter")


def test_an_officer_cannot_call_at_someone_elses_counter(client: TestClient,
                                                          app_db: str) -> None:
    client.post("/api/v1/tickets", json={"service": "KTP"})
    siti = _sign_in(client, "siti", "A1")
    before = _counts(app_db)
    _error(client.post("/api/v1/counters/A2/call", headers=siti), 403, "wrong_counter")
    _error(client.post("/api/v1/counters/Z9/call", headers=siti), 404, "unknown_counter")
    assert _counts(app_db) == before


def test_an_officer_cannot_touch_a_ticket_held_by_another_counter(client: TestClient,
                                                                   app_db: str) -> None:
    client.post("/api/v1/tickets", json={"service": "KTP"})
    siti = _sign_in(client, "siti", "A1")
    budi = _sign_in(client, "budi", "A2")
    called = client.post("/api/v1/counters/A1/call", headers=siti).json()["ticket"]
    before = _counts(app_db)
    for action in ("recall", "start", "finish", "no-show", "return"):
        _error(client.post(f"/api/v1/tickets/{called['id']}/{action}", headers=budi), 403,
               "not_your_ticket")
    _error(client.post(f"/api/v1/tickets/{called['id']}/transfer", json={"service": "NPWP"},
                       headers=budi), 403, "not_your_ticket")
    assert _counts(app_db) == before
    assert client.get(f"/api/v1/tickets/{called['id']}").json()["ticket"]["status"] == "called"


def test_rule_breaking_actions_are_conflicts_and_change_nothing(client: TestClient,
                                                                 app_db: str) -> None:
    client.post("/api/v1/tickets", json={"service": "KTP"})
    siti = _sign_in(client, "siti", "A1")
    ticket = client.post("/api/v1/counters/A1/call", headers=siti).json()["ticket"]
    before = _counts(app_db)
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=siti), 409,
           "recall_first")
    _error(client.post("/api/v1/counters/A1/call", headers=siti), 409, "counter_busy")
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "KTP"},
                       headers=siti), 409, "same_service")
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "NOPE"},
                       headers=siti), 422, "unknown_service")
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={}, headers=siti),
           422, "invalid")
    assert _counts(app_db) == before
    client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=siti)
    _error(client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=siti), 409,
           "bad_state")


def test_an_idempotency_key_that_is_too_long_is_refused(client: TestClient,
                                                         app_db: str) -> None:
    before = _counts(app_db)
    _error(client.post("/api/v1/tickets", json={"service": "KTP"},
                       headers={"Idempotency-Key": "k" * 101}), 422, "invalid")
    assert _counts(app_db) == before


def test_the_opening_hours_gate_is_wired_before_any_audience_starts(client: TestClient) -> None:
    from queue_server.services.hours import OpeningHours

    assert isinstance(client.app.state.loket.gate, OpeningHours)  # type: ignore[attr-defined]
