"""Live events over /ws against real servers with real WebSocket clients, on SQLite and
PostgreSQL: snapshot, replay by ``since``, live calls, two processes, a killed LISTEN
connection, a slow client."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import MONDAY_MORNING, SITE_FILE, PostgresDatabases, missing
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

WAIT_S = 10.0


def ws_url(server: Server, query: str) -> str:
    return server.url.replace("http://", "ws://") + f"/ws?{query}"


async def receive(ws: Any, timeout: float = WAIT_S) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def receive_until(ws: Any, wanted: str, timeout: float = WAIT_S) -> list[dict[str, Any]]:
    """Messages up to and including the first of type ``wanted`` (heartbeats dropped)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {wanted!r} within {timeout}s; got {got}")
        message = await receive(ws, left)
        if message["type"] == "heartbeat":
            continue
        got.append(message)
        if message["type"] == wanted:
            return got


def issue(server: Server, service: str = "KTP") -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/api/v1/tickets", json={"service": service}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def call(server: Server, headers: dict[str, str], counter: str = "A1") -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/api/v1/counters/{counter}/call", headers=headers,
                        timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["ticket"]


def finish(server: Server, headers: dict[str, str], ticket_id: str) -> None:
    answer = httpx.post(f"{server.url}/api/v1/tickets/{ticket_id}/finish", headers=headers,
                        timeout=10)
    assert answer.status_code == 200, answer.text


def officer(server: Server, database_url: str, counter: str = "A1") -> dict[str, str]:
    add_users(database_url, SITE_FILE, {f"o{counter}": "officer"})
    return sign_in(server.url, f"o{counter}", counter)


async def test_a_call_reaches_a_connected_display(server: Server, database_url: str) -> None:
    headers = officer(server, database_url)
    ticket = issue(server)
    async with websockets.connect(ws_url(server, "topics=display&zone=lobi")) as ws:
        snap = await receive(ws)
        assert snap["type"] == "snapshot"
        assert snap["site"]["name"] == "MPP Uji"
        assert snap["display"]["announced_through"] == 0
        waiting = {w["agency"]: w["waiting"] for w in snap["display"]["waiting"]}
        assert waiting["DUKCAPIL"] == 1
        called = await asyncio.to_thread(call, server, headers)
        got = await receive_until(ws, "ticket.called")
        event = got[-1]
        assert event["seq"] > snap["seq"]
        assert event["ticket"]["id"] == ticket["id"] == called["id"]
        assert event["counter"] == "A1"
        assert event["announcement"]["clips"] == [
            "chime", "nomor_antrean", "huruf_a", "satu", "silakan_menuju_loket", "satu"]
        assert event["announcement"]["text"] == (
            "Nomor antrean A satu, silakan menuju loket satu")


async def test_a_display_that_missed_three_calls_gets_exactly_those_in_order(
        server: Server, database_url: str) -> None:
    headers = officer(server, database_url)
    for _ in range(4):
        await asyncio.to_thread(issue, server)
    async with websockets.connect(ws_url(server, "topics=display")) as ws:
        snap = await receive(ws)
        first = await asyncio.to_thread(call, server, headers)
        seen = (await receive_until(ws, "ticket.called"))[-1]
        assert seen["ticket"]["id"] == first["id"]
        since = seen["seq"]
    missed = []
    ticket = first
    for _ in range(3):  # the display is away
        await asyncio.to_thread(finish, server, headers, ticket["id"])
        ticket = await asyncio.to_thread(call, server, headers)
        missed.append(ticket["number"])
    async with websockets.connect(ws_url(server, f"topics=display&since={since}")) as ws:
        again = await receive(ws)
        assert again["type"] == "snapshot" and again["seq"] > snap["seq"]
        replayed = []
        seqs = []
        while len(replayed) < 3:
            message = await receive(ws)
            if message["type"] == "heartbeat":
                continue
            seqs.append(message["seq"])
            if message["type"] == "ticket.called":
                replayed.append(message["ticket"]["number"])
        assert replayed == missed
        assert seqs == sorted(set(seqs)) and seqs[0] == since + 1
        # Nothing more: no call is sent twice.
        with pytest.raises(TimeoutError):
            while True:
                message = await receive(ws, 1.0)
                assert message["type"] == "heartbeat", message


