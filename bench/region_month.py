"""How long the region's figures for a month take with several busy MPPs (issue 18).

    python bench/region_month.py --generate sqlite:///bench-data/region.db
    python bench/region_month.py --generate postgresql://root@127.0.0.1:5432/bench_region

``--generate`` first fills ``--sites`` copies of the demo site (codes ``mpp1`` …, each its own
numbering and staff) with ``--tickets`` tickets each for November 2025 (bench/generate_month.py).
Then it times ``services.region.region_stats`` for the month over all sites, ``--repeat``
times, and prints a table (median/min/max). The target is < 2 s for 5 × 40,000 tickets.
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

from sqlalchemy import func, select

from bench.generate_month import generate
from queue_server.clock import ShiftedClock
from queue_server.services import region
from queue_server.services.context import Loket
from queue_server.site import DEMO_SITE, load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from queue_server.store.sync import sync_site

FIRST, LAST = date(2025, 11, 1), date(2025, 11, 30)


def site_files(count: int, folder: Path) -> list[Path]:
    """``count`` copies of the demo site under codes mpp1…; made-up neighbours for the bench."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    out = []
    for n in range(1, count + 1):
        path = folder / f"mpp{n}.toml"
        path.write_text(text.replace('code = "probolinggo"', f'code = "mpp{n}"', 1)
                        .replace('name = "Mal Pelayanan Publik Kota Probolinggo"',
                                 f'name = "MPP Contoh {n}"', 1), encoding="utf-8")
        out.append(path)
    return out


async def measure(url: str, files: list[Path],
                  repeat: int) -> tuple[int, list[float], list[float]]:
    db = Database(create_engine(url))
    try:
        lokets = []
        async with db.engine.begin() as conn:
            for path in files:
                site = load_site(path)
                ids = await sync_site(conn, site)
                lokets.append(Loket(db=db, site=site, ids=ids,
                                    clock=ShiftedClock(datetime(2025, 12, 5, 3, tzinfo=UTC))))
        async with db.read() as conn:
            tickets = (await conn.execute(select(func.count()).select_from(t.tickets).where(
                t.tickets.c.site_id.in_([lk.ids.site for lk in lokets])))).scalar_one()
        times, cpu = [], []
        for _ in range(repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            result = await region.region_stats(lokets, FIRST, LAST)
            times.append(time.perf_counter() - began)
            # CPU of this process (SQLite works in its threads): on a shared, busy machine
            # closer to what an idle one would take than the wall clock
            cpu.append(time.process_time() - began_cpu)
        assert sum(row["tickets"] for row in result["sites"]) == tickets
        return int(tickets), times, cpu
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", nargs="+")
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=40_000, help="per site")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = site_files(args.sites, Path(folder))
        rows = []
        for url in args.database_url:
            if args.generate:
                for index, path in enumerate(files):
                    asyncio.run(generate(url, args.tickets, FIRST, 2025 + index, path))
            tickets, times, cpu = asyncio.run(measure(url, files, args.repeat))
            rows.append((url.split(":")[0], args.sites, tickets, statistics.median(times),
                         min(times), max(times), statistics.median(cpu)))
    print(f"\n{'database':<12}{'sites':>6}{'tickets':>10}{'median s':>10}{'min s':>8}"
          f"{'max s':>8}{'cpu s':>8}")
    for name, sites, tickets, median, low, high, cpu_s in rows:
        print(f"{name:<12}{sites:>6}{tickets:>10}{median:>10.2f}{low:>8.2f}{high:>8.2f}"
              f"{cpu_s:>8.2f}")
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
