"""A writing transaction's events are numbered after the site's last event, in the order they
were emitted, and stored as emitted (PostgreSQL does it in one statement, SQLite in two)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from queue_server.events.backends import parse_notification, plain_dsn
from queue_server.store import tables as t
from queue_server.store.db import Database, StoredEvent, create_engine
from queue_server.store.dialect import Notify
from tests.conftest import PostgresDatabases, missing

AT = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)


async def _write(db: Database, site: int, events: list[tuple[str, dict[str, object]]]) -> None:
    async with db.write(site, AT) as tx:
        for type_, payload in events:
            tx.emit(type_, ("display", f"ticket:{type_}"), payload)


async def test_events_of_concurrent_transactions_are_numbered_densely_in_order(
        database_url: str) -> None:
    db = Database(create_engine(database_url))
    try:
        async with db.engine.begin() as conn:
            site = (await conn.execute(insert(t.sites).values(
                code="uji", name="MPP Uji", timezone="Asia/Jakarta", event_seq=40)
                .returning(t.sites.c.id))).scalar_one()
        published: list[StoredEvent] = []

        async def keep(stored: list[StoredEvent]) -> None:
            published.extend(stored)

        db.on_commit(keep)
        await _write(db, site, [("a", {"n": 1, "nama": "Siti Aminah — é"}),
                                ("b", {"n": 2, "nested": {"list": [1, None]}})])
        assert [(e.seq, e.type) for e in published] == [(41, "a"), (42, "b")]
        # Eight transactions at once, three events each: every number once, each
        # transaction's events consecutive and in the order it emitted them.
        await asyncio.gather(*(
            _write(db, site, [(f"t{i}.{j}", {"i": i, "j": j}) for j in range(3)])
            for i in range(8)))
        assert sorted(e.seq for e in published) == list(range(41, 41 + 26))
        for i in range(8):
            mine = [e for e in published if e.type.startswith(f"t{i}.")]
            assert [e.type for e in mine] == [f"t{i}.0", f"t{i}.1", f"t{i}.2"]
            assert [e.seq for e in mine] == list(range(mine[0].seq, mine[0].seq + 3))
        async with db.read() as conn:
            stored = {row.seq: row for row in await conn.execute(
                select(t.events).where(t.events.c.site_id == site))}
            last = (await conn.execute(select(t.sites.c.event_seq).where(
                t.sites.c.id == site))).scalar_one()
        assert last == 66 and sorted(stored) == list(range(41, 67))
        assert stored[41].payload == {"n": 1, "nama": "Siti Aminah — é"}
        assert stored[42].payload == {"n": 2, "nested": {"list": [1, None]}}
        assert stored[42].topics == "display ticket:b" and stored[42].at == AT
        for event in published:
            assert stored[event.seq].type == event.type
            assert stored[event.seq].payload == event.payload
    finally:
        await db.dispose()


async def test_a_postgres_commit_notifies_its_events_once_and_a_rollback_never(
        postgres: PostgresDatabases | None) -> None:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        return
    import asyncpg  # the PostgreSQL extra, like the database this test needs

    url = await asyncio.to_thread(postgres.new)
    db = Database(create_engine(url))
    listener = await asyncpg.connect(plain_dsn(url))
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        await listener.add_listener("loket_test", lambda *args: heard.put_nowait(args[3]))
        async with db.engine.begin() as conn:
            site = (await conn.execute(insert(t.sites).values(
                code="uji", name="MPP Uji", timezone="Asia/Jakarta", event_seq=40)
                .returning(t.sites.c.id))).scalar_one()
        db.notify_commits(Notify("loket_test", "p1"))
        with pytest.raises(RuntimeError):
            async with db.write(site, AT) as tx:
                tx.emit("gone", ("display",), {})
                raise RuntimeError("the transaction fails after numbering its events")
        await _write(db, site, [("a", {}), ("b", {}), ("c", {})])
        # Notifications arrive in commit order: had the rolled-back one been sent, it would
        # come first.
        async with asyncio.timeout(30):
            payload = await heard.get()
        assert parse_notification(payload) == (site, 41, 43, "p1")
        assert heard.empty()
    finally:
        await listener.close()
        await db.dispose()
