"""Issuing in groups (``services/group_commit.py`` + ``issuing_batch.py``) gives exactly the
outcome of issuing one request after another: the same numbers per queue, the same quota
refusals, the same answers to repeated Idempotency-Keys, and the same "people ahead" — on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import delete, select

from queue_server.clock import ShiftedClock
from queue_server.domain.errors import Closed
from queue_server.domain.ordering import Candidate, ahead_of, around
from queue_server.services import tickets
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING, SITE_FILE

SERVICES = ["KTP", "KK", "AKTA", "NPWP", "JKN"]  # queues A A A B C; AKTA has a quota of 3
Req = tuple[str, str | None, str | None]


def mixed_requests(count: int = 500) -> list[Req]:
    """Mixed services and priorities; every fourth request carries one of 37 keys, so keys
    repeat, sometimes for another service than the first time."""
    out: list[Req] = []
    for i in range(count):
        service = SERVICES[(i * 7 + i // 5) % len(SERVICES)]
        priority = "lansia" if i % 6 == 0 else None
        key = f"kunci-{i % 37}" if i % 4 == 0 else None
        out.append((service, priority, key))
    return out


@pytest.fixture
async def loket(database_url: str) -> AsyncIterator[Loket]:
    site = load_site(SITE_FILE)
    db = Database(create_engine(database_url))
    clock = ShiftedClock(datetime.fromisoformat(MONDAY_MORNING))
    site, ids, _ = await open_site_at_start(db.engine, site, clock.now())
    loket = Loket(db=db, site=site, ids=ids, clock=clock)
    try:
        yield loket
    finally:
        loket.passwords.close()
        await db.dispose()


async def issue(loket: Loket, request: Req) -> tuple[str, dict[str, Any] | None]:
    service, priority, key = request
    try:
        ticket, created = await tickets.issue_ticket(loket, service, priority,
                                                     idempotency_key=key)
    except Closed as refused:
        return refused.code, None
    return ("created" if created else "again"), ticket


async def forget_tickets(loket: Loket) -> None:
    async with loket.db.engine.begin() as conn:
        await conn.execute(delete(t.tickets))
        await conn.execute(delete(t.number_streams))


def check_people_ahead(outcomes: list[tuple[str, dict[str, Any] | None]]) -> None:
    """Nobody is called, so each new ticket's "ahead" is the domain rule over the tickets
    issued before it at its service."""
    earlier: dict[str, list[Candidate]] = collections.defaultdict(list)
    for kind, ticket in outcomes:
        if kind != "created":
            continue
        assert ticket is not None
        me = Candidate(ticket["id"], ticket["priority"],
                       datetime.fromisoformat(ticket["issued_at"]))
        assert ticket["ahead"] == ahead_of(me.priority, around(me, earlier[ticket["service"]])), \
            ticket
        earlier[ticket["service"]].append(me)


def summary(outcomes: list[tuple[str, dict[str, Any] | None]]) -> list[tuple[Any, ...]]:
    """What must not depend on batching: per request its kind, number, service, priority,
    people ahead when it was created, and for a repeated key which earlier request's ticket
    it got (the people ahead of that ticket by then depend on when the repeat is read)."""
    first_of: dict[str, int] = {}
    out: list[tuple[Any, ...]] = []
    for i, (kind, ticket) in enumerate(outcomes):
        if ticket is None:
            out.append((kind,))
            continue
        same_as = first_of.setdefault(ticket["id"], i)
        out.append((kind, ticket["number"], ticket["service"], ticket["priority"],
                    ticket["ahead"] if kind == "created" else None, same_as))
    return out


async def test_500_requests_at_once_give_the_same_outcome_as_one_after_another(
        loket: Loket) -> None:
    requests = mixed_requests()
    serial = [await issue(loket, r) for r in requests]
    await forget_tickets(loket)
    loket.issuing = None  # a fresh group commit, as after a restart
    grouped = await asyncio.gather(*(issue(loket, r) for r in requests))

    assert summary(grouped) == summary(serial)
    for outcomes in (serial, grouped):
        check_people_ahead(outcomes)
    kinds = collections.Counter(kind for kind, _ in grouped)
    assert kinds["quota_exhausted"] > 20 and kinds["again"] > 50, kinds

    async with loket.db.read() as conn:
        rows = (await conn.execute(select(t.tickets.c.queue, t.tickets.c.number,
                                          t.tickets.c.first_service_id))).all()
        issued_at = (await conn.execute(select(t.events.c.at).where(
            t.events.c.type == "ticket.issued"))).scalars().all()
    by_queue: dict[str, list[int]] = collections.defaultdict(list)
    for row in rows:
        by_queue[row.queue].append(row.number)
    assert {q: sorted(n) for q, n in by_queue.items()} == {
        q: list(range(1, len(n) + 1)) for q, n in by_queue.items()}
    assert len(rows) == kinds["created"]
    assert sum(1 for r in rows if r.first_service_id == loket.ids.services["AKTA"]) == 3
    # The grouping really happened: a batch's events carry one time, the batch's.
    assert len(issued_at) == 2 * kinds["created"]
    grouped_times = set(issued_at[-kinds["created"]:])
    assert len(grouped_times) < kinds["created"] / 3, len(grouped_times)