async def test_snapshot_shows_the_followed_ticket_and_counter(
        server: Server, database_url: str) -> None:
    headers = officer(server, database_url)
    ticket = issue(server, "KK")
    query = f"topics=ticket:{ticket['id']},counter:A1,service:KK"
    async with websockets.connect(ws_url(server, query)) as ws:
        snap = await receive(ws)
        assert snap["tickets"][ticket["id"]]["status"] == "waiting"
        assert snap["counters"]["A1"]["state"] == "open"
        assert snap["services"]["KK"]["waiting"] == 1
        await asyncio.to_thread(call, server, headers)
        event = (await receive_until(ws, "ticket.called"))[-1]
        assert event["ticket"]["status"] == "called"


async def test_unknown_topics_are_refused_with_a_reason(server: Server) -> None:
    async with websockets.connect(ws_url(server, "topics=counter:NOPE")) as ws:
        message = await receive(ws)
        assert message["type"] == "error" and "NOPE" in message["error"]["message"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_a_zone_announces_each_call_once(server: Server, database_url: str) -> None:
    headers = officer(server, database_url)
    issue(server)
    async with websockets.connect(ws_url(server, "topics=display&zone=lobi")) as ws:
        await receive(ws)
        await asyncio.to_thread(call, server, headers)
        event = (await receive_until(ws, "ticket.called"))[-1]
        await ws.send(json.dumps({"type": "announce", "zone": "lobi", "seq": event["seq"]}))
        claim = (await receive_until(ws, "announce.claim"))[-1]
        assert claim["granted"] is True
        await ws.send(json.dumps({"type": "announce", "zone": "lobi", "seq": event["seq"]}))
        claim = (await receive_until(ws, "announce.claim"))[-1]
        assert claim["granted"] is False
    async with websockets.connect(ws_url(server, "topics=display&zone=lobi")) as ws:
        snap = await receive(ws)  # a reloaded page resumes after the announced call
        assert snap["display"]["announced_through"] == event["seq"]


async def test_a_screen_reports_its_health_to_the_supervisor(
        server: Server, database_url: str) -> None:
    add_users(database_url, SITE_FILE, {"sup": "supervisor"})
    headers = sign_in(server.url, "sup", None)
    async with websockets.connect(ws_url(server, "topics=supervisor"),
                                  additional_headers=headers) as sup:
        await receive(sup)
        async with websockets.connect(ws_url(server, "topics=display&zone=lobi")) as tv:
            await receive(tv)
            await tv.send(json.dumps({"type": "hello", "client_id": "tv-lobi-1",
                                      "kind": "display", "zone": "lobi"}))
            online = (await receive_until(sup, "screen.health"))[-1]
            assert online["screen"]["client_id"] == "tv-lobi-1"
            assert online["screen"]["state"] == "online"
        offline = (await receive_until(sup, "screen.health"))[-1]
        assert offline["screen"]["state"] == "offline"


async def test_the_supervisor_topic_needs_a_supervisor(server: Server) -> None:
    async with websockets.connect(ws_url(server, "topics=supervisor")) as ws:
        message = await receive(ws)
        assert message["type"] == "error" and message["error"]["code"] == "forbidden"


# --- slow clients -----------------------------------------------------------------------


@pytest.fixture
def small_queue_server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING,
                      extra_env={"LOKET_WS_QUEUE": "4", "LOKET_WS_SEND_TIMEOUT": "1"}) as srv:
        yield srv


