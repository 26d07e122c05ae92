"""Time from a call to its arrival at N connected WebSocket clients.

    .venv/bin/python bench/ws_latency.py [--clients 100,1000,5000] [--calls 5]
        [--postgres postgresql://root@127.0.0.1:5432/test]

For each N: start a real server (SQLite, one process) and, with ``--postgres``, two
servers on one PostgreSQL database (clients on B, calls made on A, so every event goes
through NOTIFY and the events table). N clients follow ``display``; an officer calls a
ticket; for each client we take the time from sending the call request to receiving its
``ticket.called``. The call request includes the HTTP round trip and the transaction, so
these figures bound "commit to arrival" from above. Prints p50/p99/max per setting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases  # noqa: E402
from tests.support.servers import start_server  # noqa: E402
from tests.support.staff import add_users, sign_in  # noqa: E402

CONNECT_CONCURRENCY = 100
WAIT_S = 60.0


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_one(call_url: str, watch_url: str, database_url: str, clients: int,
                  calls: int) -> list[float]:
    ws_url = watch_url.replace("http://", "ws://") + "/ws?topics=display"
    arrivals = Arrivals()
    ready = 0
    sockets: list[websockets.ClientConnection] = []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def client(i: int) -> None:
        nonlocal ready
        async with limit:
            ws = await websockets.connect(ws_url, open_timeout=60, ping_interval=None,
                                          max_size=2**22, compression=None)
            await ws.recv()  # snapshot
        sockets.append(ws)
        ready += 1
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                if '"ticket.called"' in message:  # no JSON parsing: the client is the cost
                    arrivals.record(message, time.perf_counter())

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    deadline = time.monotonic() + 300
    while ready < clients:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {ready}/{clients} clients connected")
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
        await asyncio.sleep(0.2)
    add_users(database_url, SITE_FILE, {"bench": "officer"})
    headers = sign_in(call_url, "bench", "A1")
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(calls):
            answer = await http.post(f"{call_url}/api/v1/tickets", json={"service": "KTP"})
            assert answer.status_code == 201, answer.text
            t0 = time.perf_counter()
            called = await http.post(f"{call_url}/api/v1/counters/A1/call", headers=headers)
            assert called.status_code == 200, called.text
            ticket_id = called.json()["ticket"]["id"]
            end = time.monotonic() + WAIT_S
            while len(arrivals.get_ticket(ticket_id)) < clients and time.monotonic() < end:
                await asyncio.sleep(0.005)
            got = arrivals.get_ticket(ticket_id)
            if len(got) < clients:
                raise RuntimeError(f"only {len(got)}/{clients} clients got the call")
            latencies += [(t - t0) * 1000 for t in got]
            fin = await http.post(f"{call_url}/api/v1/tickets/{ticket_id}/finish",
                                  headers=headers)
            assert fin.status_code == 200
            await asyncio.sleep(0.3)
    for ws in sockets:
        await ws.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies


class Arrivals(dict[str, list[float]]):
    """ticket id → arrival times (one per client)."""

    def get_ticket(self, ticket_id: str) -> list[float]:
        return self.get(ticket_id, [])

    def record(self, message: str, at: float) -> None:
        start = message.index('"ticket": {"id": "') + 18
        ticket_id = message[start:message.index('"', start)]
        self.setdefault(ticket_id, []).append(at)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="100,1000,5000")
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    print(f"file descriptors: {raise_fd_limit()}")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    rows = []
    for n in [int(x) for x in args.clients.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            from queue_server.store.migrate import upgrade

            url = f"sqlite:///{tmp}/loket.db"
            upgrade(url)
            with start_server(url, SITE_FILE, Path(tmp), clock=MONDAY_MORNING) as srv:
                lat = asyncio.run(run_one(srv.url, srv.url, url, n, args.calls))
            rows.append(("1 process, SQLite", n, lat))
            print_row(*rows[-1])
        if args.postgres:
            pg = PostgresDatabases(args.postgres)
            pg.setup()
            try:
                url = pg.new()
                with tempfile.TemporaryDirectory() as tmp:
                    (Path(tmp) / "a").mkdir()
                    (Path(tmp) / "b").mkdir()
                    with start_server(url, SITE_FILE, Path(tmp) / "a",
                                      clock=MONDAY_MORNING) as a, \
                            start_server(url, SITE_FILE, Path(tmp) / "b",
                                         clock=MONDAY_MORNING) as b:
                        lat = asyncio.run(run_one(a.url, b.url, url, n, args.calls))
                rows.append(("2 processes, PostgreSQL", n, lat))
                print_row(*rows[-1])
            finally:
                pg.teardown()
    print("\n| setup | clients | samples | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for setup, n, lat in rows:
        print(f"| {setup} | {n} | {len(lat)} | {statistics.median(lat):.1f} | "
              f"{percentile(lat, 99):.1f} | {max(lat):.1f} |")
    return 0


def print_row(setup: str, n: int, lat: list[float]) -> None:
    print(f"{setup:26} N={n:5}  p50 {statistics.median(lat):7.1f} ms  "
          f"p99 {percentile(lat, 99):7.1f} ms  max {max(lat):7.1f} ms", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
