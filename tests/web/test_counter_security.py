"""An officer acts only at the counter signed in at, on the tickets that counter holds, from
pages of this site; wrong passwords are rate-limited and sessions end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.services.staff import MAX_FAILURES
from tests.support.staff import PASSWORD


def _session(client: TestClient, user: str, counter: str | None,
             password: str = PASSWORD) -> Any:
    return client.post("/api/v1/session",
                       json={"username": user, "password": password, "counter": counter})


def _bearer(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = _session(client, user, counter)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _error(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]


def _issue(client: TestClient, service: str = "KTP") -> str:
    answer = client.post("/api/v1/tickets", json={"service": service})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"]["id"])


def _status(client: TestClient, ticket_id: str) -> str:
    return str(client.get(f"/api/v1/tickets/{ticket_id}").json()["ticket"]["status"])


# --- passwords and sessions -----------------------------------------------------------------


def test_wrong_passwords_are_rate_limited_even_against_the_right_one(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        _error(_session(client, "siti", "A1", password="salah-sekali-123"), 401,
               "bad_credentials")
    _error(_session(client, "siti", "A1"), 429, "too_many_attempts")
    # Another user is not locked out by siti's failures.
    assert _session(client, "budi", "A2").status_code == 200


def test_fewer_failures_than_the_limit_still_let_the_officer_in(client: TestClient) -> None:
    for _ in range(MAX_FAILURES - 1):
        _error(_session(client, "siti", "A1", password="salah-sekali-123"), 401,
               "bad_credentials")
    assert _session(client, "siti", "A1").status_code == 200


def test_a_second_sign_in_at_another_counter_ends_the_first(client: TestClient) -> None:
    first = _bearer(client, "siti", "A1")
    second = _bearer(client, "siti", "A2")
    _error(client.get("/api/v1/session", headers=first), 401, "unauthorized")
    _error(client.post("/api/v1/counters/A1/call", headers=first), 401, "unauthorized")
    assert client.get("/api/v1/session", headers=second).json()["counter"] == "A2"
    states = {c["code"]: c["state"] for c in client.get("/api/v1/counters").json()["counters"]}
    assert states["A1"] == "closed"
    assert states["A2"] == "open"


def test_a_counter_held_by_one_officer_cannot_be_taken_by_another(client: TestClient) -> None:
    _bearer(client, "siti", "A1")
    _error(_session(client, "budi", "A1"), 409, "counter_taken")


def test_an_expired_session_is_refused_with_its_own_code(client: TestClient) -> None:
    headers = _bearer(client, "siti", "A1")
    client.app.state.loket.clock.advance(timedelta(hours=11))  # type: ignore[attr-defined]
    _error(client.get("/api/v1/counters/A1/current", headers=headers), 401, "session_expired")
    _error(client.post("/api/v1/counters/A1/call", headers=headers), 401, "session_expired")


# --- cross-site request forgery ---------------------------------------------------------------


def test_a_cookie_write_without_the_csrf_token_is_refused(client: TestClient) -> None:
    ticket = _issue(client)
    signed = _session(client, "siti", "A1")
    csrf = signed.json()["csrf_token"]
    assert client.cookies.get("loket_session")
    _error(client.post("/api/v1/counters/A1/call"), 403, "csrf")
    _error(client.post("/api/v1/counters/A1/call", headers={"X-CSRF-Token": "tebakan"}), 403,
           "csrf")
    assert _status(client, ticket) == "waiting"
    called = client.post("/api/v1/counters/A1/call", headers={"X-CSRF-Token": csrf})
    assert called.status_code == 200, called.text
    assert called.json()["ticket"]["id"] == ticket
    _error(client.post(f"/api/v1/tickets/{ticket}/finish"), 403, "csrf")
    assert _status(client, ticket) == "called"


def test_the_csrf_token_of_another_session_does_not_work(client: TestClient) -> None:
    other = _session(client, "budi", "A2").json()["csrf_token"]
    client.cookies.clear()
    _session(client, "siti", "A1")
    _error(client.post("/api/v1/counters/A1/call", headers={"X-CSRF-Token": other}), 403,
           "csrf")


def test_reading_with_the_cookie_needs_no_csrf_token(client: TestClient) -> None:
    _session(client, "siti", "A1")
    assert client.get("/api/v1/counters/A1/queues").status_code == 200
    assert client.get("/api/v1/counters/A1/current").status_code == 200


# --- the counter's own business ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/counters/A1/queues", "/api/v1/counters/A1/current"])
def test_counter_data_needs_a_session(client: TestClient, path: str) -> None:
    _error(client.get(path), 401, "unauthorized")
    _error(client.get(path, headers={"Authorization": "Bearer palsu"}), 401, "unauthorized")


def test_staff_actions_without_a_session_are_refused(client: TestClient) -> None:
    ticket = _issue(client)
    _error(client.post("/api/v1/counters/A1/call"), 401, "unauthorized")
    for action in ("recall", "start", "finish", "no-show", "return"):
        _error(client.post(f"/api/v1/tickets/{ticket}/{action}"), 401, "unauthorized")
    _error(client.post(f"/api/v1/tickets/{ticket}/transfer", json={"service": "KK"}), 401,
           "unauthorized")
    _error(client.get(f"/api/v1/tickets/{ticket}/transfers"), 401, "unauthorized")
    assert _status(client, ticket) == "waiting"


def test_an_officer_cannot_call_at_another_counter(client: TestClient) -> None:
    ticket = _issue(client)
    siti = _bearer(client, "siti", "A1")
    _bearer(client, "budi", "A2")
    _error(client.post("/api/v1/counters/A2/call", headers=siti), 403, "wrong_counter")
    _error(client.post("/api/v1/counters/A3/call", headers=siti), 403, "wrong_counter")
    assert _status(client, ticket) == "waiting"


@pytest.mark.parametrize("path", ["/api/v1/counters/A2/queues", "/api/v1/counters/A2/current"])
def test_an_officer_cannot_watch_another_counter(client: TestClient, path: str) -> None:
    siti = _bearer(client, "siti", "A1")
    _error(client.get(path, headers=siti), 403, "wrong_counter")


def test_an_officer_signed_in_without_a_counter_watches_none(client: TestClient) -> None:
    siti = _bearer(client, "siti", None)
    _error(client.get("/api/v1/counters/A1/queues", headers=siti), 403, "no_counter")


def test_a_supervisor_without_a_counter_may_watch_any_counter(client: TestClient) -> None:
    kepala = _bearer(client, "kepala", None)
    answer = client.get("/api/v1/counters/A2/queues", headers=kepala)
    assert answer.status_code == 200, answer.text
    assert answer.json()["counter"] == "A2"


@pytest.mark.parametrize(("action", "body"), [
    ("recall", None), ("start", None), ("finish", None), ("no-show", None), ("return", None),
    ("transfer", {"service": "NPWP"}),
])
def test_an_officer_cannot_act_on_another_counters_ticket(
        client: TestClient, action: str, body: dict[str, str] | None) -> None:
    _issue(client)
    siti = _bearer(client, "siti", "A1")
    budi = _bearer(client, "budi", "A2")
    held = client.post("/api/v1/counters/A2/call", headers=budi).json()["ticket"]
    answer = client.post(f"/api/v1/tickets/{held['id']}/{action}", headers=siti, json=body)
    _error(answer, 403, "not_your_ticket")
    after = client.get(f"/api/v1/tickets/{held['id']}").json()["ticket"]
    assert (after["status"], after["counter"], after["service"]) == ("called", "A2", "KTP")


def test_an_officer_cannot_act_on_a_waiting_ticket(client: TestClient) -> None:
    ticket = _issue(client)
    siti = _bearer(client, "siti", "A1")
    _error(client.post(f"/api/v1/tickets/{ticket}/start", headers=siti), 403, "not_your_ticket")
    assert _status(client, ticket) == "waiting"


# --- the page ---------------------------------------------------------------------------------


def test_the_page_is_an_empty_shell_that_cannot_be_framed(client: TestClient) -> None:
    page = client.get("/counter")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "/static/counter/desk/counter.js" in page.text
    assert client.get("/static/counter/desk/counter.js").status_code == 200
    assert client.get("/static/counter/counter.css").status_code == 200


# --- the WebSocket ----------------------------------------------------------------------------


def _receive_until(ws: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        message = ws.receive_json()
        if message.get("type") == kind:
            return dict(message)
    raise AssertionError(f"no {kind!r} message in {limit}")


def test_the_websocket_takes_no_staff_actions(client: TestClient) -> None:
    ticket = _issue(client)
    with client.websocket_connect("/ws?topics=counter:A1,service:KTP") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        for message in ({"type": "call", "counter": "A1"},
                        {"type": "call_next", "counter": "A1"},
                        {"type": "finish", "ticket": ticket},
                        {"type": "break", "counter": "A1", "minutes": 30}):
            ws.send_json(message)
        ws.send_json({"type": "ping"})
        _receive_until(ws, "pong")
    assert _status(client, ticket) == "waiting"
    states = {c["code"]: c["state"] for c in client.get("/api/v1/counters").json()["counters"]}
    assert states["A1"] == "closed"


@pytest.mark.parametrize("who", [None, "siti"])
def test_the_supervisor_feed_refuses_visitors_and_officers(client: TestClient,
                                                          who: str | None) -> None:
    headers = _bearer(client, who, "A1") if who else {}
    with client.websocket_connect("/ws?topics=supervisor", headers=headers) as ws:
        message = ws.receive_json()
    assert message["type"] == "error"
    assert message["error"]["code"] == "forbidden"


def test_the_break_list_is_for_staff_only(client: TestClient) -> None:
    _error(client.get("/api/v1/breaks"), 401, "unauthorized")
    officer = _bearer(client, "siti", "A1")
    listed = client.get("/api/v1/breaks", headers=officer)
    assert listed.status_code == 200 and "breaks" in listed.json()
