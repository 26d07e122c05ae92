"""Issue and call tickets against real servers with N concurrent clients.

Prints throughput and p50/p99 latency for SQLite (one process) and PostgreSQL (one and two
processes), with ``GET /healthz`` (a ``SELECT 1`` through the pool) measured in the same run as
the floor issuing is compared with, and checks that no number was given twice and no ticket
was called twice. Run by hand:

    .venv/bin/python bench/issue_tickets.py --clients 16 --seconds 10 \
        --postgres postgresql://root@127.0.0.1:5432/test

Each configuration gets a fresh database (PostgreSQL: a new database created and dropped on
the given server). The client is a minimal keep-alive HTTP/1.1 client so that the load
generator, which shares the machine's cores with the servers, stays cheap.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queue_server.site import DEMO_SITE, load_site  # noqa: E402
from queue_server.store.migrate import upgrade  # noqa: E402
from tests.support.servers import start_server  # noqa: E402
from tests.support.staff import add_users, sign_in  # noqa: E402

CLOCK = "2025-11-24T09:00:00+07:00"
# Every service of the demo site, so the load spreads over all 22 numbering queues.
SERVICES = [s.code for s in load_site(DEMO_SITE).services]


class Connection:
    """One keep-alive HTTP/1.1 connection; enough for JSON requests to our own server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, base: str) -> Connection:
        parts = urlsplit(base)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}")

    async def post(self, path: str, body: dict[str, object] | None,
                   headers: dict[str, str] | None = None, method: str = "POST"
                   ) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}",
                "Content-Type: application/json", f"Content-Length: {len(data)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload

    def close(self) -> None:
        self.writer.close()


@dataclass
class Result:
    label: str
    operation: str
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    problems: list[str] = field(default_factory=list)
    #: "409 closed" → how often, so an error count says what the errors were
    error_kinds: collections.Counter[str] = field(default_factory=collections.Counter)
    #: CPU ms per answer while it ran: "servers", "postgres", "bench" (this load generator)
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def row(self) -> str:
        lat = sorted(self.latencies_ms) or [0.0]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        checks = "" if self.operation == "healthz" else ("FAIL" if self.problems else "ok")
        return (f"| {self.label:<26} | {self.operation:<7} | {self.count:>7} | "
                f"{self.rate:>8.0f} | {statistics.median(lat):>7.1f} | "
                f"{p99:>7.1f} | {self.errors:>6} | {checks:<6} |")


