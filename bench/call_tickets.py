"""Call and finish tickets at many counters at once, against real servers.

Pre-issues N tickets over the services of 16 counters (through ``issuing_batch``, the code
the server issues with, so the queues fill in seconds), signs in one officer per counter, then
lets one client per counter do what an officer does — call the next ticket, finish it, call
again — for a bounded time. Prints calls/s and p50/p99 latency for SQLite and PostgreSQL and
checks, from the database, that no ticket was called twice and that no counter ever held two
tickets (its calls and finishes alternate in the event log). Run by hand:

    .venv/bin/python bench/call_tickets.py --seconds 10 \
        --postgres postgresql://root@127.0.0.1:5432/test

Each configuration gets a fresh database (PostgreSQL: a new database created and dropped on
the given server). The HTTP client, the result table and the site without quotas are those of
``bench/issue_tickets.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.issue_tickets import (  # noqa: E402
    CLOCK,
    Connection,
    Result,
    bench_site,
    cpu_seconds,
    print_table,
    uptime,
)
from queue_server.site import load_site  # noqa: E402
from queue_server.store.migrate import upgrade  # noqa: E402
from tests.support.servers import start_server  # noqa: E402
from tests.support.staff import add_users, sign_in  # noqa: E402

#: One officer per counter. Counters come in pairs that share services (A1/A2, A3/A4, B1/B3,
#: E1/E2, I1/I2, M1/M2, O1/O2), and P1 calls the priority tickets of every service, so most
#: calls race another counter for the same queue head.
COUNTERS = ["A1", "A2", "A3", "A4", "B1", "B3", "E1", "E2", "I1", "I2", "M1", "M2", "O1",
            "O2", "R1", "P1"]
#: Every fifth ticket is a priority one (P1's, and the other counters' streak rule).
PRIORITY_EVERY = 5


@dataclass
class Calls:
    """What the clients saw: per counter the tickets it was given, in order."""

    by_counter: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    wrong_counter: int = 0


def preissue(database_url: str, site_file: Path, count: int, counters: list[str]) -> int:
    """``count`` waiting tickets over the services the counters serve, issued in batches of
    100 through ``issuing_batch`` (as the server's group commit does)."""
    from queue_server.clock import ShiftedClock
    from queue_server.services.admin_config import open_site_at_start
    from queue_server.services.context import Loket
    from queue_server.services.issuing_batch import Request, issue_batch
    from queue_server.store.db import Database, create_engine

    async def run() -> int:
        db = Database(create_engine(database_url))
        clock = ShiftedClock(datetime.fromisoformat(CLOCK))
        try:
            site, ids, _ = await open_site_at_start(db.engine, load_site(site_file), clock.now())
            loket = Loket(db=db, site=site, ids=ids, clock=clock)
            desks = [loket.counter(c) for c in counters]
            served = sorted({s for desk in desks if not desk.priority_only
                             for s in desk.services})
            services = [site.services_by_code[s] for s in served]
            issued = 0
            for start in range(0, count, 100):
                batch = [Request(services[i % len(services)],
                                 "lansia" if i % PRIORITY_EVERY == 0 else None, None, "kiosk",
                                 clock.now())
                         for i in range(start, min(count, start + 100))]
                answers = await issue_batch(loket, batch)
                issued += sum(1 for a in answers if not isinstance(a, Exception))
            loket.passwords.close()
            return issued
        finally:
            await db.dispose()

    return asyncio.run(run())


async def call_load(urls: list[str], counters: list[tuple[str, dict[str, str]]],
                    seconds: float, max_calls: int, calls: Calls) -> tuple[Result, Result]:
    """Each counter calls and finishes until its queues are empty, the time is up, or the
    batch of tickets is used up (a bound in count as well as in time)."""
    call_ms: list[float] = []
    finish_ms: list[float] = []
    errors = {"call": 0, "finish": 0}
    deadline = time.perf_counter() + seconds

    async def officer(i: int, code: str, headers: dict[str, str]) -> None:
        conn = await Connection.open(urls[i % len(urls)])
        try:
            for _ in range(max_calls):
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                status, body = await conn.post(f"/api/v1/counters/{code}/call", None, headers)
                if status == 204:  # nobody waits for this counter any more
                    return
                if status != 200:
                    errors["call"] += 1
                    continue
                call_ms.append((time.perf_counter() - started) * 1000)
                ticket = json.loads(body)["ticket"]
                calls.by_counter[code].append(ticket["id"])
                calls.wrong_counter += ticket["counter"] != code
                started = time.perf_counter()
                status, _ = await conn.post(f"/api/v1/tickets/{ticket['id']}/finish", None,
                                            headers)
                finish_ms.append((time.perf_counter() - started) * 1000)
                errors["finish"] += status != 200
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(officer(i, c, h) for i, (c, h) in enumerate(counters)))
    elapsed = time.perf_counter() - started
    return (Result("", "call", len(call_ms), elapsed, call_ms, errors["call"]),
            Result("", "finish", len(finish_ms), elapsed, finish_ms, errors["finish"]))


#: Per setup: CPU time the server processes used per call (and its finish), in ms. On a
#: machine shared with other work this varies far less than calls/s.
SERVER_CPU: dict[str, float] = {}


