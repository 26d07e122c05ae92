"""The outbox's once-only rules under real concurrency, on SQLite and PostgreSQL: two
"processes" (two engines on one database) receiving the same webhook, deriving the same
events and claiming the same due messages at the same moment."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from queue_server.channels.base import Inbound, Outcome, SendResult, Template
from queue_server.clock import ShiftedClock
from queue_server.services import staff, tickets
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.services.wa_outbox import (
    CLAIM_LEASE_S,
    claim_due,
    derive_notifications,
    enqueue,
    record_result,
    recover_abandoned,
)
from queue_server.services.wa_worker import Sender
from queue_server.services.whatsapp import WhatsAppDesk, receive
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases, missing
from tests.support.staff import CHEAP_HASHER, PASSWORD


class Unused:
    """These tests never send: only ``receive``, deriving and claiming are raced."""

    name = "unused"


@contextlib.asynccontextmanager
async def two_desks(url: str, channel: Any = None) -> AsyncIterator[tuple[WhatsAppDesk,
                                                                         WhatsAppDesk]]:
    """Two "processes" (two engines, one clock) on the database at ``url``."""
    site = load_site(SITE_FILE)
    clock = ShiftedClock(datetime.fromisoformat(MONDAY_MORNING))
    lokets = []
    for _ in range(2):
        db = Database(create_engine(url))
        live, ids, _ = await open_site_at_start(db.engine, site, clock.now())
        lokets.append(Loket(db=db, site=live, ids=ids, clock=clock))
    async with lokets[0].db.engine.begin() as conn:
        await staff.add_user(conn, lokets[0].ids.site, "siti", PASSWORD, "officer",
                             clock.now(), hasher=CHEAP_HASHER)
    try:
        yield (WhatsAppDesk(lokets[0], channel or Unused()),
               WhatsAppDesk(lokets[1], channel or Unused()))
    finally:
        for loket in lokets:
            loket.passwords.close()
            await loket.db.dispose()


@pytest.fixture
async def two(database_url: str) -> AsyncIterator[tuple[WhatsAppDesk, WhatsAppDesk]]:
    async with two_desks(database_url) as desks:
        yield desks


async def rows(loket: Loket, table: t.Table) -> int:
    async with loket.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_same_webhook_received_twice_at_once_is_answered_once(
        two: tuple[WhatsAppDesk, WhatsAppDesk]) -> None:
    message = Inbound("wamid.same", "6281234567890", "syarat ktp")
    results = await asyncio.gather(*(receive(desk, message) for desk in two for _ in range(3)))
    assert sorted(results) == [False] * 5 + [True]
    assert await rows(two[0].loket, t.wa_inbound) == 1
    assert await rows(two[0].loket, t.wa_outbox) == 1


async def test_two_processes_deriving_the_same_call_queue_one_notification(
        two: tuple[WhatsAppDesk, WhatsAppDesk]) -> None:
    loket = two[0].loket
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    key = await tickets.visitor_key(loket, ticket["id"])
    assert await receive(two[0], Inbound("wamid.sub", "628111", f"kabari {ticket['id']} {key}"))
    actor = (await staff.sign_in(loket, "siti", PASSWORD, "A1")).actor
    await tickets.call_next(loket, "A1", actor)
    await asyncio.gather(*(derive_notifications(desk.loket) for desk in two for _ in range(3)))
    async with loket.db.read() as conn:
        kinds = (await conn.execute(select(t.wa_outbox.c.kind).order_by(t.wa_outbox.c.id))
                 ).scalars().all()
        cursor = (await conn.execute(select(t.wa_cursor.c.last_seq))).scalar_one()
        last = (await conn.execute(select(func.max(t.events.c.seq)))).scalar_one()
    assert list(kinds) == ["reply", "called"]
    assert cursor == last


async def test_two_workers_claiming_at_once_never_take_the_same_message(
        two: tuple[WhatsAppDesk, WhatsAppDesk]) -> None:
    loket = two[0].loket
    async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
        for n in range(40):
            await enqueue(tx.conn, loket.ids.site, loket.clock.now(), key=f"k{n}",
                          phone="628111", kind="reply", body=f"pesan {n}")
    batches = await asyncio.gather(*(claim_due(desk.loket, f"w{i}-{j}", limit=7)
                                     for i, desk in enumerate(two) for j in range(4)))
    claimed = [m.id for batch in batches for m in batch]
    assert len(claimed) == len(set(claimed))
    # Whatever was not claimed in that round is still there for the next one.
    rest = await claim_due(loket, "late", limit=100)
    assert sorted(claimed + [m.id for m in rest]) == sorted(set(claimed + [m.id for m in rest]))
    assert len(claimed) + len(rest) == 40


async def test_a_claim_left_by_a_dead_process_is_marked_unknown_and_never_resent(
        two: tuple[WhatsAppDesk, WhatsAppDesk]) -> None:
    loket = two[0].loket
    async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
        await enqueue(tx.conn, loket.ids.site, loket.clock.now(), key="k-crash",
                      phone="628111", kind="reply", body="pesan")
    claimed = await claim_due(loket, "dies-mid-send")
    assert len(claimed) == 1
    # Within the lease another process leaves it alone: it may still be sending.
    assert await recover_abandoned(two[1].loket) == 0
    assert loket.clock is two[1].loket.clock
    assert isinstance(loket.clock, ShiftedClock)
    loket.clock.advance(timedelta(seconds=CLAIM_LEASE_S + 1))
    assert await recover_abandoned(two[1].loket) == 1
    assert await claim_due(two[1].loket, "after-restart") == []
    async with loket.db.read() as conn:
        state = (await conn.execute(select(t.wa_outbox.c.state))).scalar_one()
    assert state == "unknown"
    # The dead process's late answer cannot turn it back into something to send.
    assert await record_result(loket, claimed[0], SendResult(Outcome.RETRY, error="x")) \
        == "abandoned"
    async with loket.db.read() as conn:
        state = (await conn.execute(select(t.wa_outbox.c.state))).scalar_one()
    assert state == "unknown"


class Clocked:
    """A provider that takes every message and notes when it arrived."""

    name = "clocked"

    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def send(self, phone: str, text: str,
                   template: Template | None = None) -> SendResult:
        self.arrivals.append(time.monotonic())
        await asyncio.sleep(0)  # let the other sender run in between, as a real request would
        return SendResult(Outcome.SENT, provider_id=f"wamid.{len(self.arrivals)}")


@pytest.fixture
def postgres_url(postgres: PostgresDatabases | None) -> str:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    return postgres.new()


@pytest.mark.postgres
async def test_two_postgres_processes_together_keep_the_providers_rate_limit(
        postgres_url: str) -> None:
    """Each process paces itself at the number's limit; only one may send at a time, or two
    servers would together send twice as fast as the provider allows. (SQLite: one process.)"""
    rate, count = 10, 30
    provider = Clocked()
    async with two_desks(postgres_url, provider) as desks:
        loket = desks[0].loket
        async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
            for n in range(count):
                await enqueue(tx.conn, loket.ids.site, loket.clock.now(), key=f"r{n}",
                              phone="628111", kind="reply", body=f"pesan {n}")
        senders = [Sender(desk, rate, account="https://graph.example/v21.0/123")
                   for desk in desks]
        sent = 0
        for _ in range(20):  # bounded; each round of the holder sends everything due
            sent += sum(await asyncio.gather(*(s.round() for s in senders)))
            if sent >= count:
                break
    assert sent == count == len(provider.arrivals)
    # A token bucket lets at most burst + rate × 1 s through in any one second.
    arrivals = sorted(provider.arrivals)
    busiest = max(sum(1 for b in arrivals if a <= b < a + 1.0) for a in arrivals)
    assert busiest <= 2 * rate, busiest
