"""Sign-in never holds the event loop, its attempt limits cannot be raced, and a locked
account has a way back."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import argon2
import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_server.services import throttle
from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import PASSWORD, cheap_passwords

WRONG = "salah-sekali-123"


def _with_address(app: ASGIApp) -> ASGIApp:
    """Let a test pick the client address with ``X-Test-Address`` (a stand-in for requests
    arriving from different machines)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-address":
                    scope = {**scope, "client": (value.decode(), 40000)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture
def clients(app_db: str) -> Iterator[TestClient]:
    settings = Settings.from_env(database_url=app_db, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    app = create_app(settings)
    with TestClient(_with_address(app)) as test_client:
        # at production cost each of 30 unknown names took a second here
        cheap_passwords(app)
        yield test_client


def _sign_in(client: TestClient, user: str, password: str, address: str = "10.0.0.1",
             counter: str | None = None) -> Any:
    return client.post("/api/v1/session", headers={"X-Test-Address": address},
                       json={"username": user, "password": password, "counter": counter})


@pytest.fixture
def slow_verify(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """argon2's verify made slow (as on a small, busy server) and counted."""
    real = argon2.PasswordHasher.verify
    seen: dict[str, Any] = {"calls": 0, "started": threading.Event()}
    lock = threading.Lock()

    def verify(self: argon2.PasswordHasher, hash_: str, password: str) -> bool:
        with lock:
            seen["calls"] += 1
        seen["started"].set()
        time.sleep(0.25)  # blocking on purpose: this is what a CPU-bound hash does
        return real(self, hash_, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    return seen


@pytest.fixture
def held_verify(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """argon2's verify held until the test lets it go (a hash that never seems to end), and
    told whether it ran on an event loop's thread."""
    real = argon2.PasswordHasher.verify
    seen: dict[str, Any] = {"started": threading.Event(), "go": threading.Event(),
                            "on_loop": 0}

    def verify(self: argon2.PasswordHasher, hash_: str, password: str) -> bool:
        try:
            asyncio.get_running_loop()
            seen["on_loop"] += 1
        except RuntimeError:
            pass
        seen["started"].set()
        seen["go"].wait(120)
        return real(self, hash_, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    yield seen
    seen["go"].set()


def test_a_burst_of_sign_ins_does_not_delay_health_or_ticket_issuing(
        clients: TestClient, held_verify: dict[str, Any]) -> None:
    users = ["siti", "budi", "kepala"]
    with ThreadPoolExecutor(max_workers=32) as pool:
        burst = [pool.submit(_sign_in, clients, users[i % 3], WRONG, f"10.1.0.{i}")
                 for i in range(30)]
        try:
            assert held_verify["started"].wait(60)
            # Every hash is held: if one held the event loop, these would never answer.
            health = pool.submit(clients.get, "/healthz").result(timeout=60)
            issued = pool.submit(clients.post, "/api/v1/tickets",
                                 json={"service": "KTP"}).result(timeout=60)
            still_running = sum(not f.done() for f in burst)
        finally:
            held_verify["go"].set()
        answers = [f.result(timeout=120).status_code for f in burst]
    assert health.status_code == 200
    assert issued.status_code == 201
    assert still_running > 0, "the burst ended before we measured; the test proves nothing"
    assert held_verify["on_loop"] == 0
    assert set(answers) <= {401, 429}


def test_fifty_parallel_wrong_passwords_get_only_the_allowed_checks(
        clients: TestClient, slow_verify: dict[str, Any]) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: _sign_in(clients, "siti", WRONG), range(50)))
    codes = sorted(a.status_code for a in answers)
    assert slow_verify["calls"] == throttle.PER_PAIR
    assert codes.count(401) == throttle.PER_PAIR
    assert codes.count(429) == 50 - throttle.PER_PAIR


def test_guesses_from_one_place_do_not_lock_the_owner_out_elsewhere(clients: TestClient) -> None:
    for _ in range(throttle.PER_PAIR):
        assert _sign_in(clients, "siti", WRONG, "203.0.113.9").status_code == 401
    locked = _sign_in(clients, "siti", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0
    # The officer at the office (another address) still gets in.
    assert _sign_in(clients, "siti", PASSWORD, "10.0.0.7", "A1").status_code == 200


def test_one_address_trying_many_accounts_is_stopped(clients: TestClient) -> None:
    for i in range(throttle.PER_ADDRESS):
        assert _sign_in(clients, f"tamu{i}", WRONG, "198.51.100.4").status_code == 401
    answer = _sign_in(clients, "budi", PASSWORD, "198.51.100.4")
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "too_many_attempts"


def test_a_locked_account_says_how_long_and_a_supervisor_can_unlock_it(
        clients: TestClient) -> None:
    per_address = throttle.PER_PAIR - 1
    for i in range(throttle.PER_USER // per_address):
        for _ in range(per_address):
            assert _sign_in(clients, "siti", WRONG, f"192.0.2.{i}").status_code == 401
    locked = _sign_in(clients, "siti", PASSWORD, "10.0.0.7", "A1")
    assert locked.status_code == 429, locked.text
    error = locked.json()["error"]
    assert error["code"] == "account_locked"
    assert error["minutes"] == 15 and "15 menit" in error["message"]
    assert "supervisor" in error["message"]
    english = clients.post("/api/v1/session?lang=en", headers={"X-Test-Address": "10.0.0.7"},
                           json={"username": "siti", "password": PASSWORD})
    assert "15 minutes" in english.json()["error"]["message"]

    boss = _sign_in(clients, "kepala", PASSWORD, "10.0.0.8").json()["token"]
    officer_try = clients.post("/api/v1/admin/users/siti/unlock",
                               headers={"Authorization": "Bearer " + _sign_in(
                                   clients, "budi", PASSWORD, "10.0.0.9").json()["token"]})
    assert officer_try.status_code == 403
    unlocked = clients.post("/api/v1/admin/users/siti/unlock",
                            headers={"Authorization": f"Bearer {boss}"})
    assert unlocked.status_code == 200, unlocked.text
    assert _sign_in(clients, "siti", PASSWORD, "10.0.0.7", "A1").status_code == 200
    assert clients.post("/api/v1/admin/users/nobody/unlock",
                        headers={"Authorization": f"Bearer {boss}"}).status_code == 404


def test_old_sign_in_records_and_ended_sessions_are_purged_at_start(app_db: str) -> None:
    from datetime import timedelta

    from sqlalchemy import create_engine, func, insert, select

    from queue_server.settings import parse_moment
    from queue_server.store import tables as t

    now = parse_moment(MONDAY_MORNING)
    engine = create_engine(app_db)
    with engine.begin() as conn:
        user_id = conn.execute(select(t.users.c.id).limit(1)).scalar_one()
        site_id = conn.execute(select(t.sites.c.id)).scalar_one()
        conn.execute(insert(t.login_attempts), [
            {"username": "siti", "at": now - timedelta(days=400), "ok": False},
            {"username": "siti", "at": now - timedelta(days=3), "ok": True}])
        conn.execute(insert(t.sessions), [
            {"token_hash": "ended", "site_id": site_id, "user_id": user_id, "csrf_token": "c",
             "created_at": now - timedelta(days=2), "expires_at": now - timedelta(days=1)},
            {"token_hash": "live", "site_id": site_id, "user_id": user_id, "csrf_token": "c",
             "created_at": now, "expires_at": now + timedelta(hours=1)}])
    settings = Settings.from_env(database_url=app_db, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)):
        pass
    with engine.connect() as conn:
        attempts = conn.execute(select(func.count()).select_from(t.login_attempts)).scalar_one()
        sessions = conn.execute(select(t.sessions.c.token_hash)).scalars().all()
    engine.dispose()
    assert attempts == 1  # the one within data_retention_days (365) stays
    assert sessions == ["live"]
