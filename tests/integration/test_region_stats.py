"""The region's figures, computed in SQL over all sites at once, equal each site's own
statistics computed independently by the supervisor's code (Python over the ticket rows), on
SQLite and PostgreSQL; the region's total is the sum of the sites."""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from queue_server.clock import ShiftedClock
from queue_server.services import region, stats
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import FIXTURES, SITE_FILE

DAYS = [date(2025, 11, 24), date(2025, 11, 25), date(2025, 11, 26)]
NOW = datetime.fromisoformat("2025-11-28T09:00:00+07:00")


@pytest.fixture
async def lokets(database_url: str) -> AsyncIterator[list[Loket]]:
    root = Database(create_engine(database_url))
    out = []
    for path in (SITE_FILE, FIXTURES / "site_b.toml"):
        site, ids, _ = await open_site_at_start(root.engine, load_site(path), NOW)
        out.append(Loket(db=root.sibling(), site=site, ids=ids, clock=ShiftedClock(NOW)))
    yield out
    await root.dispose()


async def fill(loket: Loket, rng: random.Random, per_day: int) -> None:
    """Tickets of every kind: served, no-shows, expired, never called, priority, a clock
    skew (called before issued), and SKM answers for some of the served."""
    tz = loket.tz
    services = [s for s in loket.site.services]
    # an uneven demand so that some agency gets few visitors
    demand = {a.code: w for a, w in zip(loket.site.agencies, (8.0, 3.0, 0.2), strict=False)}
    weights = [demand.get(s.agency, 1.0) for s in services]
    counter_ids = list(loket.ids.counters.values())
    tickets: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    numbers: dict[tuple[str, date], int] = {}
    for day in DAYS:
        for _ in range(per_day):
            service = rng.choices(services, weights)[0]
            key = (service.queue, day)
            numbers[key] = numbers.get(key, 0) + 1
            issued = datetime.combine(day, time(8), tz) + timedelta(
                seconds=rng.uniform(0, 5 * 3600))
            status = rng.choices(["done", "no_show", "expired", "waiting"], [7, 1, 1, 1])[0]
            called = started = finished = None
            if status in ("done", "no_show"):
                skew = rng.random() < 0.03
                called = issued + timedelta(seconds=(-30 if skew else rng.uniform(0, 3000)))
            if status == "done":
                started = called + timedelta(seconds=rng.uniform(5, 60))  # type: ignore[operator]
                finished = started + timedelta(seconds=rng.uniform(60, 900))
            ticket_id = secrets.token_hex(8)
            tickets.append({
                "id": ticket_id, "site_id": loket.ids.site,
                "service_id": loket.ids.services[service.code], "queue": service.queue,
                "business_day": day, "number": numbers[key],
                "priority": "lansia" if rng.random() < 0.2 else None, "status": status,
                "issued_at": issued, "queued_at": issued, "called_at": called,
                "started_at": started, "finished_at": finished,
                "counter_id": rng.choice(counter_ids) if called else None,
                "first_service_id": loket.ids.services[service.code]})
            if status == "done" and rng.random() < 0.4:
                answers.append({
                    "site_id": loket.ids.site, "ticket_id": ticket_id,
                    "service_id": loket.ids.services[service.code],
                    "submitted_at": finished + timedelta(minutes=2),  # type: ignore[operator]
                    **{f"u{i}": rng.randint(2, 4) for i in range(1, 10)}})
    async with loket.db.engine.begin() as conn:
        await conn.execute(insert(t.tickets), tickets)
        if answers:
            await conn.execute(insert(t.skm_responses), answers)


async def test_the_regions_figures_equal_each_sites_own_statistics(lokets: list[Loket]) -> None:
    rng = random.Random(18)
    await fill(lokets[0], rng, 70)
    await fill(lokets[1], rng, 45)
    first, last = DAYS[0], DAYS[-1]
    result = await region.region_stats(lokets, first, last)
    assert [row["site"] for row in result["sites"]] == ["uji", "tetangga"]
    for loket, row in zip(lokets, result["sites"], strict=True):
        own = await stats.compute(loket, first, last)
        totals = own["totals"]
        assert row["tickets"] == totals["issued"]
        assert row["served"] == totals["served"]
        assert row["no_show"] == totals["no_show"]
        waiting = totals["waiting"]
        assert row["wait_p50_s"] == pytest.approx(waiting["median_s"], abs=0.11)
        assert row["wait_p90_s"] == pytest.approx(waiting["p90_s"], abs=0.11)
        assert row["sla_pct"] == pytest.approx(100 * totals["within_target_share"], abs=0.051)
        assert row["ikm"] == own["skm"]["overall"]["ikm"]
        assert row["grade"] == own["skm"]["overall"]["grade"]
        few = [u["agency"] for u in own["utilisation"]
               if u["flag"] in ("few_visitors", "no_visitors")]
        assert [a["agency"] for a in row["few_visitor_agencies"]] == few
        assert few, "the uneven demand should leave some agency with few visitors"
        by_hour = [sum(day[h] for day in own["heatmap"]["grid"]) for h in range(24)]
        assert {int(h): n for h, n in row["hours"].items()} == {
            h: n for h, n in enumerate(by_hour) if n}
    total = result["region"]
    for key in ("tickets", "served", "no_show"):
        assert total[key] == sum(row[key] for row in result["sites"])
    assert total["tickets"] == 3 * 70 + 3 * 45
