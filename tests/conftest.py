"""Shared test world: databases (SQLite file, PostgreSQL when configured) and real servers.

Set ``LOKET_TEST_DATABASE_URL`` to a PostgreSQL URL to run the PostgreSQL variants; CI also
sets ``LOKET_REQUIRE_ALL=1`` so a missing PostgreSQL or Chromium fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import Server, start_server

FIXTURES = Path(__file__).parent / "fixtures"
SITE_FILE = FIXTURES / "site.toml"
#: Monday 24 November 2025, 09.00 WIB: a working morning for tests that need one.
MONDAY_MORNING = "2025-11-24T09:00:00+07:00"
PG_URL = os.environ.get("LOKET_TEST_DATABASE_URL", "")
REQUIRE_ALL = os.environ.get("LOKET_REQUIRE_ALL") == "1"


def missing(what: str) -> None:
    """Skip a test whose resource is absent, or fail it when CI requires everything."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required here (LOKET_REQUIRE_ALL=1) but is not available")
    pytest.skip(f"{what} not available")


class PostgresDatabases:
    """A migrated template database, cloned for each test (much faster than migrating)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        self.template = f"loket_tpl_{os.getpid()}"
        self.created: list[str] = []

    def _admin(self, sql: str) -> None:
        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(
                host=self.base.host or "127.0.0.1", port=self.base.port or 5432,
                user=self.base.username, password=self.base.password,
                database=self.base.database)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(run())

    def url_for(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def setup(self) -> None:
        from queue_server.store.migrate import upgrade

        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.template}"')
        upgrade(self.url_for(self.template))

    def new(self) -> str:
        name = f"loket_t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self.url_for(name)

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def teardown(self) -> None:
        for name in [*self.created, self.template]:
            self.drop(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    if not PG_URL:
        yield None
        return
    databases = PostgresDatabases(PG_URL)
    databases.setup()
    yield databases
    databases.teardown()


class SqliteTemplate:
    """A migrated SQLite file, copied for each test (as PostgreSQL clones its template)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"

    def setup(self) -> None:
        from queue_server.store.migrate import upgrade

        upgrade(f"sqlite:///{self.path}")
        # Fold the write-ahead log into the file, so that one file is the whole database.
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")

    def new(self, directory: Path) -> str:
        target = directory / "loket.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    template.setup()
    return template


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> str:
    """A fresh, migrated SQLite file in the test's directory."""
    return sqlite_template.new(tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: SqliteTemplate, postgres: PostgresDatabases | None) -> str:
    """A fresh, migrated database: an SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_template.new(tmp_path)
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    return postgres.new()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """A real ``loket serve`` process on the test database, clock at a working morning."""
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        yield srv
