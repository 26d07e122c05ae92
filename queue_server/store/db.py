"""Engines and transactions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from queue_server.store.dialect import Notify, append_events

DEFAULT_SQLITE = Path("loket-data") / "loket.db"
log = logging.getLogger(__name__)


class DatabaseUrlError(ValueError):
    """The database URL cannot be used on this installation; the message says what to do."""


def async_url(url: str | None) -> str:
    """Accept plain URLs (``sqlite:///x.db``, ``postgresql://u@h/db``) and pick the async
    driver, so people can paste what they know."""
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{DEFAULT_SQLITE}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return str(parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False))
    if backend in {"postgresql", "postgres"}:
        if importlib.util.find_spec("asyncpg") is None:
            raise DatabaseUrlError(
                "PostgreSQL butuh driver asyncpg yang belum terpasang: "
                "jalankan pip install 'loket[postgres]'")
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseUrlError(
        f"basis data tidak didukung: {backend} (pakai sqlite:///… atau postgresql://…)")


#: How long a request waits for a pooled connection before answering 503 busy. Under a burst
#: requests queue here rather than fail: a few seconds of waiting beats an error.
POOL_TIMEOUT_S = 30.0
#: Connections per server process on PostgreSQL (plus one for LISTEN). A busy transaction
#: takes milliseconds; more connections than cores mostly add contention.
PG_POOL_SIZE = 15


def create_engine(url: str | None, *, pool_timeout_s: float = POOL_TIMEOUT_S) -> AsyncEngine:
    full = async_url(url)
    if full.startswith("sqlite"):
        engine = create_async_engine(full, pool_size=20, max_overflow=0,
                                     pool_timeout=pool_timeout_s)
        _tune_sqlite(engine)
        return engine
    # No overflow: under a burst requests wait their turn for one of the pooled connections
    # (up to ``pool_timeout_s``) instead of opening more, which on a shared server ends in
    # "too many clients" errors for everyone.
    engine = create_async_engine(full, pool_size=PG_POOL_SIZE, max_overflow=0,
                                 pool_timeout=pool_timeout_s)
    _ping_after_idle(engine)
    return engine


#: A pooled PostgreSQL connection unused for this long is tested before it is handed out.
PING_AFTER_IDLE_S = 5.0


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Test a connection at checkout only when it has sat idle in the pool: after a quiet
    spell is when PostgreSQL may have restarted or a firewall dropped it unseen. SQLAlchemy's
    ``pool_pre_ping`` tests every checkout, which on asyncpg is three round trips (BEGIN, a
    ping, ROLLBACK) and cost a quarter of the issuing throughput. Under load connections go
    round in milliseconds; one that died meanwhile fails its statement, the request answers
    503, and SQLAlchemy replaces every connection older than the failure."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool throws this connection away and checks out another.
            raise DisconnectionError() from exc


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: the driver's implicit BEGIN is DEFERRED, which lets
        # two writers read the same "next number" before either writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front; other transactions stay deferred so that
        # WAL lets them read while someone writes. ``Database.read`` needs none: each of its
        # statements reads a snapshot of its own, as under PostgreSQL's READ COMMITTED.
        options = conn.get_execution_options()
        if options.get("loket_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("loket_read"):
            conn.exec_driver_sql("BEGIN")


@dataclass
class PendingEvent:
    type: str
    topics: tuple[str, ...]
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredEvent:
    site_id: int
    seq: int
    type: str
    at: datetime
    topics: tuple[str, ...]
    payload: dict[str, Any]

    def message(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "at": self.at.isoformat(), **self.payload}


@dataclass
class Tx:
    """One writing transaction; events emitted here get their sequence numbers at commit."""

    conn: AsyncConnection
    site_id: int
    now: datetime
    pending: list[PendingEvent] = field(default_factory=list)
    #: where the commit tells the other processes (PostgreSQL), if anywhere
    notify: Notify | None = None

    def emit(self, type_: str, topics: tuple[str, ...], payload: dict[str, Any]) -> None:
        self.pending.append(PendingEvent(type_, topics, payload))

    async def _write_events(self) -> list[StoredEvent]:
        if not self.pending:
            return []
        # Taken last, just before commit: the row lock on the site is held for as short a
        # time as possible, and it makes sequence order equal commit order.
        last = await append_events(self.conn, self.site_id, self.now, [
            (e.type, " ".join(e.topics), e.payload) for e in self.pending], self.notify)
        first = last - len(self.pending) + 1
        stored = [
            StoredEvent(self.site_id, first + i, e.type, self.now, e.topics, e.payload)
            for i, e in enumerate(self.pending)
        ]
        return stored


Publisher = Callable[[list[StoredEvent]], Awaitable[None]]


class Database:
    def __init__(self, engine: AsyncEngine, *, write_lock: asyncio.Lock | None = None) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # One writer at a time inside this process: SQLite allows only one anyway, and
        # queueing here is cheaper than spinning on SQLITE_BUSY.
        self._write_lock = (write_lock or asyncio.Lock()) if self.is_sqlite else None
        self._publishers: list[Publisher] = []
        self._notify: Notify | None = None

    @property
    def notifies_across_processes(self) -> bool:
        """Whether commits can wake other processes at once (PostgreSQL ``LISTEN/NOTIFY``);
        on SQLite other processes find new events by polling."""
        return not self.is_sqlite
    def sibling(self) -> Database:
        """The same engine and write lock with listeners of its own. Each site of a
        multi-site server writes through its own sibling, so a site's commits reach only
        that site's hub, jobs and metrics."""
        return Database(self.engine, write_lock=self._write_lock)

    def on_commit(self, publisher: Publisher) -> None:
        self._publishers.append(publisher)

    def notify_commits(self, notify: Notify) -> None:
        """From now on every writing transaction that stores events also sends ``NOTIFY
        <channel>, '<site>:<first>:<last>:<origin>'`` (PostgreSQL), in the statement that
        stores them: delivered at commit, never for a rollback, and no round trip of its
        own while the transaction holds its rows."""
        if not self.notifies_across_processes:
            raise ValueError("only PostgreSQL notifies other processes")
        self._notify = notify

    @asynccontextmanager
    async def write(self, site_id: int, now: datetime) -> AsyncIterator[Tx]:
        """A transaction that commits when the block ends without an exception; its events
        are numbered inside it and handed to the publishers only after the commit."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.engine.connect() as conn:
            conn = await conn.execution_options(loket_write=True)
            async with conn.begin():
                tx = Tx(conn, site_id, now, notify=self._notify)
                yield tx
                stored = await tx._write_events()
        for publish in self._publishers:
            try:
                await publish(stored)
            except Exception:  # a broken listener must not turn a commit into an error
                log.exception("event publisher failed")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading only, outside any transaction: no BEGIN and ROLLBACK
        around the reads on PostgreSQL (two round trips), no BEGIN on SQLite (a hop to the
        driver's thread). Each statement reads what was committed when it started, which
        under READ COMMITTED was already so within a transaction."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = await conn.execution_options(loket_read=True)
            else:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
