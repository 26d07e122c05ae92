"""Hostile input never reaches a 500: deeply nested JSON on every JSON endpoint, and over /ws
nested, huge or out-of-range messages get a clear error (only an oversized one closes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from queue_server.web import ws
from tests.support.staff import PASSWORD

NESTED = "[" * 5000


def _bearer(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _json_endpoints(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.router.routes:  # type: ignore[attr-defined]
        if not isinstance(route, Route):
            continue
        for method in sorted((route.methods or set()) - {"GET", "HEAD"}):
            path = route.path
            for name in route.param_convertors:
                path = path.replace(f"{{{name}}}", "A1" if name == "code" else "x")
            found.append((method, path.replace("export.{kind:str}", "export.csv")))
    return found


def test_deeply_nested_json_is_refused_with_400_on_every_json_endpoint(
        client: TestClient) -> None:
    officer = _bearer(client, "siti", "A1")
    supervisor = _bearer(client, "kepala", None)
    endpoints = _json_endpoints(client)
    assert ("POST", "/api/v1/tickets") in endpoints
    refused = 0
    for method, path in endpoints:
        for headers in ({}, officer, supervisor):
            answer = client.request(method, path, content=NESTED,
                                    headers={**headers, "Content-Type": "application/json"})
            assert answer.status_code < 500, (method, path, answer.text)
            if answer.status_code < 400:
                continue  # e.g. 204 from a call with nobody waiting: the body is not read
            if answer.json()["error"]["code"] == "too_deep":
                refused += 1
    assert refused >= 5  # the body was read (not only refused for lack of a session)


def test_nesting_within_the_limit_is_still_parsed(client: TestClient) -> None:
    answer = client.post("/api/v1/tickets", json={"service": "KTP", "x": [[[[1]]]]})
    assert answer.status_code == 201


def _connect(client: TestClient) -> Any:
    return client.websocket_connect("/ws?topics=display")


def _next(conn: Any) -> dict[str, Any]:
    while True:
        message = conn.receive_json()
        if message["type"] != "heartbeat":
            return dict(message)


@pytest.mark.parametrize("message, code", [
    (NESTED, "too_deep"),
    ('{"a":' * 1000 + "1" + "}" * 1000, "too_deep"),
    (json.dumps({"type": "announce", "zone": "lobi", "seq": 10**30}), "invalid"),
    (json.dumps({"type": "announce", "zone": "lobi", "seq": True}), "invalid"),
    (json.dumps({"type": "hello", "client_id": "tv-1", "kind": "display",
                 "last_seq": 10**30}), None),
    ("not json", "bad_json"),
    ("[1, 2]", "bad_json"),
])
def test_a_bad_ws_message_gets_an_error_and_the_connection_stays(
        client: TestClient, message: str, code: str | None) -> None:
    with _connect(client) as conn:
        assert _next(conn)["type"] == "snapshot"
        conn.send_text(message)
        if code is not None:
            answer = _next(conn)
            assert answer["type"] == "error" and answer["error"]["code"] == code, answer
        conn.send_text(json.dumps({"type": "ping"}))
        assert _next(conn)["type"] == "pong"


@pytest.mark.parametrize("language, hello, topic", [
    ("", "pesan hello perlu client_id dan kind", "topik 'counter:NOPE' tidak dikenal"),
    ("en-US,en;q=0.9", "hello needs client_id and kind",
     "unknown topic 'counter:NOPE'"),
])
def test_ws_errors_speak_indonesian_or_english_on_request(
        client: TestClient, language: str, hello: str, topic: str) -> None:
    headers = {"accept-language": language} if language else {}
    with client.websocket_connect("/ws?topics=display", headers=headers) as conn:
        assert _next(conn)["type"] == "snapshot"
        conn.send_text(json.dumps({"type": "hello", "kind": "display"}))
        assert _next(conn)["error"]["detail"] == hello
    with client.websocket_connect("/ws?topics=counter:NOPE", headers=headers) as conn:
        answer = conn.receive_json()
        assert answer["error"]["detail"] == topic
        assert answer["error"]["message"].startswith(
            "Invalid data: " if language else "Data tidak sah: ")


def test_a_binary_ws_message_is_read_like_text(client: TestClient) -> None:
    with _connect(client) as conn:
        assert _next(conn)["type"] == "snapshot"
        conn.send_bytes(b'{"type": "ping"}')
        assert _next(conn)["type"] == "pong"


def test_an_oversized_ws_message_is_refused_and_the_connection_closed(
        client: TestClient) -> None:
    with _connect(client) as conn:
        assert _next(conn)["type"] == "snapshot"
        conn.send_text(json.dumps({"type": "ping", "pad": "x" * (15 * 1024 * 1024)}))
        answer = _next(conn)
        assert answer["error"]["code"] == "too_large"
        with pytest.raises(WebSocketDisconnect) as closed:
            _next(conn)
        assert closed.value.code == ws.CLOSE_TOO_BIG


def test_a_huge_since_is_refused_plainly(client: TestClient) -> None:
    with client.websocket_connect(f"/ws?topics=display&since={10**30}") as conn:
        answer = conn.receive_json()
        assert answer["type"] == "error" and answer["error"]["code"] == "invalid"
