"""Fifty wrong passwords at once are counted before any is checked, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from queue_server.services import throttle
from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import PASSWORD, add_users


def test_parallel_wrong_passwords_never_get_more_checks_than_the_limit(server: Server) -> None:
    add_users(server.database_url, SITE_FILE, {"siti": "officer"})

    def attempt(_: int) -> int:
        return httpx.post(f"{server.url}/api/v1/session", timeout=120, json={
            "username": "siti", "password": "salah-sekali-123"}).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(attempt, range(50)))
    assert codes.count(401) == throttle.PER_PAIR, codes
    assert codes.count(429) == 50 - throttle.PER_PAIR, codes
    # The right password from the same place is refused too: the limit holds.
    assert httpx.post(f"{server.url}/api/v1/session", timeout=60, json={
        "username": "siti", "password": PASSWORD}).status_code == 429
