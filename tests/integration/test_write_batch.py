"""``Database.write_batch``: a writing transaction run as synchronous code (on SQLite on a
thread of its own) numbers and publishes its events like ``Database.write``, interleaves with
it, and a batch whose caller gives up still commits and publishes what it wrote."""

from __future__ import annotations

import asyncio
import functools
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from queue_server.store import tables as t
from queue_server.store.db import BatchTx, Database, StoredEvent, create_engine

AT = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)


async def _site(db: Database) -> int:
    async with db.engine.begin() as conn:
        return int((await conn.execute(insert(t.sites).values(
            code="uji", name="MPP Uji", timezone="Asia/Jakarta", event_seq=0)
            .returning(t.sites.c.id))).scalar_one())


def _emit(tx: BatchTx, name: str) -> str:
    for j in range(2):
        tx.emit(f"{name}.{j}", ("display",), {"j": j})
    # Read inside the transaction: the body's own connection sees the site's row.
    return str(tx.conn.execute(select(t.sites.c.code).where(
        t.sites.c.id == tx.site_id)).scalar_one())


async def test_batches_and_transactions_number_their_events_densely_together(
        database_url: str) -> None:
    db = Database(create_engine(database_url))
    try:
        site = await _site(db)
        published: list[StoredEvent] = []

        async def keep(stored: list[StoredEvent]) -> None:
            published.extend(stored)

        db.on_commit(keep)

        async def plain(i: int) -> str:
            async with db.write(site, AT) as tx:
                tx.emit(f"w{i}.0", ("display",), {})
                tx.emit(f"w{i}.1", ("display",), {})
            return "uji"

        async def batched(i: int) -> str:
            return await db.write_batch(site, AT, functools.partial(_emit, name=f"b{i}"))

        answers = await asyncio.gather(*(batched(i) if i % 2 else plain(i) for i in range(10)))
        assert answers == ["uji"] * 10
        assert sorted(e.seq for e in published) == list(range(1, 21))
        for i in range(10):
            mine = [e for e in published if e.type.startswith(("b", "w")[i % 2 == 0] + f"{i}.")]
            assert [e.seq for e in mine] == [mine[0].seq, mine[0].seq + 1], mine
        async with db.read() as conn:
            stored = (await conn.execute(select(t.events.c.seq, t.events.c.type).where(
                t.events.c.site_id == site).order_by(t.events.c.seq))).all()
        assert [(row.seq, row.type) for row in stored] == sorted(
            (e.seq, e.type) for e in published)
    finally:
        await db.dispose()


async def test_a_batch_given_up_by_its_caller_still_commits_and_publishes(
        sqlite_url: str) -> None:
    # Only SQLite runs a batch on a thread of its own, which goes on when its caller stops.
    db = Database(create_engine(sqlite_url))
    try:
        site = await _site(db)
        published: list[StoredEvent] = []

        async def keep(stored: list[StoredEvent]) -> None:
            published.extend(stored)

        db.on_commit(keep)
        entered, release = threading.Event(), threading.Event()

        def slow(tx: BatchTx) -> str:
            entered.set()
            assert release.wait(60), "the test never released the batch"
            return _emit(tx, "slow")

        task = asyncio.create_task(db.write_batch(site, AT, slow))
        assert await asyncio.to_thread(entered.wait, 60)
        task.cancel()
        for _ in range(20):  # let the cancellation reach the task
            await asyncio.sleep(0)
        # The thread is still writing: the caller waits for it, holding the write lock.
        assert not task.done()
        assert db._write_lock is not None and db._write_lock.locked()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [e.type for e in published] == ["slow.0", "slow.1"]
        async with db.read() as conn:
            types = (await conn.execute(select(t.events.c.type).where(
                t.events.c.site_id == site).order_by(t.events.c.seq))).scalars().all()
        assert types == ["slow.0", "slow.1"]
        # And the next writer goes on as usual.
        assert await db.write_batch(site, AT, lambda tx: _emit(tx, "next")) == "uji"
    finally:
        await db.dispose()
