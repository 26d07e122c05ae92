"""A used-up connection pool makes requests queue, then answer 503 busy with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE


def _unavailable(answer: httpx.Response, code: str) -> None:
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    assert int(answer.headers["Retry-After"]) > 0


@pytest.fixture
def tight_pool(app_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("LOKET_DB_POOL_TIMEOUT", "0.5")
    settings = Settings.from_env(database_url=app_db, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_exhausted_connection_pool_answers_503_busy(tight_pool: TestClient) -> None:
    engine = tight_pool.app.state.loket.db.engine  # type: ignore[attr-defined]
    held: list[Any] = []

    async def take_every_connection() -> None:
        for _ in range(engine.pool.size()):
            held.append(await engine.connect())

    async def give_back() -> None:
        for conn in held:
            await conn.close()

    tight_pool.portal.call(take_every_connection)  # type: ignore[union-attr]
    try:
        _unavailable(tight_pool.get("/api/v1/services"), "busy")
        _unavailable(tight_pool.post("/api/v1/tickets", json={"service": "KTP"}), "busy")
    finally:
        tight_pool.portal.call(give_back)  # type: ignore[union-attr]
    assert tight_pool.get("/api/v1/services").status_code == 200


def test_a_websocket_meeting_an_exhausted_pool_is_told_to_try_again(
        tight_pool: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    engine = tight_pool.app.state.loket.db.engine  # type: ignore[attr-defined]
    held: list[Any] = []

    async def take_every_connection() -> None:
        for _ in range(engine.pool.size()):
            held.append(await engine.connect())

    async def give_back() -> None:
        for conn in held:
            await conn.close()

    tight_pool.portal.call(take_every_connection)  # type: ignore[union-attr]
    try:
        with tight_pool.websocket_connect("/ws?topics=display") as ws:
            message = ws.receive_json()
            assert message["type"] == "error" and message["error"]["code"] == "busy"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1013  # "try again later": screens reconnect
    finally:
        tight_pool.portal.call(give_back)  # type: ignore[union-attr]
    with tight_pool.websocket_connect("/ws?topics=display") as ws:
        assert ws.receive_json()["type"] == "snapshot"
