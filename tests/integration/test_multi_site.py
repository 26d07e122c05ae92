"""Several MPPs in one server, on SQLite and PostgreSQL, with real servers and real WebSocket
clients: each site numbers its own tickets, an officer of one site can neither see nor touch
the other, one site's events never reach the other's screens, and the region's figures are
each site's own statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import FIXTURES, SITE_FILE, PostgresDatabases, missing
from tests.integration.test_ws import receive_until, ws_url
from tests.support.servers import Server, start_server
from tests.support.staff import PASSWORD, add_users, sign_in

SITE_B = FIXTURES / "site_b.toml"
#: Monday 10.30: both sites are open ("tetangga" opens at 10.00 on Mondays)
BOTH_OPEN = "2025-11-24T10:30:00+07:00"


@pytest.fixture
def two_sites(database_url: str, tmp_path: Path) -> Iterator[Server]:
    add_users(database_url, SITE_FILE, {"siti": "officer", "kepala": "supervisor",
                                        "wilayah": "region"})
    add_users(database_url, SITE_B, {"budi": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=BOTH_OPEN,
                      more_sites=(SITE_B,)) as srv:
        yield srv


def issue(base: str, service: str = "KTP") -> dict[str, Any]:
    answer = httpx.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()["ticket"]
    return ticket


def test_each_site_numbers_its_own_tickets(two_sites: Server) -> None:
    a = [issue(two_sites.url)["number"] for _ in range(2)]
    b = issue(f"{two_sites.url}/s/tetangga")["number"]
    # The default site is the same site under its own prefix.
    a3 = issue(f"{two_sites.url}/s/uji")["number"]
    assert a == ["A-001", "A-002"] and a3 == "A-003"
    assert b == "A-001"


def test_an_officer_of_one_site_can_neither_see_nor_touch_the_other(two_sites: Server) -> None:
    b_base = f"{two_sites.url}/s/tetangga"
    theirs = issue(b_base)
    siti = sign_in(two_sites.url, "siti", "A1")
    for method, path in (("POST", "/api/v1/counters/A1/call"),
                         ("GET", "/api/v1/counters/A1/queues"),
                         ("GET", "/api/v1/session"),
                         ("GET", "/api/v1/stats")):
        answer = httpx.request(method, b_base + path, headers=siti, timeout=10)
        assert answer.status_code == 401, (path, answer.text)
    # The other site's accounts do not exist here: signing in there with siti fails.
    answer = httpx.post(f"{b_base}/api/v1/session", json={
        "username": "siti", "password": PASSWORD, "counter": "A1"}, timeout=10)
    assert answer.status_code == 401
    # A ticket of site B is unknown at site A, even by its id.
    assert httpx.get(f"{two_sites.url}/api/v1/tickets/{theirs['id']}",
                     timeout=10).status_code == 404
    # B's ticket is still waiting: nothing above touched it.
    seen = httpx.get(f"{b_base}/api/v1/tickets/{theirs['id']}", timeout=10).json()
    assert seen["ticket"]["status"] == "waiting"


def test_events_of_one_site_never_reach_the_other_sites_screens(two_sites: Server) -> None:
    a_ticket = issue(two_sites.url)
    b_ticket = issue(f"{two_sites.url}/s/tetangga")
    siti = sign_in(two_sites.url, "siti", "A1")
    budi = sign_in(f"{two_sites.url}/s/tetangga", "budi", "A1")
    kepala = sign_in(two_sites.url, "kepala", None)

    async def run() -> None:
        b_url = ws_url(two_sites, "topics=display").replace("/ws?", "/s/tetangga/ws?")
        async with websockets.connect(ws_url(two_sites, "topics=display")) as a_ws, \
                websockets.connect(b_url) as b_ws:
            await receive_until(a_ws, "snapshot")
            await receive_until(b_ws, "snapshot")
            # A calls first, then B: were A's call to leak to B's display it would come
            # before B's own, so B's first call must be B's ticket.
            answer = httpx.post(f"{two_sites.url}/api/v1/counters/A1/call", headers=siti,
                                timeout=10)
            assert answer.json()["ticket"]["id"] == a_ticket["id"]
            got_a = await receive_until(a_ws, "ticket.called")
            assert got_a[-1]["ticket"]["id"] == a_ticket["id"]
            answer = httpx.post(f"{two_sites.url}/s/tetangga/api/v1/counters/A1/call",
                                headers=budi, timeout=10)
            assert answer.json()["ticket"]["id"] == b_ticket["id"]
            got_b = await receive_until(b_ws, "ticket.called")
            assert [m["ticket"]["id"] for m in got_b if "ticket" in m] == [b_ticket["id"]]
        # A's supervisor may not follow B's supervisor topic.
        async with websockets.connect(
                b_url.replace("topics=display", "topics=supervisor"),
                additional_headers=kepala) as refused:
            message = await receive_until(refused, "error")
            assert message[-1]["error"]["code"] == "forbidden"

    asyncio.run(run())


def test_the_region_reads_every_site_and_nobody_else_does(two_sites: Server) -> None:
    issue(two_sites.url)
    issue(two_sites.url)
    issue(f"{two_sites.url}/s/tetangga")
    day = "from=2025-11-24&to=2025-11-24"
    for who, counter in (("siti", "A1"), ("kepala", None)):
        headers = sign_in(two_sites.url, who, counter)
        answer = httpx.get(f"{two_sites.url}/api/v1/region/stats?{day}", headers=headers,
                           timeout=10)
        assert answer.status_code == 403, who
    assert httpx.get(f"{two_sites.url}/api/v1/region/stats?{day}",
                     timeout=10).status_code == 401
    region = sign_in(two_sites.url, "wilayah", None)
    answer = httpx.get(f"{two_sites.url}/api/v1/region/stats?{day}", headers=region,
                       timeout=30)
    assert answer.status_code == 200, answer.text
    sites = {row["site"]: row for row in answer.json()["sites"]}
    assert sites["uji"]["tickets"] == 2 and sites["tetangga"]["tickets"] == 1
    # The region reads a site's dashboard figures but acts at no counter.
    assert httpx.get(f"{two_sites.url}/s/tetangga/api/v1/stats?{day}", headers=region,
                     timeout=30).status_code == 200
    assert httpx.post(f"{two_sites.url}/s/tetangga/api/v1/counters/A1/call", headers=region,
                      timeout=10).status_code == 403
    answer = httpx.post(f"{two_sites.url}/api/v1/session", json={
        "username": "wilayah", "password": PASSWORD, "counter": "A1"}, timeout=10)
    assert answer.status_code == 403


@pytest.fixture
def two_processes(postgres: PostgresDatabases | None, tmp_path: Path) -> Iterator[list[Server]]:
    if postgres is None:
        missing("PostgreSQL (LOKET_TEST_DATABASE_URL)")
        raise AssertionError("unreachable")
    url = postgres.new()
    add_users(url, SITE_FILE, {"siti": "officer"})
    add_users(url, SITE_B, {"budi": "officer"})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with start_server(url, SITE_FILE, tmp_path / "a", clock=BOTH_OPEN,
                      more_sites=(SITE_B,)) as a, \
            start_server(url, SITE_FILE, tmp_path / "b", clock=BOTH_OPEN,
                         more_sites=(SITE_B,)) as b:
        yield [a, b]


@pytest.mark.postgres
def test_two_processes_serve_every_site_on_one_postgresql(two_processes: list[Server]) -> None:
    """A call at site B on one process reaches B's display on the other process, and A's
    display there only sees A's own call (made after B's, so a leak would come first)."""
    a, b = two_processes
    issue(f"{a.url}/s/tetangga")
    a_ticket = issue(b.url)
    # numbering is per site across processes too (checked on its own: each process runs its
    # own moved clock, so the two B tickets need not be called in the order issued here)
    assert issue(f"{b.url}/s/tetangga")["number"] == "A-002"
    budi = sign_in(f"{a.url}/s/tetangga", "budi", "A1")
    siti = sign_in(b.url, "siti", "A1")

    async def run() -> None:
        b_display = ws_url(b, "topics=display").replace("/ws?", "/s/tetangga/ws?")
        async with websockets.connect(b_display) as b_ws, \
                websockets.connect(ws_url(b, "topics=display")) as a_ws:
            await receive_until(b_ws, "snapshot")
            await receive_until(a_ws, "snapshot")
            called = await asyncio.to_thread(
                httpx.post, f"{a.url}/s/tetangga/api/v1/counters/A1/call", headers=budi,
                timeout=10)
            b_called = called.json()["ticket"]
            assert b_called["number"] in {"A-001", "A-002"} and b_called["id"] not in (
                a_ticket["id"],)
            got = await receive_until(b_ws, "ticket.called")
            assert got[-1]["ticket"]["id"] == b_called["id"]
            called = await asyncio.to_thread(
                httpx.post, f"{b.url}/api/v1/counters/A1/call", headers=siti, timeout=10)
            assert called.json()["ticket"]["id"] == a_ticket["id"]
            got = await receive_until(a_ws, "ticket.called")
            assert [m["ticket"]["id"] for m in got if "ticket" in m] == [a_ticket["id"]]

    asyncio.run(run())
