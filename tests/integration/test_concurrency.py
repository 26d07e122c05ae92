"""The correctness rules under real concurrency, against a real server, on SQLite and
PostgreSQL: no duplicate or missing numbers, no ticket called twice, one ticket per key."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases, missing
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

SERVICES = ["KTP", "KK", "NPWP", "JKN"]  # queues A, A, B, C


async def _issue_many(urls: list[str], count: int, concurrency: int = 64) -> list[dict]:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def one(i: int) -> dict:
            url = urls[i % len(urls)]
            answer = await client.post(f"{url}/api/v1/tickets",
                                       json={"service": SERVICES[i % len(SERVICES)]})
            assert answer.status_code == 201, answer.text
            return answer.json()["ticket"]

        return await asyncio.gather(*(one(i) for i in range(count)))


def _assert_gapless(tickets: list[dict]) -> None:
    by_queue: dict[str, list[int]] = collections.defaultdict(list)
    for ticket in tickets:
        prefix, number = ticket["number"].split("-")
        by_queue[prefix].append(int(number))
    for prefix, numbers in by_queue.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), prefix


async def test_500_tickets_at_once_get_distinct_gapless_numbers_per_queue(
        server: Server) -> None:
    tickets = await _issue_many([server.url], 500)
    assert len({t["id"] for t in tickets}) == 500
    _assert_gapless(tickets)
    assert {t["number"][0] for t in tickets} == {"A", "B", "C"}


async def test_counters_calling_at_once_never_get_the_same_ticket(
        server: Server, database_url: str) -> None:
    counters = ["A1", "A2", "A3", "P1"]
    add_users(database_url, SITE_FILE, {f"o{c}": "officer" for c in counters})
    headers = {c: sign_in(server.url, f"o{c}", c) for c in counters}
    issued = await _issue_many([server.url], 60)
    in_a = [t for t in issued if t["number"].startswith("A")]
    called: list[tuple[str, str]] = []
    async with httpx.AsyncClient(timeout=60) as client:
        async def work(counter: str) -> None:
            for _ in range(100):  # bounded: more rounds than tickets
                answer = await client.post(f"{server.url}/api/v1/counters/{counter}/call",
                                           headers=headers[counter])
                if answer.status_code == 204:
                    return
                assert answer.status_code == 200, answer.text
                ticket = answer.json()["ticket"]
                called.append((counter, ticket["id"]))
                finished = await client.post(
                    f"{server.url}/api/v1/tickets/{ticket['id']}/finish",
                    headers=headers[counter])
                assert finished.status_code == 200, finished.text

        await asyncio.gather(*(work(c) for c in counters))
    ids = [ticket_id for _, ticket_id in called]
    assert len(ids) == len(set(ids)), "a ticket was called twice"
    # every normal ticket of queue A was called by A1-A3 (P1 calls priority tickets only)
    assert set(ids) == {t["id"] for t in in_a}
    assert all(counter != "P1" for counter, _ in called)


async def test_the_same_idempotency_key_sent_at_once_gives_one_ticket(server: Server) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        async def send(key: str) -> httpx.Response:
            return await client.post(f"{server.url}/api/v1/tickets", json={"service": "KTP"},
                                     headers={"Idempotency-Key": key})

        answers = await asyncio.gather(*(send(f"kiosk-1-tap-{i // 8}") for i in range(80)))
    by_key: dict[int, set[str]] = collections.defaultdict(set)
    statuses = collections.Counter(a.status_code for a in answers)
    for i, answer in enumerate(answers):
        assert answer.status_code in (200, 201), answer.text
        by_key[i // 8].add(answer.json()["ticket"]["id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    assert statuses[201] == 10 and statuses[200] == 70
    # the ten tickets took numbers 1..10: the refused duplicates left no gap
    async with httpx.AsyncClient(timeout=10) as client:
        last = await client.post(f"{server.url}/api/v1/tickets", json={"service": "KTP"})
    assert last.json()["ticket"]["number"] == "A-011"


@pytest.fixture
def pg_database_url(postgres: PostgresDatabases | None) -> str:
    """Two processes share a database only on PostgreSQL."""
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    return postgres.new()


@pytest.fixture
def two_servers(pg_database_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    database_url = pg_database_url
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as a, \
            start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as b:
        yield [a, b]


@pytest.mark.postgres
async def test_two_server_processes_share_numbering_without_duplicates(
        two_servers: list[Server], pg_database_url: str) -> None:
    database_url = pg_database_url
    urls = [s.url for s in two_servers]
    # 200 tickets at 64 at a time: three waves of both processes racing for each queue's
    # next number (and then for each ticket at the counters), at half the old run time.
    tickets = await _issue_many(urls, 200)
    _assert_gapless(tickets)
    add_users(database_url, SITE_FILE, {"oA1": "officer", "oA2": "officer"})
    headers = {"A1": sign_in(urls[0], "oA1", "A1"), "A2": sign_in(urls[1], "oA2", "A2")}
    called: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        async def work(counter: str, url: str) -> None:
            for _ in range(400):
                answer = await client.post(f"{url}/api/v1/counters/{counter}/call",
                                           headers=headers[counter])
                if answer.status_code == 204:
                    return
                ticket = answer.json()["ticket"]
                called.append(ticket["id"])
                await client.post(f"{url}/api/v1/tickets/{ticket['id']}/finish",
                                  headers=headers[counter])

        await asyncio.gather(work("A1", urls[0]), work("A2", urls[1]))
    assert len(called) == len(set(called))
    assert len(called) == sum(1 for t in tickets if t["number"].startswith("A"))
