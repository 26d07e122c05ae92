"""Named staff for tests: one officer per counter plus a supervisor (the shared test world)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from queue_server.services.staff import add_user
from queue_server.site import load_site
from queue_server.store.db import create_engine
from queue_server.store.sync import sync_site

PASSWORD = "rahasia-uji-123"
#: argon2 at its cheapest: test accounts cost microseconds instead of ~50 ms and 64 MiB each,
#: and signing them in (which checks a hash with the parameters it carries) is cheap too.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def cheap_passwords(app: Any) -> None:
    """Give a started in-process app cheap argon2 for what it hashes itself (passwords set
    through the API, the dummy hash unknown names are checked against), as the test
    accounts are. Production cost stays the default of every real server."""
    from queue_server.services.passwords import PasswordHashing

    loket = app.state.loket
    loket.passwords.close()
    loket.passwords = PasswordHashing(hasher=CHEAP_HASHER)


def add_users(database_url: str, site_file: Path, users: dict[str, str]) -> None:
    """``users`` maps username → role."""

    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                ids = await sync_site(conn, load_site(site_file))
                for name, role in users.items():
                    await add_user(conn, ids.site, name, PASSWORD, role, datetime.now(UTC),
                                   hasher=CHEAP_HASHER)
        finally:
            await engine.dispose()

    # In a thread so async tests (which already run a loop) can call it too.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def sign_in(base_url: str, username: str, counter: str | None) -> dict[str, str]:
    """Bearer headers for ``username`` signed in at ``counter``."""
    answer = httpx.post(f"{base_url}/api/v1/session", json={
        "username": username, "password": PASSWORD, "counter": counter}, timeout=10)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}
