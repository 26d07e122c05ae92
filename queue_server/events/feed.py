"""The events table as the one ordered source for the hub.

Local commits hand their events to the hub directly when they follow on from its cursor.
Anything else (a NOTIFY from another process, a gap left by two local commits finishing out
of order, the catch-up after the LISTEN connection came back) just wakes the feed, which
reads ``seq > cursor`` from the table and hands the rows to the hub in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.events.hub import Hub
from queue_server.store import tables as t
from queue_server.store.db import Database, StoredEvent

log = logging.getLogger(__name__)

PAGE = 500


def to_event(row: Any) -> StoredEvent:
    return StoredEvent(site_id=row.site_id, seq=row.seq, type=row.type, at=row.at,
                       topics=tuple(row.topics.split()), payload=row.payload)


async def events_after(conn: AsyncConnection, site_id: int, after: int,
                       limit: int = PAGE) -> list[StoredEvent]:
    ev = t.events
    rows = (await conn.execute(select(ev).where(ev.c.site_id == site_id, ev.c.seq > after)
                               .order_by(ev.c.seq).limit(limit))).all()
    return [to_event(r) for r in rows]


async def current_seq(conn: AsyncConnection, site_id: int) -> int:
    seq = (await conn.execute(select(t.sites.c.event_seq).where(t.sites.c.id == site_id))
           ).scalar_one_or_none()
    return int(seq or 0)


class EventFeed:
    """Reads new rows of the events table into the hub whenever woken (and every
    ``poll_s`` as a safety net, e.g. for a NOTIFY lost while nobody listened)."""

    def __init__(self, db: Database, hub: Hub, site_id: int, *, poll_s: float = 5.0) -> None:
        self.db = db
        self.hub = hub
        self.site_id = site_id
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def catch_up(self) -> int:
        """Deliver every committed event after the hub's cursor; returns how many."""
        total = 0
        for _ in range(1000):  # bounded: 500k events is far beyond any backlog we keep
            after = self.hub.cursor or 0
            async with self.db.read() as conn:
                events = await events_after(conn, self.site_id, after)
            total += self.hub.deliver(events, from_table=True)
            if len(events) < PAGE:
                break
        return total

    async def _run(self) -> None:
        while True:
            # asyncio.timeout: wait_for on 3.11 can swallow a cancellation (see jobs.every).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the events table failed; retrying")
                await asyncio.sleep(1.0)
                self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[EventFeed]:
        async with self.db.read() as conn:
            self.hub.start_at(await current_seq(conn, self.site_id))
        self.hub.on_gap = self.wake
        self._task = asyncio.create_task(self._run(), name="loket-event-feed")
        try:
            yield self
        finally:
            self.hub.on_gap = None
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
