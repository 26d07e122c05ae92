"""The counter's queues and current ticket: what the counter screen reads."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from tests.support.staff import PASSWORD


def _bearer(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _issue(client: TestClient, service: str, priority: str | None = None) -> str:
    answer = client.post("/api/v1/tickets", json={"service": service, "priority": priority})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"]["id"])


def test_queues_count_waiting_tickets_per_service_with_the_longest_wait(
        client: TestClient) -> None:
    clock = client.app.state.loket.clock  # type: ignore[attr-defined]
    _issue(client, "KTP")
    clock.advance(timedelta(minutes=4))
    _issue(client, "KTP", "lansia")
    _issue(client, "KK")
    _issue(client, "NPWP")  # not served at A1
    clock.advance(timedelta(minutes=6))
    siti = _bearer(client, "siti", "A1")
    data = client.get("/api/v1/counters/A1/queues", headers=siti).json()
    by_service = {q["service"]: q for q in data["queues"]}
    assert list(by_service) == ["KTP", "KK", "AKTA"]
    assert (by_service["KTP"]["waiting"], by_service["KTP"]["priority_waiting"]) == (2, 1)
    assert by_service["KK"]["waiting"] == 1
    assert by_service["AKTA"] == {**by_service["AKTA"], "waiting": 0, "longest_wait_s": 0,
                                  "oldest_queued_at": None}
    assert 600 <= by_service["KTP"]["longest_wait_s"] < 620
    assert 360 <= by_service["KK"]["longest_wait_s"] < 380
    assert data["total_waiting"] == 3
    assert data["longest_wait_s"] == by_service["KTP"]["longest_wait_s"]


def test_a_colleagues_call_lowers_the_count_at_once(client: TestClient) -> None:
    _issue(client, "KTP")
    _issue(client, "KTP")
    siti = _bearer(client, "siti", "A1")
    budi = _bearer(client, "budi", "A2")
    before = client.get("/api/v1/counters/A1/queues", headers=siti).json()["total_waiting"]
    assert client.post("/api/v1/counters/A2/call", headers=budi).status_code == 200
    after = client.get("/api/v1/counters/A1/queues", headers=siti).json()["total_waiting"]
    assert (before, after) == (2, 1)


def test_tickets_of_another_day_are_not_counted(client: TestClient) -> None:
    clock = client.app.state.loket.clock  # type: ignore[attr-defined]
    _issue(client, "KTP")
    clock.advance(timedelta(days=1))
    siti = _bearer(client, "siti", "A1")
    assert client.get("/api/v1/counters/A1/queues", headers=siti).json()["total_waiting"] == 0


def test_current_restores_the_held_ticket_after_a_reload(client: TestClient) -> None:
    _issue(client, "KK")
    siti = _bearer(client, "siti", "A1")
    empty = client.get("/api/v1/counters/A1/current", headers=siti).json()
    assert (empty["state"], empty["ticket"]) == ("open", None)
    called = client.post("/api/v1/counters/A1/call", headers=siti).json()["ticket"]
    held = client.get("/api/v1/counters/A1/current", headers=siti).json()["ticket"]
    assert (held["id"], held["status"], held["number"]) == (called["id"], "called", "A-001")
    client.post(f"/api/v1/tickets/{called['id']}/start", headers=siti)
    held = client.get("/api/v1/counters/A1/current", headers=siti).json()["ticket"]
    assert held["status"] == "serving"
    client.post(f"/api/v1/tickets/{called['id']}/finish", headers=siti)
    assert client.get("/api/v1/counters/A1/current", headers=siti).json()["ticket"] is None


def test_a_priority_only_counter_counts_only_priority_tickets(client: TestClient) -> None:
    _issue(client, "KTP")
    _issue(client, "NPWP", "disabilitas")
    kepala = _bearer(client, "kepala", None)
    data = client.get("/api/v1/counters/P1/queues", headers=kepala).json()
    assert data["priority_only"] is True
    assert data["total_waiting"] == 1
    assert {q["service"]: q["waiting"] for q in data["queues"]}["NPWP"] == 1


def test_an_unknown_counter_is_404(client: TestClient) -> None:
    kepala = _bearer(client, "kepala", None)
    answer = client.get("/api/v1/counters/ZZ/queues", headers=kepala)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_counter"
