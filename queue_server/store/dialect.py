"""The few statements SQLite and PostgreSQL spell differently, written once.

Services build queries with these and never ask which database they run on. SQLite needs no
row locks: every writing transaction there starts with ``BEGIN IMMEDIATE`` and holds the one
write lock (see ``db.py``), so the locking helpers leave its statements as they are.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    func,
    insert,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from queue_server.store import tables as t

S = TypeVar("S", bound=Select[Any])


def is_sqlite(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "sqlite"


def upsert(conn: AsyncConnection, table: Table,
           values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None, *,
           key: Sequence[str],
           update: Mapping[str, Any] | Sequence[str] | Callable[[Any], Mapping[str, Any]]
           | None = None) -> Insert:
    """``INSERT … ON CONFLICT (key)``: ``DO UPDATE`` with ``update`` — a mapping of column to
    new value, the names of columns to take from the proposed row, or a function of the
    proposed row (``excluded``) giving the mapping — or ``DO NOTHING`` when
    ``update`` is ``None``. ``values`` is one row, several (one multi-row statement), or
    ``None`` for an executemany with the rows given at execution. One statement, so two
    writers racing on a new key cannot both insert."""
    if is_sqlite(conn):
        stmt: sqlite.Insert | postgresql.Insert = sqlite.insert(table)
    else:
        stmt = postgresql.insert(table)
    if isinstance(values, Mapping):
        stmt = stmt.values(**values)
    elif values is not None:
        stmt = stmt.values(list(values))
    if update is None:
        return stmt.on_conflict_do_nothing(index_elements=list(key))
    if callable(update):
        set_ = dict(update(stmt.excluded))
    elif isinstance(update, Mapping):
        set_ = dict(update)
    else:
        set_ = {column: stmt.excluded[column] for column in update}
    return stmt.on_conflict_do_update(index_elements=list(key), set_=set_)


def locking(conn: AsyncConnection, query: S) -> S:
    """A read that locks the rows it returns until the transaction ends (``FOR UPDATE``)."""
    return query if is_sqlite(conn) else query.with_for_update()


def skip_locked(conn: AsyncConnection, query: S) -> S:
    """A read that locks the rows it returns and passes over rows another transaction holds
    (``FOR UPDATE SKIP LOCKED``): two counters calling at once take different tickets."""
    return skip_locked_if(row_locks(conn), query)


def row_locks(conn: AsyncConnection) -> bool:
    """Whether reads lock rows on this database (PostgreSQL); on SQLite the write lock
    already serialises the writers."""
    return not is_sqlite(conn)


def skip_locked_if(locks: bool, query: S) -> S:
    """:func:`skip_locked` for a statement built once and kept per kind of database
    (``locks`` from :func:`row_locks`)."""
    return query.with_for_update(skip_locked=True) if locks else query


def bound_rows(name: str, **columns: Any) -> Any:
    """PostgreSQL only: a table named ``name`` with one row per index of arrays bound as
    parameters named after its columns (``unnest``), e.g. to join each row LATERAL to a
    query of its own. SQLite has neither arrays nor LATERAL."""
    return func.unnest(*(bindparam(column, type_=postgresql.ARRAY(type_))
                         for column, type_ in columns.items())
                       ).table_valued(*columns).render_derived(name=name)


async def lock_key(conn: AsyncConnection, key: int) -> None:
    """Serialise transactions on ``key`` (a transaction-scoped advisory lock on PostgreSQL)
    when no single row stands for what they contend on."""
    if not is_sqlite(conn):
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextlib.asynccontextmanager
async def one_process_at_a_time(engine: AsyncEngine, key: int) -> AsyncIterator[bool]:
    """Whether this process has the turn for work that only one process at a time may do
    (a session advisory lock on PostgreSQL, held on a connection of its own until the block
    ends; a process that dies loses it with its connection). Nothing waits: another process
    holding the turn answers ``False``. A SQLite database is served by one process, so the
    answer there is always ``True``."""
    if engine.dialect.name == "sqlite":
        yield True
        return
    async with engine.connect() as conn:
        args = {"key": key}
        mine = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), args)
                     ).scalar_one())
        try:
            yield mine
        finally:
            if mine:
                # The connection goes back to the pool: a session lock would outlive the block.
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), args)


def fast_times(conn: AsyncConnection, columns: Sequence[ColumnElement[Any]]
               ) -> tuple[list[ColumnElement[Any]], Callable[[Any], datetime]]:
    """Timestamp columns to select in bulk, and the function that turns each value read into
    an aware UTC datetime. SQLite keeps times as text and SQLAlchemy's generic parser is
    several times slower than ``fromisoformat``, which matters at a month of tickets; on
    PostgreSQL the driver's values are used as they are."""
    if is_sqlite(conn):
        return [type_coerce(c, String) for c in columns], _utc_from_text
    return list(columns), _same


def _utc_from_text(value: Any) -> datetime:
    # Parsing the offset gives the shared UTC instance and is far cheaper than .replace().
    return datetime.fromisoformat(str(value) + "+00:00")


def _same(value: Any) -> datetime:
    return value  # type: ignore[no-any-return]


