"""Issue and call tickets against real servers with N concurrent clients.

Prints throughput and p50/p99 latency for SQLite (one process) and PostgreSQL (one and two
processes). Run by hand:

    .venv/bin/python bench/issue_tickets.py --clients 16 --seconds 10 \
        --postgres postgresql://root@127.0.0.1:5432/test

Each configuration gets a fresh database (PostgreSQL: a new database created and dropped on
the given server). The client is a minimal keep-alive HTTP/1.1 client so that the load
generator, which shares the machine's cores with the servers, stays cheap.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
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
                   headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}",
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

    def row(self) -> str:
        lat = sorted(self.latencies_ms) or [0.0]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (f"| {self.label:<26} | {self.operation:<6} | {self.count:>7} | "
                f"{self.count / self.seconds:>8.0f} | {statistics.median(lat):>7.1f} | "
                f"{p99:>7.1f} | {self.errors:>6} |")


async def issue_load(urls: list[str], clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        conn = await Connection.open(urls[i % len(urls)])
        try:
            n = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, _ = await conn.post("/api/v1/tickets",
                                            {"service": SERVICES[(i + n) % len(SERVICES)]})
                latencies.append((time.perf_counter() - started) * 1000)
                errors += status != 201
                n += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return Result("", "issue", len(latencies), time.perf_counter() - started, latencies, errors)


async def call_load(urls: list[str], counters: list[tuple[str, dict[str, str]]],
                    seconds: float) -> Result:
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
                await conn.post(f"/api/v1/tickets/{ticket}/finish", None, headers)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(counter(i, c, h) for i, (c, h) in enumerate(counters)))
    return Result("", "call", len(latencies), time.perf_counter() - started, latencies, errors)


def bench_site(workdir: Path) -> Path:
    """The demo site without daily quotas: a quota would turn most of the load into fast
    ``quota_exhausted`` answers and flatter the figures. The opening-hours gate stays on."""
    text = re.sub(r"(?m)^daily_quota = \d+\n", "", DEMO_SITE.read_text(encoding="utf-8"))
    path = workdir / "bench-site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(label: str, database_url: str, processes: int, clients: int, seconds: float,
        workdir: Path) -> list[Result]:
    print(f"-- {label}: migrating and starting {processes} server(s) ...", flush=True)
    upgrade(database_url)
    with ExitStack() as stack:
        site = bench_site(workdir)
        servers = [stack.enter_context(start_server(database_url, site, workdir, clock=CLOCK))
                   for _ in range(processes)]
        urls = [s.url for s in servers]
        counters = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "O1"]
        add_users(database_url, site, {f"bench{c}": "officer" for c in counters})
        signed = [(c, sign_in(urls[i % len(urls)], f"bench{c}", c))
                  for i, c in enumerate(counters)]
        print(f"   issuing for {seconds:.0f}s with {clients} clients ...", flush=True)
        issued = asyncio.run(issue_load(urls, clients, seconds))
        print(f"   calling for up to {seconds:.0f}s at {len(counters)} counters ...", flush=True)
        called = asyncio.run(call_load(urls, signed, seconds))
    issued.label = called.label = label
    return [issued, called]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is created there)")
    args = parser.parse_args()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results += run("SQLite, 1 process", f"sqlite:///{workdir / 'bench.db'}", 1,
                       args.clients, args.seconds, workdir)
        if args.postgres:
            results += _postgres(args, workdir)
    print(f"\n{args.clients} concurrent clients, {args.seconds:.0f} s per phase, "
          f"demo site without quotas, {len(SERVICES)} services in turn\n")
    print("| setup                      | op     |   count |    per s | p50 ms  | p99 ms  "
          "| errors |")
    print("|----------------------------|--------|--------:|---------:|--------:|--------:|-------:|")
    for result in results:
        print(result.row())


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
