"""Calling a number by hand is as atomic as "call next": with real concurrent requests, on
SQLite and PostgreSQL, a number goes to one counter only."""

from __future__ import annotations

import asyncio
import collections

import httpx

from tests.conftest import SITE_FILE
from tests.support.servers import Server
from tests.support.staff import add_users, sign_in

COUNTERS = ("A1", "A2", "A3")


async def test_two_counters_calling_the_same_number_give_it_to_one_only(
        server: Server, database_url: str) -> None:
    add_users(database_url, SITE_FILE, {f"o{c}": "officer" for c in COUNTERS})
    headers = {c: sign_in(server.url, f"o{c}", c) for c in COUNTERS}
    async with httpx.AsyncClient(timeout=60) as client:
        numbers = []
        for _ in range(12):
            issued = await client.post(f"{server.url}/api/v1/tickets", json={"service": "KTP"})
            numbers.append(issued.json()["ticket"]["number"])
        winners: collections.Counter[str] = collections.Counter()
        for number in numbers:
            answers = await asyncio.gather(*(
                client.post(f"{server.url}/api/v1/counters/{c}/call-number",
                            json={"number": number}, headers=headers[c]) for c in COUNTERS))
            won = [(c, a) for c, a in zip(COUNTERS, answers, strict=True)
                   if a.status_code == 200]
            assert len(won) == 1, [(a.status_code, a.text) for a in answers]
            for answer in answers:
                if answer.status_code != 200:
                    assert answer.status_code == 409, answer.text
                    assert answer.json()["error"]["code"] == "number_not_waiting"
            counter, answer = won[0]
            winners[counter] += 1
            ticket = answer.json()["ticket"]
            assert (ticket["number"], ticket["counter"]) == (number, counter)
            finished = await client.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish",
                                         headers=headers[counter])
            assert finished.status_code == 200, finished.text
    assert sum(winners.values()) == len(numbers)


async def test_calling_by_number_and_calling_next_at_once_never_share_a_ticket(
        server: Server, database_url: str) -> None:
    add_users(database_url, SITE_FILE, {f"o{c}": "officer" for c in COUNTERS})
    headers = {c: sign_in(server.url, f"o{c}", c) for c in COUNTERS}
    async with httpx.AsyncClient(timeout=60) as client:
        tickets = []
        for _ in range(20):
            issued = await client.post(f"{server.url}/api/v1/tickets", json={"service": "KK"})
            tickets.append(issued.json()["ticket"])
        called: list[str] = []

        async def by_number(counter: str, mine: list[dict[str, str]]) -> None:
            for ticket in mine:
                answer = await client.post(
                    f"{server.url}/api/v1/counters/{counter}/call-number",
                    json={"number": ticket["number"]}, headers=headers[counter])
                if answer.status_code == 409:
                    continue  # "call next" was quicker
                assert answer.status_code == 200, answer.text
                called.append(answer.json()["ticket"]["id"])
                await client.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish",
                                  headers=headers[counter])

        async def next_in_line(counter: str) -> None:
            for _ in range(40):
                answer = await client.post(f"{server.url}/api/v1/counters/{counter}/call",
                                           headers=headers[counter])
                if answer.status_code == 204:
                    return
                assert answer.status_code == 200, answer.text
                ticket = answer.json()["ticket"]
                called.append(ticket["id"])
                await client.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish",
                                  headers=headers[counter])

        # A1 and A2 walk the list from both ends by number, A3 calls next from the front.
        await asyncio.gather(by_number("A1", tickets), by_number("A2", tickets[::-1]),
                             next_in_line("A3"))
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert set(called) == {t["id"] for t in tickets}