def seconds_between(conn: AsyncConnection, start: Any, end: Any) -> Any:
    """``end - start`` in seconds (a float), for aggregates over intervals."""
    if is_sqlite(conn):
        # Times are ISO text in SQLite; julianday reads them, fractions of a second too.
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.date_part("epoch", end - start)


def local_hour(conn: AsyncConnection, moment: Any, zone_of: Any, zones: Mapping[int, str],
               at: datetime) -> Any:
    """The hour (0–23) of a stored UTC ``moment`` in its site's time zone: ``zone_of`` is the
    column naming the site, ``zones`` maps each site to its zone. On SQLite the zone's UTC
    offset at ``at`` is used: Indonesia's zones (WIB, WITA, WIT) keep no summer time."""
    def per_site(values: Mapping[int, str]) -> Any:
        # one zone for all (the usual case in a province) needs no CASE on every row
        distinct = set(values.values())
        return next(iter(distinct)) if len(distinct) == 1 else case(dict(values), value=zone_of)

    if is_sqlite(conn):
        modifier = per_site({site: f"{_offset_s(zone, at):+d} seconds"
                             for site, zone in zones.items()})
        return cast(func.strftime("%H", moment, modifier), Integer)
    return cast(func.date_part("hour", func.timezone(per_site(zones), moment)), Integer)


def _offset_s(zone: str, at: datetime) -> int:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) if offset else 0


@dataclass(frozen=True)
class Notify:
    """How a PostgreSQL commit tells the other processes about its events: ``NOTIFY
    <channel>, '<site>:<first>:<last>:<origin>'`` (``events.backends`` reads it back)."""

    channel: str
    origin: str


_BUMP = """
    WITH bump AS (
        UPDATE sites SET event_seq = event_seq + :count WHERE id = :site
        RETURNING event_seq){note}
    INSERT INTO events (site_id, seq, type, at, topics, payload)
    SELECT :site, bump.event_seq - :count + e.ordinal, e.type, :at, e.topics,
           CAST(e.payload AS json)
    FROM bump{from_note}, unnest(:types, :topics, :payloads) WITH ORDINALITY
         AS e(type, topics, payload, ordinal)
    RETURNING seq"""
#: The notification in the same statement: delivered at commit, never for a rollback, and
#: no round trip of its own while the site's and the queues' rows are locked.
_NOTE = """,
    note AS (
        SELECT pg_notify(:channel, concat_ws(':', :site, event_seq - :count + 1, event_seq,
                                             :origin))
        FROM bump)"""
_APPEND_PARAMS = (
    bindparam("count", type_=BigInteger), bindparam("site", type_=Integer),
    bindparam("at", type_=t.events.c.at.type),
    bindparam("types", type_=postgresql.ARRAY(Text)),
    bindparam("topics", type_=postgresql.ARRAY(Text)),
    bindparam("payloads", type_=postgresql.ARRAY(Text)))
#: Number a transaction's events after the site's last one and store them, in one statement:
#: the site's row is locked from here to the commit, and every round trip inside that window
#: holds up every other writer of every process.
_APPEND_EVENTS_PG = text(_BUMP.format(note="", from_note="")).bindparams(*_APPEND_PARAMS)
_APPEND_EVENTS_PG_NOTIFY = text(_BUMP.format(note=_NOTE, from_note=", note")).bindparams(
    *_APPEND_PARAMS, bindparam("channel", type_=Text), bindparam("origin", type_=Text))
_BUMP_EVENT_SEQ = (
    update(t.sites).where(t.sites.c.id == bindparam("bump_site"))
    .values(event_seq=t.sites.c.event_seq + bindparam("bump_by", type_=Integer))
    .returning(t.sites.c.event_seq))


async def append_events(conn: AsyncConnection, site_id: int, at: datetime,
                        events: Sequence[tuple[str, str, Any]],
                        notify: Notify | None = None) -> int:
    """Store ``events`` (type, space-separated topics, payload) numbered after the site's
    last event, and on PostgreSQL send ``notify``; the last number. The site's row stays
    locked until the commit, which makes sequence order commit order. SQLite, with its one
    writer and no notifications, takes two statements."""
    if not is_sqlite(conn):
        params = {
            "count": len(events), "site": site_id, "at": at,
            "types": [type_ for type_, _, _ in events],
            "topics": [topics for _, topics, _ in events],
            "payloads": [json.dumps(payload) for _, _, payload in events]}
        if notify is None:
            seqs = (await conn.execute(_APPEND_EVENTS_PG, params)).scalars()
        else:
            seqs = (await conn.execute(_APPEND_EVENTS_PG_NOTIFY, {
                **params, "channel": notify.channel, "origin": notify.origin})).scalars()
        return int(max(seqs))
    last = int((await conn.execute(_BUMP_EVENT_SEQ, {
        "bump_site": site_id, "bump_by": len(events)})).scalar_one())
    await conn.execute(insert(t.events), [
        {"site_id": site_id, "seq": last - len(events) + i, "type": type_, "at": at,
         "topics": topics, "payload": payload}
        for i, (type_, topics, payload) in enumerate(events, start=1)])
    return last
