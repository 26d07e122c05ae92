"""A database that goes away, or a pool that is used up, answers 503 with Retry-After in the
error shape (never 500), and the same Idempotency-Key after recovery gives one ticket."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from queue_server.events.backends import plain_dsn
from queue_server.store import db as db_module
from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases, missing
from tests.support.servers import start_server
from tests.support.tcp_proxy import tcp_proxy


def _unavailable(answer: httpx.Response, code: str = "unavailable") -> None:
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    assert int(answer.headers["Retry-After"]) > 0


def _eventually(probe: Any, timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@pytest.mark.postgres
def test_postgres_going_away_answers_503_and_the_kiosk_retry_gets_one_ticket(
        postgres: PostgresDatabases | None, tmp_path: Path) -> None:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        return
    url = make_url(postgres.new())
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
        with start_server(via_proxy, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as server:
            api = httpx.Client(base_url=server.url, timeout=60)
            assert api.post("/api/v1/tickets", json={"service": "KTP"}).status_code == 201
            proxy.cut()
            key = {"Idempotency-Key": f"kiosk-{uuid.uuid4()}"}
            _unavailable(api.post("/api/v1/tickets", json={"service": "KTP"}, headers=key))
            _unavailable(api.get("/api/v1/services"))
            _unavailable(api.get("/healthz"))
            proxy.restore()
            assert _eventually(lambda: api.get("/healthz").status_code == 200)
            first = api.post("/api/v1/tickets", json={"service": "KTP"}, headers=key)
            again = api.post("/api/v1/tickets", json={"service": "KTP"}, headers=key)
            assert first.status_code == 201, first.text
            assert again.status_code == 200
            assert again.json()["ticket"]["id"] == first.json()["ticket"]["id"]
            assert first.json()["ticket"]["number"].endswith("002")
            assert "Traceback" not in server.output()


@pytest.mark.postgres
def test_a_pooled_connection_postgres_dropped_while_idle_is_replaced_unseen(
        postgres: PostgresDatabases | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        return
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.0)
    url = postgres.new()
    engine = db_module.create_engine(url, pool_timeout_s=10)

    async def backend_pid() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    async def scenario() -> tuple[int, int]:
        import asyncpg  # the PostgreSQL extra, like the database this test needs

        try:
            first = await backend_pid()
            killer = await asyncpg.connect(plain_dsn(url))
            try:
                assert await killer.fetchval("SELECT pg_terminate_backend($1)", first)
            finally:
                await killer.close()
            # The pool's only connection is dead now: it is tested and replaced at checkout,
            # so the statement never sees it.
            return first, await backend_pid()
        finally:
            await engine.dispose()

    first, again = asyncio.run(scenario())
    assert again != first
