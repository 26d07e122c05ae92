"""Under load the server degrades by queueing, not by dropping connections: a client reusing
a keep-alive connection after the usual client idle time gets its answer, and a burst far
larger than the database pool is served in full."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import Server, start_server

#: httpx keeps idle connections 5 s, browsers about as long; the server must keep them longer.
CLIENT_IDLE_S = 6.0


def _get(sock: socket.socket, path: str) -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: loket\r\n\r\n".encode())
    data = b""
    deadline = time.monotonic() + 60
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        if time.monotonic() > deadline:
            raise AssertionError(f"no full answer: {data!r}")
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the server closed the connection; got {data!r}")
        data += chunk
    return data


@pytest.fixture
def http_server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """Keep-alive is the HTTP server's business, the same whichever database is behind it:
    one run (on SQLite) rather than one per database."""
    with start_server(sqlite_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as srv:
        yield srv


def test_a_keep_alive_connection_idle_as_long_as_a_client_keeps_it_still_works(
        http_server: Server) -> None:
    host, port = http_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        assert _get(sock, "/healthz").startswith(b"HTTP/1.1 200")
        # Idle on purpose: this is the client's pool holding the connection, not a wait for
        # something to happen.
        time.sleep(CLIENT_IDLE_S)
        assert _get(sock, "/healthz").startswith(b"HTTP/1.1 200")


async def test_a_burst_much_larger_than_the_pool_is_served_in_full(server: Server) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
        answers = await asyncio.gather(*(
            client.post("/api/v1/tickets", json={"service": "KTP"}) for _ in range(300)))
    codes = sorted({a.status_code for a in answers})
    assert codes == [201], [a.text for a in answers if a.status_code != 201][:3]
