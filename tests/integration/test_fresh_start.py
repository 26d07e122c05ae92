"""Two servers starting at the same moment on a fresh database: both migrate (one waits for
the other's advisory lock on PostgreSQL) and both sync the site, with no unique violation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from queue_server.site import DEMO_SITE, load_site
from queue_server.store import tables as t
from queue_server.store.db import create_engine
from tests.conftest import PostgresDatabases, missing

ROUNDS = 3


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_databases(request: pytest.FixtureRequest, tmp_path: Path,
                    postgres: PostgresDatabases | None) -> Iterator[list[str]]:
    """``ROUNDS`` empty (unmigrated) databases."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / f'fresh-{i}.db'}" for i in range(ROUNDS)]
        return
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        return
    names = [f"loket_fresh_{uuid.uuid4().hex[:10]}" for _ in range(ROUNDS)]
    for name in names:
        postgres._admin(f'CREATE DATABASE "{name}"')
    yield [postgres.url_for(name) for name in names]
    for name in names:
        postgres.drop(name)


def _start_together(url: str, folder: Path, servers: int = 2) -> list[str]:
    """Start ``servers`` start-up processes, release them at once; their failures."""
    folder.mkdir()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.support.fresh_start", url, str(folder), f"s{i}",
         str(servers)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for i in range(servers)]
    (folder / "go").touch()
    failures = []
    for process in processes:
        output, _ = process.communicate(timeout=300)
        if process.returncode != 0:
            failures.append(output.decode(errors="replace")[-3000:])
    return failures


def _count(url: str, table: t.Table) -> int:
    async def run() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(
                    select(func.count()).select_from(table))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_two_servers_starting_together_on_a_fresh_database_both_come_up(
        empty_databases: list[str], tmp_path: Path) -> None:
    site = load_site(DEMO_SITE)
    for round_, url in enumerate(empty_databases):
        failures = _start_together(url, tmp_path / f"round-{round_}")
        assert not failures, "\n---\n".join(failures)
        assert _count(url, t.sites) == 1
        assert _count(url, t.site_configs) == 1
        assert _count(url, t.services) == len(site.services_by_code)
        assert _count(url, t.counter_services) == sum(len(c.services) for c in site.counters)