async def healthz_load(urls: list[str], clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        conn = await Connection.open(urls[i % len(urls)])
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, _ = await conn.post("/healthz", None, method="GET")
                latencies.append((time.perf_counter() - started) * 1000)
                errors += status != 200
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return Result("", "healthz", len(latencies), time.perf_counter() - started, latencies,
                  errors)


async def issue_load(urls: list[str], clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    kinds: collections.Counter[str] = collections.Counter()
    deadline = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        conn = await Connection.open(urls[i % len(urls)])
        try:
            n = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, body = await conn.post("/api/v1/tickets",
                                               {"service": SERVICES[(i + n) % len(SERVICES)]})
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 201:
                    errors += 1
                    kinds[f"{status} {_error_code(body)}"] += 1
                n += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return Result("", "issue", len(latencies), time.perf_counter() - started, latencies, errors,
                  error_kinds=kinds)


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return body[:60].decode(errors="replace")


async def call_load(urls: list[str], counters: list[tuple[str, dict[str, str]]],
                    seconds: float, called: list[str]) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def counter(i: int, code: str, headers: dict[str, str]) -> None:
        nonlocal errors
        conn = await Connection.open(urls[i % len(urls)])
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, body = await conn.post(f"/api/v1/counters/{code}/call", None, headers)
                if status == 204:
                    return
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors += 1
                    continue
                ticket = json.loads(body)["ticket"]["id"]
                called.append(ticket)
                await conn.post(f"/api/v1/tickets/{ticket}/finish", None, headers)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(counter(i, c, h) for i, (c, h) in enumerate(counters)))
    return Result("", "call", len(latencies), time.perf_counter() - started, latencies, errors)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every ``postgres`` process on this machine (a local server's backends and
    its helpers; a backend that ends in between takes its share with it)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/comm", encoding="ascii") as f:
                if f.read().strip() != "postgres":
                    continue
            total += cpu_seconds(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return total


def timed_cpu(result_of: Callable[[], Result], server_pids: list[int]) -> Result:
    """Run a load phase and note the CPU each party spent per answer: where a machine of two
    cores spends them says more than the rate, which the machine's load moves."""
    before = (sum(map(cpu_seconds, server_pids)), postgres_cpu_seconds(),
              cpu_seconds(os.getpid()))
    result = result_of()
    after = (sum(map(cpu_seconds, server_pids)), postgres_cpu_seconds(),
             cpu_seconds(os.getpid()))
    answers = max(1, result.count)
    result.cpu_ms = {name: (b - a) * 1000 / answers
                     for name, a, b in zip(("servers", "postgres", "bench"), before, after,
                                           strict=True)}
    return result


def bench_site(workdir: Path) -> Path:
    """The demo site without daily quotas: a quota would turn most of the load into fast
    ``quota_exhausted`` answers and flatter the figures. The opening-hours gate stays on."""
    text = re.sub(r"(?m)^daily_quota = \d+\n", "", DEMO_SITE.read_text(encoding="utf-8"))
    path = workdir / "bench-site.toml"
    path.write_text(text, encoding="utf-8")
    return path


#: Counters that call in the calling phase, as many as the issuing clients (the demo site
#: has 38 that serve walk-in visitors).
COUNTERS = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "C1", "E1", "I1", "M1", "M2", "R1",
            "R2", "S2", "V1"]


def run(label: str, database_url: str, processes: int, clients: int, seconds: float,
        workdir: Path) -> list[Result]:
    print(f"-- {label}: migrating and starting {processes} server(s) ...", flush=True)
    upgrade(database_url)
    with ExitStack() as stack:
        site = bench_site(workdir)
        servers = [stack.enter_context(start_server(database_url, site, workdir, clock=CLOCK))
                   for _ in range(processes)]
        urls = [s.url for s in servers]
        add_users(database_url, site, {f"bench{c}": "officer" for c in COUNTERS})
        signed = [(c, sign_in(urls[i % len(urls)], f"bench{c}", c))
                  for i, c in enumerate(COUNTERS)]
        print(f"   /healthz for {seconds:.0f}s with {clients} clients ...", flush=True)
        pids = [s.process.pid for s in servers]
        health = timed_cpu(lambda: asyncio.run(healthz_load(urls, clients, seconds)), pids)
        print(f"   issuing for {seconds:.0f}s with {clients} clients ...", flush=True)
        issued = timed_cpu(lambda: asyncio.run(issue_load(urls, clients, seconds)), pids)
        print(f"   calling for up to {seconds:.0f}s at {len(COUNTERS)} counters ...", flush=True)
        called_ids: list[str] = []
        called = asyncio.run(call_load(urls, signed, seconds, called_ids))
    problems = asyncio.run(check_database(database_url))
    if len(called_ids) != len(set(called_ids)):
        problems.append(f"{len(called_ids) - len(set(called_ids))} tickets called twice")
    health.label = issued.label = called.label = label
    issued.problems = called.problems = problems
    return [health, issued, called]


async def check_database(database_url: str) -> list[str]:
    """Numbers unique and contiguous per queue, and no ticket called twice (each ticket has
    at most one ``ticket.called`` event): what the bench must leave behind."""
    from sqlalchemy import func, select

    from queue_server.store import tables as t
    from queue_server.store.db import create_engine

    engine = create_engine(database_url)
    problems: list[str] = []
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(
                t.tickets.c.queue, t.tickets.c.business_day, func.count(),
                func.count(t.tickets.c.number.distinct()), func.max(t.tickets.c.number))
                .group_by(t.tickets.c.queue, t.tickets.c.business_day))).all()
            for queue, day, count, distinct, last in rows:
                if not count == distinct == last:
                    problems.append(f"queue {queue} {day}: {count} tickets, {distinct} "
                                    f"numbers, last {last}")
            twice = (await conn.execute(select(func.count()).select_from(
                select(t.events.c.payload["ticket"]["id"].as_string().label("ticket"))
                .where(t.events.c.type == "ticket.called")
                .group_by("ticket").having(func.count() > 1).subquery()))).scalar_one()
            if twice:
                problems.append(f"{twice} tickets with more than one call event")
    finally:
        await engine.dispose()
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is created there)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL setups only")
    args = parser.parse_args()
    results: list[Result] = []
    load_before = uptime()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.no_sqlite:
            results += run("SQLite, 1 process", f"sqlite:///{workdir / 'bench.db'}", 1,
                           args.clients, args.seconds, workdir)
        if args.postgres:
            results += _postgres(args, workdir)
    print(f"\n{args.clients} concurrent clients, {args.seconds:.0f} s per phase, "
          f"demo site without quotas, {len(SERVICES)} services in turn, "
          f"{len(COUNTERS)} counters calling; load before: {load_before}, after: {uptime()}\n")
    print_table(results)
    for result in results:
        if result.operation == "issue":
            health = next(r for r in results if r.label == result.label
                          and r.operation == "healthz")
            print(f"{result.label}: issuing at {result.rate / health.rate:.2f}× of /healthz; "
                  f"checks: {'; '.join(result.problems) or 'no duplicate number, no gap, '}"
                  f"{'' if result.problems else 'no double call'}")
        if result.cpu_ms:
            print(f"{result.label}, {result.operation}: CPU ms per answer: "
                  + ", ".join(f"{name} {ms:.2f}" for name, ms in result.cpu_ms.items()))
        if result.error_kinds:
            print(f"{result.label}, {result.operation} errors: "
                  + ", ".join(f"{kind} ×{n}" for kind, n in result.error_kinds.most_common()))


def print_table(results: list[Result]) -> None:
    print("| setup                      | op      |   count |    per s | p50 ms  | p99 ms  "
          "| errors | checks |")
    print("|----------------------------|---------|--------:|---------:|--------:|--------:|"
          "-------:|--------|")
    for result in results:
        print(result.row())


def uptime() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def _postgres(args: argparse.Namespace, workdir: Path) -> list[Result]:
    from tests.conftest import PostgresDatabases

    out: list[Result] = []
    admin = PostgresDatabases(args.postgres)
    for processes in (1, 2):
        name = f"loket_bench_{uuid.uuid4().hex[:8]}"
        admin._admin(f'CREATE DATABASE "{name}"')
        try:
            out += run(f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}",
                       admin.url_for(name), processes, args.clients, args.seconds, workdir)
        finally:
            admin.drop(name)
    return out


if __name__ == "__main__":
    main()
