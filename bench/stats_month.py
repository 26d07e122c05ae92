"""How long the supervisor statistics for a month take, on SQLite and PostgreSQL.

    python bench/stats_month.py sqlite:///bench-data/month.db postgresql://root@127.0.0.1/bench
    python bench/stats_month.py --generate sqlite:///bench-data/month.db   # fill it first

For each database: the service function ``services.stats.compute`` in-process (query +
domain statistics + SKM), and ``GET /api/v1/stats`` through a real ``loket serve`` (adds
authentication and JSON). Prints median/min/max over ``--repeat`` runs; the target is < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import func, select

from bench.generate_month import generate
from queue_server.clock import ShiftedClock
from queue_server.services import stats
from queue_server.services.context import Loket
from queue_server.services.staff import add_user
from queue_server.site import DEMO_SITE, load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from queue_server.store.sync import sync_site
from tests.support.servers import start_server

FIRST, LAST = date(2025, 11, 1), date(2025, 11, 30)
PASSWORD = "bench-penyelia-123"


async def _service_times(url: str, repeat: int) -> tuple[int, list[float], list[float]]:
    site = load_site(DEMO_SITE)
    db = Database(create_engine(url))
    try:
        async with db.engine.begin() as conn:
            ids = await sync_site(conn, site)
            count = (await conn.execute(select(func.count()).select_from(t.tickets).where(
                t.tickets.c.business_day.between(FIRST, LAST)))).scalar_one()
            exists = (await conn.execute(select(t.users.c.id).where(
                t.users.c.username == "bench-penyelia"))).first()
            if exists is None:
                await add_user(conn, ids.site, "bench-penyelia", PASSWORD, "supervisor",
                               datetime.now(UTC))
        loket = Loket(db=db, site=site, ids=ids, clock=ShiftedClock(
            datetime(2025, 11, 28, 9, tzinfo=UTC)))
        times, cpu = [], []
        for _ in range(repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            data = await stats.compute(loket, FIRST, LAST)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            assert data["totals"]["issued"] == count
        return count, times, cpu
    finally:
        await db.dispose()


def _http_times(url: str, repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory() as work, start_server(
            url, DEMO_SITE, Path(work), clock="2025-11-28T09:00:00+07:00") as server:
        token = httpx.post(f"{server.url}/api/v1/session", json={
            "username": "bench-penyelia", "password": PASSWORD, "counter": None},
            timeout=30).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        params = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
        times = []
        with httpx.Client(timeout=60) as client:
            client.get(f"{server.url}/api/v1/stats", params=params, headers=headers)  # warm
            for _ in range(repeat):
                began = time.perf_counter()
                answer = client.get(f"{server.url}/api/v1/stats", params=params,
                                    headers=headers)
                times.append(time.perf_counter() - began)
                answer.raise_for_status()
        return times


def _row(name: str, what: str, tickets: int, times: list[float],
         cpu: list[float] | None = None) -> str:
    ok = "yes" if statistics.median(times) < 1.0 else "NO"
    cpu_ms = f"{statistics.median(cpu) * 1000:.0f}" if cpu else "–"
    return (f"| {name} | {what} | {tickets} | {statistics.median(times) * 1000:.0f} | "
            f"{min(times) * 1000:.0f} | {max(times) * 1000:.0f} | {cpu_ms} | {ok} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_urls", nargs="+")
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--generate", action="store_true", help="fill each database first")
    args = parser.parse_args()
    lines = [f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", "",
             "| database | what | tickets | median ms | min ms | max ms | CPU ms | < 1 s |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for url in args.database_urls:
        if args.generate:
            asyncio.run(generate(url, 40_000, FIRST, 2025))
        name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        count, times, cpu = asyncio.run(_service_times(url, args.repeat))
        lines.append(_row(name, "stats.compute, first call (cold)", count, times[:1], cpu[:1]))
        print(lines[-1], flush=True)
        lines.append(_row(name, "stats.compute, again (closed days cached)", count, times[1:],
                          cpu[1:]))
        print(lines[-1], flush=True)
        lines.append(_row(name, "GET /api/v1/stats over HTTP (warm)", count,
                          _http_times(url, args.repeat)))
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
