"""``GET /metrics`` speaks Prometheus and follows what happens in the office."""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.support.staff import PASSWORD


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text)
            for s in family.samples}


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_move_when_a_ticket_is_issued_and_called(client: TestClient) -> None:
    before = _samples(client)
    assert client.post("/api/v1/tickets", json={"service": "KTP"}).status_code == 201
    client.post("/api/v1/tickets", json={"service": "KTP"})
    issued = _samples(client)
    assert _value(issued, "loket_tickets_issued_total", service="KTP") == \
        _value(before, "loket_tickets_issued_total", service="KTP") + 2
    assert _value(issued, "loket_tickets_waiting", service="KTP") == 2
    assert _value(issued, "loket_tickets_waiting", service="KK") == 0

    token = client.post("/api/v1/session", json={"username": "siti", "password": PASSWORD,
                                                 "counter": "A1"}).json()["token"]
    called = client.post("/api/v1/counters/A1/call",
                         headers={"Authorization": f"Bearer {token}"})
    assert called.status_code == 200, called.text
    after = _samples(client)
    assert _value(after, "loket_tickets_called_total", service="KTP") == 1
    assert _value(after, "loket_tickets_waiting", service="KTP") == 1


def test_request_latency_is_recorded_by_route_template_not_by_raw_path(
        client: TestClient) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]["id"]
    client.get(f"/api/v1/tickets/{ticket}")
    samples = _samples(client)
    count = _value(samples, "loket_http_request_duration_seconds_count", method="GET",
                   route="/api/v1/tickets/{ticket_id}", status="200")
    assert count == 1
    assert not any(ticket in str(labels) for _, labels in samples)
    assert _value(samples, "loket_http_request_duration_seconds_count", method="POST",
                  route="/api/v1/tickets", status="201") == 1


def test_websocket_clients_are_counted(client: TestClient) -> None:
    with client.websocket_connect("/ws?topics=display") as ws:
        ws.receive_json()  # the snapshot: the client is subscribed now
        assert _value(_samples(client), "loket_websocket_clients") == 1
    deadline = time.monotonic() + 30
    while _value(_samples(client), "loket_websocket_clients") != 0:
        assert time.monotonic() < deadline, "a closed WebSocket is still counted"
        time.sleep(0.05)
