"""Capacity is never exceeded: 50 visitors booking the last 3 seats at once, through real
servers (one on SQLite and on PostgreSQL; two processes on PostgreSQL), get exactly 3."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import MONDAY_MORNING, PostgresDatabases, missing
from tests.support.booking import booking_site, phone
from tests.support.servers import Server, start_server

FRIDAY = "2025-11-28"


async def _book_at_once(urls: list[str], count: int, *, first_phone: int) -> list[int]:
    """``count`` bookings of Friday 09:00 sent at once, spread over ``urls``; the statuses."""
    limits = httpx.Limits(max_connections=count)
    start = asyncio.Event()
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        async def one(i: int) -> int:
            await start.wait()
            answer = await client.post(f"{urls[i % len(urls)]}/api/v1/bookings", json={
                "service": "KTP", "date": FRIDAY, "start": "09:00", "name": f"Warga {i}",
                "phone": phone(first_phone + i)})
            assert answer.status_code in {201, 409}, answer.text
            if answer.status_code == 409:
                assert answer.json()["error"]["code"] == "slot_full", answer.text
            return answer.status_code

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        start.set()
        return list(await asyncio.gather(*tasks))


def _seats_left(url: str) -> int:
    slots = httpx.get(f"{url}/api/v1/slots", params={"service": "KTP", "date": FRIDAY},
                      timeout=30).json()["slots"]
    return int(next(s for s in slots if s["start"] == "09:00")["left"])


async def test_fifty_bookings_at_once_for_three_seats_give_exactly_three(
        database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, booking_site(tmp_path), tmp_path,
                      clock=MONDAY_MORNING) as server:
        statuses = await _book_at_once([server.url], 50, first_phone=0)
        assert collections.Counter(statuses) == {201: 3, 409: 47}
        assert _seats_left(server.url) == 0


@pytest.fixture
def two_servers(postgres: PostgresDatabases | None, tmp_path: Path) -> Iterator[list[Server]]:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    url = postgres.new()
    site = booking_site(tmp_path)
    with start_server(url, site, tmp_path, clock=MONDAY_MORNING) as a, \
            start_server(url, site, tmp_path, clock=MONDAY_MORNING) as b:
        yield [a, b]


@pytest.mark.postgres
async def test_two_server_processes_on_postgresql_never_overbook(
        two_servers: list[Server]) -> None:
    urls = [s.url for s in two_servers]
    statuses = await _book_at_once(urls, 50, first_phone=1000)
    assert collections.Counter(statuses) == {201: 3, 409: 47}
    assert {_seats_left(u) for u in urls} == {0}