async def test_a_slow_client_is_cut_off_and_recovers_with_since(
        small_queue_server: Server) -> None:
    server = small_queue_server
    # A client that stops reading: a tiny receive window, and the library's buffer of one.
    # No compression (deflate shrinks these alike messages to ~45 bytes, so thousands of
    # tickets would fit in the buffers) and small segments, as on a poor mobile link (Linux
    # sizes the server's send buffer from the peer's segment size: tens of kilobytes rather
    # than megabytes): the server's send then blocks after a couple of hundred tickets and
    # its send deadline cuts the client off, long before its keep-alive pings would.
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    slow = await websockets.connect(ws_url(server, "topics=service:NPWP"), sock=sock,
                                    max_queue=1, ping_interval=None, compression=None)
    snap = json.loads(await slow.recv())
    issued: list[str] = []
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one() -> str:
            async with limit:
                answer = await client.post(f"{server.url}/api/v1/tickets",
                                           json={"service": "NPWP"})
                assert answer.status_code == 201
                return str(answer.json()["ticket"]["id"])

        # Every buffer between server and client (asyncio's 64 kB, the kernel's, which
        # grows to megabytes) must fill before a send blocks, or the client's silence to
        # the server's pings ends it: keep issuing until the server has dropped it.
        deadline = time.monotonic() + 120
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline and len(issued) < 8000:
            issued += await asyncio.gather(*(one() for _ in range(100)))
            stats = (await client.get(f"{server.url}/api/v1/events/stats")).json()
            if stats["subscribers"] == 0:
                break
        assert stats["subscribers"] == 0, stats
        assert stats["cut_off"] >= 1, stats  # by the send deadline, not a ping timeout
    await asyncio.sleep(1.5)  # the server's send deadline (1 s here) passes
    seen: list[str] = []
    last = snap["seq"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        for _ in range(100000):
            try:
                message = json.loads(await asyncio.wait_for(slow.recv(), WAIT_S))
            except TimeoutError:
                raise AssertionError(f"still open after {len(seen)} of {len(issued)}") from None
            if message["type"] == "ticket.issued":
                seen.append(message["ticket"]["id"])
                last = message["seq"]
    assert len(seen) < len(issued), "the slow client was never cut off"
    if closed.value.rcvd is not None and closed.value.rcvd.code == 1013:
        # our own cut-off (its close frame made it through the backlog)
        assert closed.value.rcvd.reason.endswith(f"since={last}")
    # Reconnecting with the last seq seen gets every missed ticket, in order, none twice.
    async with websockets.connect(
            ws_url(server, f"topics=service:NPWP&since={last}")) as again:
        await receive(again)
        got: list[str] = []
        while len(seen) + len(got) < len(issued):
            message = await receive(again)
            if message["type"] == "ticket.issued":
                got.append(message["ticket"]["id"])
        assert sorted(seen + got) == sorted(issued)
        assert len(set(seen + got)) == len(issued)


# --- across processes (PostgreSQL) ------------------------------------------------------


@pytest.fixture
def two_servers(postgres: PostgresDatabases | None, tmp_path: Path) -> Iterator[list[Server]]:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    url = postgres.new()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with start_server(url, SITE_FILE, tmp_path / "a", clock=MONDAY_MORNING) as a, \
            start_server(url, SITE_FILE, tmp_path / "b", clock=MONDAY_MORNING) as b:
        yield [a, b]


@pytest.mark.postgres
async def test_a_call_on_one_process_reaches_a_display_on_the_other(
        two_servers: list[Server]) -> None:
    a, b = two_servers
    headers = officer(a, a.database_url)
    issue(a)
    async with websockets.connect(ws_url(b, "topics=display")) as ws:
        await receive(ws)
        started = time.monotonic()
        called = await asyncio.to_thread(call, a, headers)
        event = (await receive_until(ws, "ticket.called"))[-1]
        assert event["ticket"]["id"] == called["id"]
        assert time.monotonic() - started < 2.0  # NOTIFY, not the 5 s safety poll


async def _kill_listeners(database_url: str) -> int:
    import asyncpg

    from queue_server.events.backends import APPLICATION_NAME, plain_dsn

    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        database = conn._params.database
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = $2", APPLICATION_NAME, database)
        return sum(1 for r in rows if r["killed"])
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_events_still_arrive_after_the_listen_connection_is_killed(
        two_servers: list[Server]) -> None:
    a, b = two_servers
    headers = officer(a, a.database_url)
    for _ in range(3):
        issue(a)
    async with websockets.connect(ws_url(b, "topics=display")) as ws:
        await receive(ws)
        assert await _kill_listeners(a.database_url) == 2  # one per process
        # Straight after the kill, before any reconnect: still delivered (catch-up).
        first = await asyncio.to_thread(call, a, headers)
        event = (await receive_until(ws, "ticket.called"))[-1]
        assert event["ticket"]["id"] == first["id"]
        await asyncio.sleep(1.0)
        await asyncio.to_thread(finish, a, headers, first["id"])
        started = time.monotonic()
        second = await asyncio.to_thread(call, a, headers)
        event = (await receive_until(ws, "ticket.called"))[-1]
        assert event["ticket"]["id"] == second["id"]
        assert time.monotonic() - started < 2.0  # listening again, not polling
    assert await _kill_listeners(a.database_url) == 2  # both came back
