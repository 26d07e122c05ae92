"""Across processes: PostgreSQL ``LISTEN/NOTIFY`` wakes every process's event feed.

Each writing transaction sends ``NOTIFY loket_events, '<site>:<first>:<last>:<origin>'``,
a few bytes; nobody reads events from the notification, only from the events table. Each process
keeps one dedicated asyncpg connection listening on the channel. When that connection is
lost it reconnects with backoff and then wakes the feed, which catches up from the table by
seq, so nothing committed while it was down is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable

from sqlalchemy.engine import make_url

from queue_server.store.dialect import Notify

log = logging.getLogger(__name__)

CHANNEL = "loket_events"
APPLICATION_NAME = "loket-listen"


def plain_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` → ``postgresql://…`` for asyncpg itself."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def notification(site_id: int, first: int, last: int, origin: str) -> str:
    """The payload; PostgreSQL builds the same in ``dialect.append_events``."""
    return f"{site_id}:{first}:{last}:{origin}"


def parse_notification(payload: str) -> tuple[int, int, int, str] | None:
    parts = payload.split(":")
    if len(parts) != 4:
        return None
    site, first, last, origin = parts
    try:
        return int(site), int(first), int(last), origin
    except ValueError:
        return None


def this_process(channel: str = CHANNEL) -> Notify:
    """How this process's commits tell the other processes there is something new
    (``Database.notify_commits``: in the statement that stores the events, delivered at
    commit). Its ``origin`` names this process, whose own commits reach its hub directly:
    the notification can arrive before the writer has published them, and must not send the
    feed to read them again."""
    return Notify(channel, secrets.token_hex(6))


class PostgresListener:
    """One LISTEN connection per process, kept alive: reconnects with backoff after loss
    and calls ``on_connect`` (catch up) each time it is listening again."""

    def __init__(self, dsn: str, *, on_notify: Callable[[str], None],
                 on_connect: Callable[[], None], channel: str = CHANNEL,
                 application_name: str = APPLICATION_NAME, probe_s: float = 2.0,
                 max_backoff_s: float = 5.0) -> None:
        self.dsn = dsn
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.channel = channel
        self.application_name = application_name
        self.probe_s = probe_s
        self.max_backoff_s = max_backoff_s
        self.listening = asyncio.Event()
        self.connects = 0
        self._task: asyncio.Task[None] | None = None

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.on_notify(str(payload))

    async def _listen_once(self) -> None:
        # Imported here: asyncpg is the optional ``postgres`` extra, and this module is
        # loaded by every process, SQLite ones included.
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(
            self.dsn, timeout=10,
            server_settings={"application_name": self.application_name})
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        try:
            await conn.add_listener(self.channel, self._notified)
            self.connects += 1
            self.listening.set()
            self.on_connect()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.probe_s):  # not wait_for: see jobs.every
                        await lost.wait()
                    break
                # A half-open TCP connection raises nothing; a query with a deadline does.
                async with asyncio.timeout(self.probe_s):
                    await conn.fetchval("SELECT 1")
        finally:
            self.listening.clear()
            if not conn.is_closed():
                conn.terminate()

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._listen_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN connection lost (%s); reconnecting in %.1fs", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[PostgresListener]:
        self._task = asyncio.create_task(self._run(), name="loket-listen")
        try:
            # Start-up waits briefly for the first LISTEN, so a fresh process does not miss
            # another's notification; it still starts (and catches up later) without it.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await self.listening.wait()
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
