"""Alembic environment: runs migrations on the async engine Loket uses."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from queue_server.store.db import create_engine
from queue_server.store.tables import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    # Two server processes starting together must not both migrate: take the lock with the
    # first statement (PostgreSQL: an advisory lock; SQLite: the BEGIN IMMEDIATE this
    # connection's first statement starts), before Alembic reads the current version. Alembic
    # then finds a transaction already open and runs every step inside it, never committing
    # (and so releasing the lock) between steps.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(727465)"))
    else:
        connection.execute(text("SELECT 1"))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        async with engine.connect() as conn:
            # On SQLite: BEGIN IMMEDIATE, so a second process migrating at the same moment
            # waits for the first instead of failing with "database is locked".
            conn = await conn.execution_options(loket_write=True)
            await conn.run_sync(_migrate)
            await conn.commit()
    finally:
        await engine.dispose()


def run(**_: Any) -> None:
    asyncio.run(_run())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `loket db upgrade`")
run()
