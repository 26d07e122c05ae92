"""Screens' health (the ``screens`` table) and the per-zone announcement mark.

A screen says ``hello`` when it connects and ``health`` now and then; the supervisor sees
``screen.health`` events when one comes or goes. Frequent health reports are kept in memory
and written in one transaction every few seconds, so a thousand screens cost one write.

Each display zone has one announcement mark: the highest call seq already announced there. It
lives in the same table as a row with ``kind = "announcer"`` and ``client_id =
"announcer:<zone>"``, so every process and every reloaded page shares it. A page *claims* a
call before playing it; the claim is a conditional ``UPDATE … WHERE last_seq < seq``, so
within a zone each call is said once, in order, even with two screens or after a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from queue_server.services.context import Loket
from queue_server.store import tables as t
from queue_server.store.dialect import upsert

log = logging.getLogger(__name__)

KINDS = frozenset({"display", "kiosk", "counter", "supervisor", "phone", "other"})
ANNOUNCER = "announcer"
FLUSH_S = 5.0


def announcer_id(zone: str) -> str:
    return f"{ANNOUNCER}:{zone}"[:64]


async def announced_through(conn: AsyncConnection, site_id: int, zone: str) -> int:
    sc = t.screens
    seq = (await conn.execute(select(sc.c.last_seq).where(
        sc.c.site_id == site_id, sc.c.client_id == announcer_id(zone)))).scalar_one_or_none()
    return int(seq or 0)


def _upsert(conn: AsyncConnection, values: dict[str, Any],
            update_cols: tuple[str, ...]) -> Insert:
    return upsert(conn, t.screens, values, key=["site_id", "client_id"], update=update_cols)


async def claim_announcement(loket: Loket, zone: str, seq: int) -> bool:
    """Claim the call ``seq`` for ``zone``: ``True`` exactly once per zone and only while no
    later call has been claimed there."""
    now = loket.clock.now()
    sc = t.screens
    client_id = announcer_id(zone)
    async with loket.db.write(loket.ids.site, now) as tx:
        await tx.conn.execute(_insert_ignore(tx.conn, loket, client_id, zone, now))
        result = await tx.conn.execute(update(sc).where(
            sc.c.site_id == loket.ids.site, sc.c.client_id == client_id,
            sc.c.last_seq < seq).values(last_seq=seq, last_seen_at=now))
        return bool(result.rowcount == 1)


def _insert_ignore(conn: AsyncConnection, loket: Loket, client_id: str, zone: str,
                   now: datetime) -> Insert:
    return upsert(conn, t.screens, {
        "site_id": loket.ids.site, "client_id": client_id, "kind": ANNOUNCER,
        "zone": zone[:32], "last_seen_at": now, "last_seq": 0, "state": "online",
    }, key=["site_id", "client_id"])


@dataclass
class ScreenInfo:
    client_id: str
    kind: str
    zone: str | None
    user_agent: str | None
    last_seq: int | None = None


class Screens:
    """Records screens' health; writes batched every ``flush_s``."""

    def __init__(self, loket: Loket, *, flush_s: float = FLUSH_S) -> None:
        self.loket = loket
        self.flush_s = flush_s
        self._dirty: dict[str, ScreenInfo] = {}

    async def _write(self, info: ScreenInfo, state: str, *, emit: bool) -> None:
        loket = self.loket
        now = loket.clock.now()
        async with loket.db.write(loket.ids.site, now) as tx:
            await tx.conn.execute(_upsert(tx.conn, {
                "site_id": loket.ids.site, "client_id": info.client_id, "kind": info.kind,
                "zone": info.zone, "user_agent": info.user_agent, "last_seen_at": now,
                "last_seq": info.last_seq, "state": state,
            }, ("kind", "zone", "user_agent", "last_seen_at", "last_seq", "state")))
            if emit:
                tx.emit("screen.health", ("supervisor",), {
                    "screen": {"client_id": info.client_id, "kind": info.kind,
                               "zone": info.zone, "state": state,
                               "last_seq": info.last_seq,
                               "last_seen_at": loket.local(now)}})

    async def hello(self, info: ScreenInfo) -> None:
        self._dirty.pop(info.client_id, None)
        await self._write(info, "online", emit=True)

    def health(self, info: ScreenInfo) -> None:
        self._dirty[info.client_id] = info

    async def gone(self, info: ScreenInfo) -> None:
        self._dirty.pop(info.client_id, None)
        await self._write(info, "offline", emit=True)

    async def flush(self) -> None:
        dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        loket = self.loket
        now = loket.clock.now()
        async with loket.db.write(loket.ids.site, now) as tx:
            for info in dirty.values():
                await tx.conn.execute(_upsert(tx.conn, {
                    "site_id": loket.ids.site, "client_id": info.client_id,
                    "kind": info.kind, "zone": info.zone, "user_agent": info.user_agent,
                    "last_seen_at": now, "last_seq": info.last_seq, "state": "online",
                }, ("last_seen_at", "last_seq", "state")))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Screens]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(self.flush_s)
                try:
                    await self.flush()
                except Exception:
                    log.exception("writing screen health failed")

        task = asyncio.create_task(loop(), name="loket-screens")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self.flush()
