"""Fill a database with a realistic month at the demo site (MPP Kota Probolinggo).

    python bench/generate_month.py sqlite:///bench-data/month.db [--tickets 40000]
    python bench/generate_month.py postgresql://root@127.0.0.1:5432/bench

What it makes, per working day of the month (holidays and weekends stay closed): arrivals
peaking 08.30–10.30, Fridays short (08.00–11.00), each agency's counters as a pool of
officers with a staggered 30-minute ishoma break Monday to Thursday, service times around
each service's standard, ~5% no-shows (after two recalls), ~2% transfers, tickets still
waiting at closing expire, and SKM responses for ~20% of the done tickets. Agencies get
different demand, a few of them very little, so the "few visitors" view has something to
show. Deterministic for a given ``--seed``. Bulk inserts in chunks.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import secrets
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, select

from queue_server.domain.schedule import hours_on, schedule_from_config
from queue_server.site import DEMO_SITE, Site, load_site
from queue_server.store import tables as t
from queue_server.store.db import create_engine
from queue_server.store.migrate import upgrade
from queue_server.store.sync import Ids, sync_site

CHUNK = 5000
PASSWORD_HASH = ("$argon2id$v=19$m=65536,t=3,p=4$ZHVtbXlzYWx0ZHVtbXk$"
                 "0nq3m7cS0V3Vx0zCq0i0oA6a8bqz0mK5m0r2b0v3yJk")  # not a usable password
GENDERS, AGES = ("L", "P"), ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
EDUCATION, JOBS = ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2"), ("PNS", "SWASTA", "WIRAUSAHA",
                                                                 "PELAJAR", "LAINNYA")


@dataclass
class Officer:
    user_id: int
    counter_id: int
    speed: float  # < 1 is quicker than the standard
    free_at: datetime
    break_start: datetime | None = None
    break_done: bool = False


def working_days(site: Site, month: date) -> list[date]:
    schedule = schedule_from_config(site.hours, site.timezone)
    days, day = [], month.replace(day=1)
    for _ in range(31):
        if day.month != month.month:
            break
        if hours_on(schedule, day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def arrival(rng: random.Random, day: date, tz: ZoneInfo, open_h: float, close_h: float) -> datetime:
    """Minutes after opening: 60% in the 08.30–10.30 peak, the rest spread over the day."""
    last = close_h - 0.5  # kiosk cut-off 30 minutes before closing
    if rng.random() < 0.6:
        hour = min(last, max(open_h, rng.gauss(9.5, 0.55)))
    else:
        hour = rng.uniform(open_h - 0.2, last)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start + timedelta(hours=hour, seconds=rng.random())


async def generate(url: str, tickets_total: int, month: date, seed: int,
                   site_file: Path = DEMO_SITE) -> None:
    rng = random.Random(seed)
    site = load_site(site_file)
    tz = ZoneInfo(site.timezone)
    upgrade(url)  # runs Alembic in a thread of its own
    engine = create_engine(url)
    began = time.perf_counter()
    try:
        async with engine.begin() as conn:
            ids = await sync_site(conn, site)
            officers = await _officers(conn, site, ids)
            await _clear(conn, ids)
        days = working_days(site, month)
        schedule = schedule_from_config(site.hours, site.timezone)
        weights = _agency_weights(site, rng)
        day_weight = {d: (hours_on(schedule, d).close.hour - hours_on(schedule, d).open.hour)
                      for d in days}
        total_weight = sum(day_weight.values())
        made = responses = 0
        for index, day in enumerate(days):
            count = round(tickets_total * day_weight[day] / total_weight)
            rows, transfers, skm = _simulate_day(rng, site, ids, officers, day, count, weights,
                                                 schedule, tz)
            async with engine.begin() as conn:
                for table, batch in ((t.tickets, rows), (t.ticket_transfers, transfers),
                                     (t.skm_responses, skm)):
                    for i in range(0, len(batch), CHUNK):
                        await conn.execute(insert(table), batch[i:i + CHUNK])
                streams = defaultdict(int)
                for row in rows:
                    streams[row["queue"]] = max(streams[row["queue"]], row["number"])
                await conn.execute(insert(t.number_streams), [
                    {"site_id": ids.site, "queue": q, "business_day": day, "last_number": n}
                    for q, n in streams.items()])
            made += len(rows)
            responses += len(skm)
            print(f"  {day.isoformat()} ({day.strftime('%a')}): {len(rows):5d} tickets, "
                  f"{len(skm):4d} SKM  [{index + 1}/{len(days)}, {made} total, "
                  f"{time.perf_counter() - began:5.1f} s]", flush=True)
        print(f"done: {made} tickets, {responses} SKM responses over {len(days)} working days "
              f"in {time.perf_counter() - began:.1f} s")
    finally:
        await engine.dispose()


async def _officers(conn: Any, site: Site, ids: Ids) -> dict[str, list[Officer]]:
    """One officer per counter (created once), grouped by agency."""
    pools: dict[str, list[Officer]] = defaultdict(list)
    rng = random.Random(7)
    now = datetime.now(ZoneInfo("UTC"))
    for counter in site.counters:
        if counter.agency is None or counter.priority_only:
            continue
        username = f"petugas-{counter.code.lower()}"
        user_id = (await conn.execute(select(t.users.c.id).where(
            t.users.c.site_id == ids.site, t.users.c.username == username))).scalar()
        if user_id is None:
            user_id = (await conn.execute(insert(t.users).values(
                site_id=ids.site, username=username, full_name=f"Petugas {counter.name}",
                password_hash=PASSWORD_HASH, role="officer", created_at=now)
                .returning(t.users.c.id))).scalar_one()
        pools[counter.agency].append(Officer(user_id, ids.counters[counter.code],
                                             rng.uniform(0.75, 1.3), now))
    return pools


async def _clear(conn: Any, ids: Ids) -> None:
    for table in (t.skm_responses, t.ticket_transfers, t.print_jobs):
        await conn.execute(delete(table).where(table.c.site_id == ids.site))
    await conn.execute(delete(t.tickets).where(t.tickets.c.site_id == ids.site))
    await conn.execute(delete(t.number_streams).where(t.number_streams.c.site_id == ids.site))


def _agency_weights(site: Site, rng: random.Random) -> dict[str, float]:
    counters = defaultdict(int)
    for c in site.counters:
        if c.agency:
            counters[c.agency] += 1
    weights = {}
    for i, agency in enumerate(site.agencies):
        base = counters.get(agency.code, 0)
        # demand per counter varies a lot; the last three agencies are quiet on purpose
        factor = 0.12 if i >= len(site.agencies) - 3 else rng.uniform(0.6, 1.4)
        weights[agency.code] = base * factor * (1.5 if agency.code == "DUKCAPIL" else 1.0)
    return weights


def _simulate_day(rng: random.Random, site: Site, ids: Ids, pools: dict[str, list[Officer]],
                  day: date, count: int, weights: dict[str, float], schedule: Any,
                  tz: ZoneInfo) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                         list[dict[str, Any]]]:
    hours = hours_on(schedule, day)
    open_h = hours.open.hour + hours.open.minute / 60
    close_h = hours.close.hour + hours.close.minute / 60
    closing = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=close_h)
    opening = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=open_h)
    agencies = [a for a in site.agencies if pools.get(a.code)]
    chosen = rng.choices(agencies, weights=[weights[a.code] for a in agencies], k=count)
    by_agency: dict[str, list[tuple[datetime, Any]]] = defaultdict(list)
    for agency in chosen:
        by_agency[agency.code].append((arrival(rng, day, tz, open_h, close_h),
                                       rng.choice(agency.services)))
    rows: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    skm: list[dict[str, Any]] = []
    numbers: dict[str, int] = defaultdict(int)
    friday = day.weekday() == 4
    for agency_code, arrivals in by_agency.items():
        arrivals.sort(key=lambda a: a[0])
        pool = pools[agency_code]
        for k, officer in enumerate(pool):
            officer.free_at = opening + timedelta(minutes=rng.uniform(0, 8))
            officer.break_done = friday
            # staggered ishoma between 11.30 and 13.30, never all at once
            officer.break_start = opening + timedelta(hours=3.5, minutes=(k % 4) * 30)
        quality = rng.uniform(2.7, 3.7)
        for issued, service in arrivals:
            numbers[service.queue] += 1
            ticket_id = secrets.token_urlsafe(12)
            officer = min(pool, key=lambda o: o.free_at)
            called = max(issued + timedelta(seconds=rng.uniform(5, 40)), officer.free_at)
            if not officer.break_done and officer.break_start and called >= officer.break_start:
                officer.free_at = max(officer.free_at, officer.break_start) + timedelta(minutes=30)
                officer.break_done = True
                officer = min(pool, key=lambda o: o.free_at)
                called = max(issued + timedelta(seconds=rng.uniform(5, 40)), officer.free_at)
            row = {"id": ticket_id, "site_id": ids.site, "service_id": ids.services[service.code],
                   "first_service_id": ids.services[service.code], "queue": service.queue,
                   "business_day": day, "number": numbers[service.queue],
                   "priority": ("lansia" if rng.random() < 0.07 else None),
                   "issued_at": issued, "queued_at": issued, "called_at": None,
                   "started_at": None, "finished_at": None, "counter_id": None,
                   "officer_id": None, "recall_count": 0, "transfer_count": 0,
                   "channel": "kiosk" if rng.random() < 0.85 else "phone", "status": "expired"}
            rows.append(row)
            if called > closing + timedelta(minutes=30):
                continue  # still waiting when the office closed: expired
            row.update(called_at=called, counter_id=officer.counter_id,
                       officer_id=officer.user_id)
            if rng.random() < 0.05:
                gone = called + timedelta(minutes=rng.uniform(2, 4))
                row.update(status="no_show", recall_count=2, finished_at=gone)
                officer.free_at = gone
                continue
            started = called + timedelta(seconds=rng.uniform(20, 90))
            # a third of visits are quick (collecting a document, a question); the standard
            # time in the site file is the upper end of a full service
            typical = 150 if rng.random() < 0.35 else service.service_s * 0.3
            length = max(60.0, rng.lognormvariate(math.log(typical * officer.speed), 0.35))
            finished = started + timedelta(seconds=length)
            row.update(status="done", started_at=started, finished_at=finished)
            officer.free_at = finished + timedelta(seconds=rng.uniform(10, 60))
            if rng.random() < 0.02:
                other = rng.choice(site.agencies).services[0]
                if other.code != service.code:
                    transfers.append({"site_id": ids.site, "ticket_id": ticket_id,
                                      "from_service_id": ids.services[service.code],
                                      "to_service_id": ids.services[other.code],
                                      "counter_id": officer.counter_id,
                                      "officer_id": officer.user_id, "at": started})
                    row.update(service_id=ids.services[other.code], transfer_count=1)
            if rng.random() < 0.2:
                skm.append(_response(rng, ids, row, finished, quality + (officer.speed < 1) * 0.2))
    return rows, transfers, skm


def _response(rng: random.Random, ids: Ids, row: dict[str, Any], finished: datetime,
              quality: float) -> dict[str, Any]:
    scores = {f"u{i}": min(4, max(1, round(rng.gauss(quality, 0.6)))) for i in range(1, 10)}
    scores["u4"] = 4 if rng.random() < 0.8 else scores["u4"]  # most services are free
    profile = rng.random() < 0.7
    return {"site_id": ids.site, "ticket_id": row["id"], "service_id": row["service_id"],
            "counter_id": row["counter_id"], "officer_id": row["officer_id"],
            "submitted_at": finished + timedelta(minutes=rng.uniform(1, 30)), **scores,
            "gender": rng.choice(GENDERS) if profile else None,
            "age_band": rng.choice(AGES) if profile else None,
            "education": rng.choice(EDUCATION) if profile else None,
            "occupation": rng.choice(JOBS) if profile else None, "comment": None,
            "channel": "phone" if rng.random() < 0.6 else "tablet"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="sqlite:///path.db or postgresql://user@host/db")
    parser.add_argument("--tickets", type=int, default=40_000)
    parser.add_argument("--month", default="2025-11", help="YYYY-MM (default 2025-11)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--config", type=Path, action="append",
                        help="site file (repeat for several MPPs; default: the demo site)")
    args = parser.parse_args()
    month = date.fromisoformat(f"{args.month}-01")
    for index, site_file in enumerate(args.config or [DEMO_SITE]):
        print(f"generating ~{args.tickets} tickets for {args.month} at {site_file.name} "
              f"into {args.database_url}")
        asyncio.run(generate(args.database_url, args.tickets, month, args.seed + index,
                             site_file))


if __name__ == "__main__":
    main()