def run(label: str, database_url: str, processes: int, clients: int, seconds: float,
        tickets: int, workdir: Path) -> list[Result]:
    print(f"-- {label}: migrating and starting {processes} server(s) ...", flush=True)
    upgrade(database_url)
    counters = COUNTERS[:clients]
    calls = Calls()
    with ExitStack() as stack:
        site = bench_site(workdir)
        servers = [stack.enter_context(start_server(database_url, site, workdir, clock=CLOCK))
                   for _ in range(processes)]
        urls = [s.url for s in servers]
        print(f"   server process id(s), for py-spy: "
              f"{' '.join(str(s.process.pid) for s in servers)}", flush=True)
        started = time.perf_counter()
        issued = preissue(database_url, site, tickets, counters)
        print(f"   {issued} tickets issued in {time.perf_counter() - started:.1f}s", flush=True)
        asyncio.run(analyze(database_url))
        add_users(database_url, site, {f"bench{c}": "officer" for c in counters})
        signed = [(c, sign_in(urls[i % len(urls)], f"bench{c}", c))
                  for i, c in enumerate(counters)]
        print(f"   calling for up to {seconds:.0f}s at {len(counters)} counters ...",
              flush=True)
        cpu_before = sum(cpu_seconds(s.process.pid) for s in servers)
        called, finished = asyncio.run(call_load(urls, signed, seconds, tickets, calls))
        cpu = sum(cpu_seconds(s.process.pid) for s in servers) - cpu_before
        SERVER_CPU[label] = cpu * 1000 / max(1, called.count)
    problems = asyncio.run(check_database(database_url))
    ids = [i for tickets_of in calls.by_counter.values() for i in tickets_of]
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} tickets answered to two calls")
    if calls.wrong_counter:
        problems.append(f"{calls.wrong_counter} calls answered for another counter")
    called.label = finished.label = label
    called.problems = finished.problems = problems
    return [called, finished]


async def analyze(database_url: str) -> None:
    """On PostgreSQL, the planner statistics autovacuum would have gathered by now on a
    server that has run for a minute (it analyzes a table once a tenth of it changed): the
    tickets just issued would otherwise be planned for as an empty table. SQLite keeps none
    unless asked, in the bench as in production."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from queue_server.store.db import create_engine

    if make_url(database_url).get_backend_name() != "postgresql":
        return
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    finally:
        await engine.dispose()


async def check_database(database_url: str) -> list[str]:
    """No ticket called twice (at most one ``ticket.called`` event each), and no counter
    holding two tickets at any time: in sequence order each counter's events alternate
    called, finished, called …, each finish closing the ticket its counter last called."""
    from sqlalchemy import select

    from queue_server.store import tables as t
    from queue_server.store.db import create_engine

    engine = create_engine(database_url)
    problems: list[str] = []
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(
                select(t.events.c.type, t.events.c.payload).where(
                    t.events.c.type.in_(["ticket.called", "ticket.finished"]))
                .order_by(t.events.c.site_id, t.events.c.seq))).all()
    finally:
        await engine.dispose()
    times_called: collections.Counter[str] = collections.Counter()
    holding: dict[str, str | None] = {}
    two_held = bad_finish = 0
    for type_, payload in rows:
        ticket, counter = payload["ticket"]["id"], payload["counter"]
        if type_ == "ticket.called":
            times_called[ticket] += 1
            two_held += holding.get(counter) is not None
            holding[counter] = ticket
        else:
            bad_finish += holding.get(counter) != ticket
            holding[counter] = None
    twice = sum(1 for n in times_called.values() if n > 1)
    if twice:
        problems.append(f"{twice} tickets called more than once")
    if two_held:
        problems.append(f"{two_held} calls at a counter already holding a ticket")
    if bad_finish:
        problems.append(f"{bad_finish} finishes of a ticket the counter did not hold")
    if not times_called:
        problems.append("no call at all")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16,
                        help=f"officers calling, one per counter (at most {len(COUNTERS)})")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tickets", type=int, default=4000, help="tickets issued beforehand")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is created there)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1],
                        help="PostgreSQL server processes to measure (e.g. 1 2)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL setups only")
    args = parser.parse_args()
    if not 1 <= args.clients <= len(COUNTERS):
        parser.error(f"--clients must be 1..{len(COUNTERS)}")
    results: list[Result] = []
    load_before = uptime()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.no_sqlite:
            results += run("SQLite, 1 process", f"sqlite:///{workdir / 'bench.db'}", 1,
                           args.clients, args.seconds, args.tickets, workdir)
        if args.postgres:
            results += _postgres(args, workdir)
    print(f"\n{args.clients} officers at {args.clients} counters calling and finishing, "
          f"{args.tickets} tickets waiting at the start, up to {args.seconds:.0f} s; "
          f"load before: {load_before}, after: {uptime()}\n")
    print_table(results)
    for result in results:
        if result.operation == "call":
            print(f"{result.label}: {result.rate:.0f} calls/s, server CPU "
                  f"{SERVER_CPU[result.label]:.1f} ms per call and finish; checks: "
                  f"{'; '.join(result.problems) or 'no double call, no counter holding two'}")


def _postgres(args: argparse.Namespace, workdir: Path) -> list[Result]:
    from tests.conftest import PostgresDatabases

    out: list[Result] = []
    admin = PostgresDatabases(args.postgres)
    for processes in args.processes:
        name = f"loket_bench_{uuid.uuid4().hex[:8]}"
        admin._admin(f'CREATE DATABASE "{name}"')
        try:
            out += run(f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}",
                       admin.url_for(name), processes, args.clients, args.seconds,
                       args.tickets, workdir)
        finally:
            admin.drop(name)
    return out


if __name__ == "__main__":
    main()
