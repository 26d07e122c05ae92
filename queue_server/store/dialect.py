"""The few statements SQLite and PostgreSQL spell differently, written once.

Services build queries with these and never ask which database they run on. SQLite needs no
row locks: every writing transaction there starts with ``BEGIN IMMEDIATE`` and holds the one
write lock (see ``db.py``), so the locking helpers leave its statements as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

S = TypeVar("S", bound=Select[Any])


def is_sqlite(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "sqlite"


def upsert(conn: AsyncConnection, table: Table,
           values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None, *,
           key: Sequence[str], update: Mapping[str, Any] | Sequence[str] | None = None
           ) -> Insert:
    """``INSERT … ON CONFLICT (key)``: ``DO UPDATE`` with ``update`` — a mapping of column to
    new value, or the names of columns to take from the proposed row — or ``DO NOTHING`` when
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
    if isinstance(update, Mapping):
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
    return query if is_sqlite(conn) else query.with_for_update(skip_locked=True)


async def lock_key(conn: AsyncConnection, key: int) -> None:
    """Serialise transactions on ``key`` (a transaction-scoped advisory lock on PostgreSQL)
    when no single row stands for what they contend on."""
    if not is_sqlite(conn):
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
