"""Engines and transactions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from queue_server.store.dialect import append_events

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
        _tune_sqlite(engine.sync_engine)
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


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
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

    @event.listens_for(engine, "begin")
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
class Emitted:
    """The events a writing transaction emits; they get their sequence numbers at commit."""

    site_id: int
    now: datetime
    pending: list[PendingEvent] = field(default_factory=list)

    def emit(self, type_: str, topics: tuple[str, ...], payload: dict[str, Any]) -> None:
        self.pending.append(PendingEvent(type_, topics, payload))

    def _to_store(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [(e.type, " ".join(e.topics), e.payload) for e in self.pending]

    def _numbered(self, last: int) -> list[StoredEvent]:
        first = last - len(self.pending) + 1
        return [StoredEvent(self.site_id, first + i, e.type, self.now, e.topics, e.payload)
                for i, e in enumerate(self.pending)]


@dataclass
class Tx(Emitted):
    """One writing transaction (``Database.write``)."""

    conn: AsyncConnection = field(kw_only=True)

    async def _write_events(self) -> list[StoredEvent]:
        if not self.pending:
            return []
        # Taken last, just before commit: the row lock on the site is held for as short a
        # time as possible, and it makes sequence order equal commit order.
        return self._numbered(await self.conn.run_sync(
            append_events, self.site_id, self.now, self._to_store()))


@dataclass
class BatchTx(Emitted):
    """One writing transaction run as synchronous code (``Database.write_batch``)."""

    conn: Connection = field(kw_only=True)

    def _write_events(self) -> list[StoredEvent]:
        if not self.pending:
            return []
        return self._numbered(append_events(self.conn, self.site_id, self.now,
                                            self._to_store()))


T = TypeVar("T")
Publisher = Callable[[list[StoredEvent]], Awaitable[None]]
#: Runs inside a writing transaction just before its commit, with the events it numbered.
InTransaction = Callable[[AsyncConnection, list[StoredEvent]], Awaitable[None]]


class Database:
    def __init__(self, engine: AsyncEngine, *, write_lock: asyncio.Lock | None = None,
                 batches: _BatchThread | None = None) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # One writer at a time inside this process: SQLite allows only one anyway, and
        # queueing here is cheaper than spinning on SQLITE_BUSY.
        self._write_lock = (write_lock or asyncio.Lock()) if self.is_sqlite else None
        self._publishers: list[Publisher] = []
        self._before_commit: list[InTransaction] = []
        self._batches = batches or (_BatchThread(engine) if self.is_sqlite else None)

    @property
    def notifies_across_processes(self) -> bool:
        """Whether commits can wake other processes at once (PostgreSQL ``LISTEN/NOTIFY``);
        on SQLite other processes find new events by polling."""
        return not self.is_sqlite
    def sibling(self) -> Database:
        """The same engine and write lock with listeners of its own. Each site of a
        multi-site server writes through its own sibling, so a site's commits reach only
        that site's hub, jobs and metrics."""
        return Database(self.engine, write_lock=self._write_lock, batches=self._batches)

    def on_commit(self, publisher: Publisher) -> None:
        self._publishers.append(publisher)

    def before_commit(self, step: InTransaction) -> None:
        """Run ``step`` in every writing transaction that numbered events, just before it
        commits: what it does commits or rolls back with them (PostgreSQL's ``NOTIFY``
        is sent at commit), and it costs no connection or round trip of its own."""
        self._before_commit.append(step)

    @asynccontextmanager
    async def write(self, site_id: int, now: datetime) -> AsyncIterator[Tx]:
        """A transaction that commits when the block ends without an exception; its events
        are numbered inside it and handed to the publishers only after the commit."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.engine.connect() as conn:
            conn = await conn.execution_options(loket_write=True)
            async with conn.begin():
                tx = Tx(site_id, now, conn=conn)
                yield tx
                stored = await tx._write_events()
                if stored:
                    for step in self._before_commit:
                        await step(conn, stored)
        await self._publish(stored)

    async def write_batch(self, site_id: int, now: datetime,
                          body: Callable[[BatchTx], T]) -> T:
        """``body``'s answer, run as one writing transaction like :meth:`write`, but as
        synchronous code. On SQLite the whole transaction runs on a thread of its own in one
        hand-off: the write lock is held for SQLite's own time, not for the event loop's
        turns between the many hand-offs to the async driver's thread (one per statement,
        fetch and cursor), which under load made a batch of a few calls hold it 20 ms. On
        PostgreSQL it runs on the event loop through the async driver, as :meth:`write`."""
        if not self.is_sqlite:
            async with self.write(site_id, now) as tx:
                return await tx.conn.run_sync(lambda conn: body(
                    BatchTx(site_id, now, tx.pending, conn=conn)))
        assert self._write_lock is not None and self._batches is not None
        async with self._write_lock:
            done: asyncio.Future[tuple[T, list[StoredEvent]]] = asyncio.wrap_future(
                self._batches.submit(_run_batch, site_id, now, body))
            try:
                answer, stored = await asyncio.shield(done)
            except asyncio.CancelledError:
                # The thread goes on to its commit: hold the lock until it has, and publish
                # what it committed, before giving up.
                answer, stored = await done
                await self._publish(stored)
                raise
        await self._publish(stored)
        return answer

    async def _publish(self, stored: list[StoredEvent]) -> None:
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
        if self._batches is not None:
            self._batches.close()


class _BatchThread:
    """SQLite's writing batches (``Database.write_batch``): a synchronous engine on the same
    file and the one thread that uses it, both made on first use."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._url = engine.url.set(drivername="sqlite+pysqlite")
        self._engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._thread is None:
            # The thread makes and uses the connection; it may be closed from elsewhere.
            self._engine = create_sync_engine(self._url, pool_size=1, max_overflow=0,
                                              connect_args={"check_same_thread": False})
            _tune_sqlite(self._engine)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="loket-sqlite-batch")
        return self._thread.submit(fn, self._engine, *args)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _run_batch(engine: Engine, site_id: int, now: datetime, body: Callable[[BatchTx], T]
               ) -> tuple[T, list[StoredEvent]]:
    with engine.connect() as conn:
        conn = conn.execution_options(loket_write=True)
        with conn.begin():
            tx = BatchTx(site_id, now, conn=conn)
            answer = body(tx)
            stored = tx._write_events()
    return answer, stored
