"""Call → display and call → phone latency over real WebSocket connections, and memory per
connection.

    .venv/bin/python bench/ws_fanout.py --postgres postgresql://root@127.0.0.1:5432/test
        [--displays 1000,5000] [--calls 10] [--phones 20000] [--phone-calls 201]
        [--generators 4] [--only display|phones] [--no-compression]

Settings measured (each on fresh servers and a fresh database):

* ``display``: N clients follow ``display`` on one server (SQLite, and PostgreSQL), and on two
  servers on one PostgreSQL database (clients on B, calls made on A, so every event goes
  A → commit → NOTIFY → B's LISTEN → B reads the events table → fan-out). ``--calls`` times an
  officer calls a ticket; for every client the time from *sending the call request* to
  *receiving its* ``ticket.called`` is one sample. Before the next call the officer finishes the
  ticket and the bench waits until every client has that event too, so calls never overlap
  another event's fan-out.
* ``phones``: four servers on one PostgreSQL database; ``--phones`` tickets are issued, then
  one WebSocket client per ticket (a phone's ticket page) follows ``ticket:ID``, spread over the
  four servers. Three officers at three counters, signed in on three different servers, call
  and finish tickets concurrently; one sample per call is the time from sending the call to
  the arrival of ``ticket.called`` at the phone of that ticket.

Memory per client is the servers' resident set (``VmRSS``) after connecting the clients minus
before, divided by the clients.

The load generator is ``--generators`` processes (uvloop, the ``websockets`` client, many
connections each); arrival times are ``time.monotonic()``, one clock for every process on
Linux. Like a browser, each client offers permessage-deflate unless ``--no-compression``.
Every wait is bounded in time; a setting that does not finish in time is reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import multiprocessing.connection
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases  # noqa: E402
from tests.support.servers import Server, start_server  # noqa: E402
from tests.support.staff import add_users, sign_in  # noqa: E402

CONNECT_CONCURRENCY = 32  # per generator process
CONNECT_ATTEMPTS = 5
CONNECT_WAIT_S = 600.0
ARRIVAL_WAIT_S = 60.0
ISSUE_CLIENTS = 16
CALLED = '"type": "ticket.called"'
#: a folder for py-spy profiles of the watched server (unset: no profiling)
PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- the load generator (child processes) -------------------------------------------------


def generator(index: int, urls: list[str], compression: bool,
              counts: Any, pipe: multiprocessing.connection.Connection) -> None:
    """Connect one WebSocket client per URL, count every event each receives (in
    ``counts[index]``), keep the arrival time of each ``ticket.called``; on "stop" send the
    arrivals back through ``pipe``."""
    raise_fd_limit()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(_generate(index, urls, compression, counts, pipe))


async def _generate(index: int, urls: list[str], compression: bool, counts: Any,
                    pipe: multiprocessing.connection.Connection) -> None:
    import websockets

    arrivals: list[tuple[str, float]] = []
    connected = 0
    retries = 0
    failures: list[str] = []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets: list[Any] = []

    async def client(url: str) -> None:
        nonlocal connected, retries
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                async with limit:
                    ws = await websockets.connect(
                        url, open_timeout=120, ping_interval=None, max_size=2**22,
                        compression="deflate" if compression else None)
                    await ws.recv()  # the snapshot
                break
            except Exception as exc:
                # What a browser does: try again after a pause (counted, and reported).
                if attempt == CONNECT_ATTEMPTS - 1:
                    failures.append(repr(exc))
                    return
                retries += 1
                await asyncio.sleep(1.0 + attempt)
        sockets.append(ws)
        connected += 1
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                if '"type": "heartbeat"' in message:
                    continue
                if CALLED in message:  # no JSON parsing: the client's time is the cost
                    start = message.index('"ticket": {"id": "') + 18
                    arrivals.append((message[start:message.index('"', start)],
                                     time.monotonic()))
                counts[index] += 1

    tasks = [asyncio.create_task(client(url)) for url in urls]
    deadline = time.monotonic() + CONNECT_WAIT_S
    while connected + len(failures) < len(urls) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    pipe.send(("ready", connected, retries, failures[:3]))
    loop = asyncio.get_running_loop()
    # The command arrives on the pipe; poll it in a thread so the loop keeps reading sockets.
    await loop.run_in_executor(None, pipe.poll, 3600)
    pipe.recv()
    pipe.send(("arrivals", arrivals))
    for task in tasks:
        task.cancel()
    for ws in sockets:
        with contextlib.suppress(Exception):
            ws.transport.abort()


@dataclass
class Generators:
    processes: list[Any] = field(default_factory=list)
    pipes: list[multiprocessing.connection.Connection] = field(default_factory=list)
    counts: Any = None
    #: connection attempts that failed and were tried again
    retries: int = 0

    @classmethod
    def start(cls, urls: list[str], processes: int, compression: bool) -> Generators:
        ctx = mp.get_context("spawn")
        gens = cls(counts=ctx.Array("q", processes, lock=False))
        for i in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=generator,
                               args=(i, urls[i::processes], compression, gens.counts, child),
                               daemon=True)
            proc.start()
            gens.processes.append(proc)
            gens.pipes.append(parent)
        return gens

    def wait_ready(self, expected: int) -> None:
        connected = 0
        for pipe in self.pipes:
            if not pipe.poll(CONNECT_WAIT_S + 60):
                raise RuntimeError("a generator did not report")
            _, n, retried, failures = pipe.recv()
            connected += n
            self.retries += retried
            if failures:
                print(f"  connect failures, e.g. {failures}", flush=True)
        if connected != expected:
            raise RuntimeError(f"only {connected}/{expected} clients connected")

    def received(self) -> int:
        return int(sum(self.counts))

    def wait_received(self, total: int, timeout_s: float = ARRIVAL_WAIT_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.received() < total:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def arrivals(self) -> dict[str, list[float]]:
        result: dict[str, list[float]] = {}
        for pipe in self.pipes:
            pipe.send("stop")
        for pipe in self.pipes:
            if not pipe.poll(120):
                raise RuntimeError("a generator did not send its arrivals")
            _, pairs = pipe.recv()
            for ticket_id, at in pairs:
                result.setdefault(ticket_id, []).append(at)
        return result

    def stop(self) -> None:
        deadline = time.monotonic() + 30  # after "stop" a generator exits by itself
        for proc in self.processes:
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.processes:
            if proc.is_alive():  # stopped early (a failure): it still waits for "stop"
                proc.kill()
                proc.join(timeout=5)


# --- servers ----------------------------------------------------------------------------


@contextlib.contextmanager
def servers(database_url: str, count: int, workdir: Path) -> Iterator[list[Server]]:
    with contextlib.ExitStack() as stack:
        started = []
        for i in range(count):
            folder = workdir / f"s{i}"
            folder.mkdir()
            started.append(stack.enter_context(start_server(
                database_url, SITE_FILE, folder, clock=MONDAY_MORNING, timeout_s=120)))
        yield started


@contextlib.contextmanager
def database(postgres: str | None, workdir: Path) -> Iterator[str]:
    if postgres is None:
        from queue_server.store.migrate import upgrade

        url = f"sqlite:///{workdir}/loket.db"
        upgrade(url)
        yield url
        return
    pg = PostgresDatabases(postgres)
    pg.setup()
    try:
        yield pg.new()
    finally:
        with contextlib.suppress(Exception):
            pg.teardown()


def issue(urls: list[str], count: int, services: list[str]) -> list[str]:
    """``count`` tickets through the kiosk API, ``ISSUE_CLIENTS`` at a time over ``urls``."""
    ids: list[str] = []

    async def client(i: int, share: int) -> None:
        async with httpx.AsyncClient(base_url=urls[i % len(urls)], timeout=60) as http:
            for n in range(share):
                answer = await http.post("/api/v1/tickets",
                                         json={"service": services[(i + n) % len(services)]})
                if answer.status_code != 201:
                    raise RuntimeError(f"issuing failed: {answer.status_code} {answer.text}")
                ids.append(answer.json()["ticket"]["id"])

    async def run() -> None:
        shares = [count // ISSUE_CLIENTS + (i < count % ISSUE_CLIENTS)
                  for i in range(ISSUE_CLIENTS)]
        await asyncio.gather(*(client(i, s) for i, s in enumerate(shares) if s))

    asyncio.run(run())
    return ids


def copy_tickets(database_url: str, count: int) -> list[str]:
    """``count`` more waiting tickets behind the issued ones, as copies of the last one with
    new ids and numbers: issuing 20,000 through the API takes longer than the rest of the
    bench (issue 15's write side), and these visitors are only waiting, never called here."""
    import asyncpg  # type: ignore[import-untyped]

    async def run() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch("""
                INSERT INTO tickets (id, site_id, service_id, queue, business_day, number,
                    priority, status, issued_at, queued_at, recall_count, transfer_count,
                    first_service_id, channel, visitor_key)
                SELECT md5(t.id || g::text), t.site_id, t.service_id, t.queue, t.business_day,
                    t.number + g, t.priority, 'waiting',
                    t.issued_at + g * interval '1 millisecond',
                    t.queued_at + g * interval '1 millisecond', 0, 0, t.first_service_id,
                    t.channel, md5('key' || t.id || g::text)
                FROM generate_series(1, $1::int) AS g,
                    (SELECT * FROM tickets ORDER BY number DESC LIMIT 1) AS t
                RETURNING id""", count)
            return [r["id"] for r in rows]
        finally:
            await conn.close()

    return asyncio.run(run()) if count > 0 else []


# --- the settings -----------------------------------------------------------------------


@dataclass
class Row:
    setting: str
    clients: int
    latencies_ms: list[float]
    missing: int
    kib_per_client: float
    load: str
    #: the servers' CPU time during the calls per message delivered to a client
    cpu_us_per_message: float = float("nan")
    note: str = ""

    def line(self) -> str:
        lat = self.latencies_ms or [float("nan")]
        return (f"| {self.setting} | {self.clients} | {len(self.latencies_ms)} | "
                f"{statistics.median(lat):.1f} | {percentile(lat, 99):.1f} | {max(lat):.1f} | "
                f"{self.missing} | {self.kib_per_client:.1f} | "
                f"{self.cpu_us_per_message:.0f} | {self.load} |"
                + (f" {self.note}" if self.note else ""))


@contextlib.contextmanager
def profiled(pid: int, name: str) -> Iterator[None]:
    """py-spy (if ``PROFILE_DIR`` is set) on one server while the calls run: collapsed stacks
    for reading with any flame-graph tool."""
    if not PROFILE_DIR:
        yield
        return
    import subprocess

    out = Path(PROFILE_DIR) / f"{name}.txt"
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                            str(pid), "--format", "raw", "--rate", "250", "--output", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(2)
        spy.wait(timeout=30)


def display_setting(label: str, postgres: str | None, processes: int, clients: int,
                    calls: int, generators: int, compression: bool) -> Row:
    with tempfile.TemporaryDirectory() as tmp, database(postgres, Path(tmp)) as url, \
            servers(url, processes, Path(tmp)) as srv:
        caller, watched = srv[0], srv[-1]
        add_users(url, SITE_FILE, {"bench": "officer"})
        headers = sign_in(caller.url, "bench", "A1")
        issue([caller.url], calls, ["KTP"])
        before = rss_kib(watched.process.pid)
        ws_url = watched.url.replace("http://", "ws://") + "/ws?topics=display"
        gens = Generators.start([ws_url] * clients, min(generators, clients), compression)
        latencies: list[float] = []
        missing = 0
        try:
            t_connect = time.monotonic()
            with profiled(watched.process.pid, f"connect-{processes}-{clients}"):
                gens.wait_ready(clients)
            print(f"  connected {clients} clients in {time.monotonic() - t_connect:.0f} s "
                  f"({gens.retries} retried)", flush=True)
            kib = (rss_kib(watched.process.pid) - before) / clients
            started: dict[str, float] = {}
            name = f"{label.split(',')[0].replace(' ', '')}-{clients}"
            cpu_before = cpu_s(watched.process.pid)
            with profiled(watched.process.pid, name), \
                    httpx.Client(base_url=caller.url, headers=headers, timeout=60) as http:
                expected = 0
                for _ in range(calls):
                    t0 = time.monotonic()
                    called = http.post("/api/v1/counters/A1/call")
                    if called.status_code != 200:
                        raise RuntimeError(f"call failed: {called.status_code} {called.text}")
                    ticket_id = called.json()["ticket"]["id"]
                    started[ticket_id] = t0
                    expected += clients
                    gens.wait_received(expected)
                    finished = http.post(f"/api/v1/tickets/{ticket_id}/finish")
                    if finished.status_code != 200:
                        raise RuntimeError(f"finish failed: {finished.text}")
                    expected += clients
                    gens.wait_received(expected)
            # Both events of each call (called, finished) went to every client.
            cpu_us = (cpu_s(watched.process.pid) - cpu_before) * 1e6 / (2 * calls * clients)
            arrivals = gens.arrivals()
            slowest = []
            for ticket_id, t0 in started.items():
                got = arrivals.get(ticket_id, [])
                missing += clients - len(got)
                latencies += [(at - t0) * 1000 for at in got]
                slowest.append(f"{(max(got) - t0) * 1000:.0f}" if got else "–")
            # With ten calls a tenth of the samples is one call: one slow call is the p99.
            print(f"  last client reached, per call (ms): {' '.join(slowest)}", flush=True)
        finally:
            gens.stop()
    return Row(label, clients, latencies, missing, kib, load(), cpu_us)


def phones_setting(postgres: str, processes: int, phones: int, calls: int, generators: int,
                   compression: bool) -> Row:
    counters = ["A1", "A2", "A3"]
    with tempfile.TemporaryDirectory() as tmp, database(postgres, Path(tmp)) as url, \
            servers(url, processes, Path(tmp)) as srv:
        add_users(url, SITE_FILE, {f"bench{i}": "officer" for i in range(len(counters))})
        urls = [s.url for s in srv]
        t_issue = time.monotonic()
        real = min(phones, calls + 60)
        ids = issue(urls, real, ["KTP", "KK"])
        ids += copy_tickets(url, phones - real)
        print(f"  issued {real} tickets, copied {phones - real} in "
              f"{time.monotonic() - t_issue:.0f} s", flush=True)
        before = sum(rss_kib(s.process.pid) for s in srv)
        ws_urls = [urls[i % len(urls)].replace("http://", "ws://") + f"/ws?topics=ticket:{tid}"
                   for i, tid in enumerate(ids)]
        t_connect = time.monotonic()
        gens = Generators.start(ws_urls, generators, compression)
        latencies: list[float] = []
        missing = 0
        try:
            gens.wait_ready(phones)
            print(f"  connected {phones} phones in {time.monotonic() - t_connect:.0f} s "
                  f"({gens.retries} retried)", flush=True)
            kib = (sum(rss_kib(s.process.pid) for s in srv) - before) / phones
            started: dict[str, float] = {}
            received_before = gens.received()

            async def officer(i: int, code: str) -> None:
                headers = sign_in(urls[i % len(urls)], f"bench{i}", code)
                async with httpx.AsyncClient(base_url=urls[i % len(urls)], headers=headers,
                                             timeout=60) as http:
                    for _ in range(calls // len(counters)):
                        t0 = time.monotonic()
                        called = await http.post(f"/api/v1/counters/{code}/call")
                        if called.status_code != 200:
                            raise RuntimeError(f"call failed: {called.text}")
                        ticket_id = called.json()["ticket"]["id"]
                        started[ticket_id] = t0
                        await http.post(f"/api/v1/tickets/{ticket_id}/finish")

            async def all_officers() -> None:
                await asyncio.gather(*(officer(i, c) for i, c in enumerate(counters)))

            asyncio.run(all_officers())
            # Each called phone gets two events: the call and the finish.
            gens.wait_received(received_before + 2 * len(started))
            arrivals = gens.arrivals()
            for ticket_id, t0 in started.items():
                got = arrivals.get(ticket_id, [])
                missing += 1 - len(got)
                latencies += [(at - t0) * 1000 for at in got]
        finally:
            gens.stop()
    return Row(f"{processes} processes, PostgreSQL, phones", phones, latencies, missing,
               kib, load())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=os.environ.get("LOKET_TEST_DATABASE_URL", ""))
    parser.add_argument("--displays", default="1000,5000")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--phones", type=int, default=20000)
    parser.add_argument("--phone-calls", type=int, default=201)
    parser.add_argument("--generators", type=int, default=4)
    parser.add_argument("--only", choices=["display", "phones"], default=None)
    parser.add_argument("--sqlite", action="store_true", help="also one process on SQLite")
    parser.add_argument("--no-compression", dest="compression", action="store_false")
    args = parser.parse_args()
    # Stopped from outside: still leave through the context managers that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    print(f"file descriptors: {raise_fd_limit()}; load {load()}", flush=True)
    rows: list[Row] = []

    def run(make: Any, *a: Any) -> None:
        try:
            rows.append(make(*a))
            print(rows[-1].line(), flush=True)
        except Exception as exc:  # one failed setting still leaves the others' figures
            print(f"  setting failed: {exc!r}", flush=True)

    if args.only in (None, "display"):
        for n in [int(x) for x in args.displays.split(",") if x]:
            if args.sqlite:
                run(display_setting, "1 process, SQLite", None, 1, n, args.calls,
                    args.generators, args.compression)
            if args.postgres:
                run(display_setting, "1 process, PostgreSQL", args.postgres, 1, n, args.calls,
                    args.generators, args.compression)
                run(display_setting, "2 processes, PostgreSQL", args.postgres, 2, n,
                    args.calls, args.generators, args.compression)
    if args.only in (None, "phones") and args.postgres and args.phones:
        run(phones_setting, args.postgres, 4, args.phones, args.phone_calls, args.generators,
            args.compression)
    print("\n| setting | clients | samples | p50 ms | p99 ms | max ms | missing "
          "| KiB/client | server CPU µs/message | load (1, 5, 15 min) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(row.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
