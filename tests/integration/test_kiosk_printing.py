"""The kiosk prints on a real TCP 9100 printer (a sink on loopback) through a real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.printer_sink import PrinterSink
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

DUMMY_PRINTER = 'code = "kiosk-1"\nkind = "dummy"\npaper_mm = 80\n'


def site_with_network_printer(tmp_path: Path, port: int) -> Path:
    """The test site with its kiosk printer pointed at ``127.0.0.1:port``, short retries."""
    text = SITE_FILE.read_text()
    assert DUMMY_PRINTER in text, "the test site's [[printers]] entry changed"
    printer = ('code = "kiosk-1"\nkind = "network"\nhost = "127.0.0.1"\n'
               f"port = {port}\npaper_mm = 80\nattempts = 3\ntimeout_s = 2.0\nretry_s = 0.2\n")
    path = tmp_path / "site-network-printer.toml"
    path.write_text(text.replace(DUMMY_PRINTER, printer))
    return path


@pytest.fixture
async def sink() -> AsyncIterator[PrinterSink]:
    async with PrinterSink() as sink:
        yield sink


@pytest.fixture
def printing_server(database_url: str, tmp_path: Path, sink: PrinterSink) -> Iterator[Server]:
    site = site_with_network_printer(tmp_path, sink.port)
    add_users(database_url, site, {"kepala": "supervisor"})
    with start_server(database_url, site, tmp_path, clock=MONDAY_MORNING) as server:
        yield server


async def issue(client: httpx.AsyncClient, service: str = "KTP",
                key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    answer = await client.post("/kiosk/api/tickets", json={"service": service},
                               headers=headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def print_finished(client: httpx.AsyncClient, ticket_id: str,
                         timeout_s: float = 10.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            job = (await client.get(f"/kiosk/api/tickets/{ticket_id}/print-status")).json()
            if job["print"] and job["print"]["state"] in {"printed", "failed"}:
                result: dict[str, Any] = job["print"]
                return result
            await asyncio.sleep(0.05)


async def test_a_ticket_issued_at_the_kiosk_arrives_at_the_printer_with_number_and_qr(
    printing_server: Server, sink: PrinterSink
) -> None:
    async with httpx.AsyncClient(base_url=printing_server.url, timeout=10) as client:
        body = await issue(client, key="kiosk-tap-1")
        ticket = body["ticket"]
        jobs = await sink.wait_for_jobs(1, timeout_s=5.0)
        job = await print_finished(client, ticket["id"])
        again = await client.post("/kiosk/api/tickets", json={"service": "KTP"},
                                  headers={"Idempotency-Key": "kiosk-tap-1"})
    decoded = jobs[0].decoded
    assert ticket["number"] == "A-001"
    assert "A-001" in decoded.large_texts
    assert "NOMOR ANTREAN" in decoded.text_lines
    assert "MPP Uji" in decoded.text_lines
    # Where to go, what to bring, where to complain (counters A1-A3 serve KTP).
    assert "Dilayani di Loket 1-3" in decoded.text_lines
    assert any("SP4N LAPOR!" in line for line in decoded.text_lines)
    assert body["counters"] == "Loket 1\u20133"
    # The QR carries the visitor's survey key since issue 11: the ticket page with ?k=.
    (qr,) = decoded.qr_codes
    assert qr.startswith(f"{printing_server.url}/t/{ticket['id']}?k=")
    assert ticket["track_url"] == qr
    assert decoded.cuts == 1
    assert job["state"] == "printed" and job["attempts"] == 1 and job["printer"] == "kiosk-1"
    # The same tap again is the same ticket, and it is not printed twice.
    assert again.status_code == 200 and again.json()["ticket"]["id"] == ticket["id"]
    await asyncio.sleep(0.3)
    assert len(sink.jobs) == 1


async def healthz_times(client: httpx.AsyncClient, seconds: float) -> list[float]:
    """How long each /healthz took while something else was going on."""
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        answer = await client.get("/healthz")
        assert answer.status_code == 200
        times.append(time.monotonic() - started)
        await asyncio.sleep(0.05)
    return times


async def test_with_the_printer_switched_off_issuing_stays_fast_and_the_job_fails_after_retries(
    printing_server: Server, sink: PrinterSink
) -> None:
    await sink.go_down()
    async with httpx.AsyncClient(base_url=printing_server.url, timeout=10) as client:
        started = time.monotonic()
        body = await issue(client)
        issued_in = time.monotonic() - started
        health, job = await asyncio.gather(healthz_times(client, 1.0),
                                           print_finished(client, body["ticket"]["id"]))
        staff = sign_in(printing_server.url, "kepala", None)
        printers = (await client.get("/api/v1/printers", headers=staff)).json()["printers"]
        later = await issue(client, "KK")
    assert issued_in < 1.0
    assert body["print"]["state"] == "queued"
    assert job["state"] == "failed" and job["attempts"] == 3
    assert "refused" in job["error"]
    assert max(health) < 0.5, health
    assert printers[0]["code"] == "kiosk-1" and printers[0]["status"] == "offline"
    assert "refused" in printers[0]["last_error"]
    assert later["ticket"]["number"] == "A-002"  # the ticket stays valid, numbering goes on


async def test_a_printer_that_goes_silent_fails_the_job_and_the_server_stays_responsive(
    printing_server: Server, sink: PrinterSink
) -> None:
    async with httpx.AsyncClient(base_url=printing_server.url, timeout=10) as client:
        first = await issue(client)
        assert (await print_finished(client, first["ticket"]["id"]))["state"] == "printed"
        sink.mode = "silent"
        started = time.monotonic()
        second = await issue(client)
        issued_in = time.monotonic() - started
        health, job = await asyncio.gather(healthz_times(client, 1.5),
                                           print_finished(client, second["ticket"]["id"]))
    assert issued_in < 1.0
    assert job["state"] == "failed" and job["attempts"] == 3
    assert job["error"] == "printer stopped answering status requests"
    assert max(health) < 0.5, health
    assert len(sink.jobs) == 1


async def test_a_supervisor_reprints_a_ticket_and_an_officer_may_not(
    printing_server: Server, sink: PrinterSink, database_url: str, tmp_path: Path
) -> None:
    add_users(database_url, tmp_path / "site-network-printer.toml", {"siti": "officer"})
    async with httpx.AsyncClient(base_url=printing_server.url, timeout=10) as client:
        ticket = (await issue(client))["ticket"]
        await sink.wait_for_jobs(1)
        officer = sign_in(printing_server.url, "siti", "A1")
        refused = await client.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=officer)
        supervisor = sign_in(printing_server.url, "kepala", None)
        answer = await client.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=supervisor)
        jobs = await sink.wait_for_jobs(2)
        unknown = await client.post("/api/v1/tickets/nope/reprint", headers=supervisor)
    assert refused.status_code == 403
    assert answer.status_code == 202 and answer.json()["print"]["ticket"] == ticket["id"]
    assert [j.decoded.large_texts for j in jobs] == [["A-001"], ["A-001"]]
    assert unknown.status_code == 404


async def test_fifty_tickets_in_a_burst_all_print_in_order(
    printing_server: Server, sink: PrinterSink
) -> None:
    async with httpx.AsyncClient(base_url=printing_server.url, timeout=10) as client:
        started = time.monotonic()
        numbers = [(await issue(client))["ticket"]["number"] for _ in range(50)]
        issuing_s = time.monotonic() - started
        jobs = await sink.wait_for_jobs(50, timeout_s=20.0)
    assert numbers == [f"A-{n:03d}" for n in range(1, 51)]
    assert [job.decoded.large_texts[0] for job in jobs] == numbers
    assert sink.errors == []
    assert issuing_s < 20.0


async def test_a_printer_that_accepts_but_never_reads_fails_every_job_so_the_kiosk_falls_back(
    database_url: str, tmp_path: Path, sink: PrinterSink
) -> None:
    sink.mode = "silent"  # accepts the connection, reads nothing, answers nothing
    site = site_with_network_printer(tmp_path, sink.port)
    site.write_text(site.read_text().replace("attempts = 3", "attempts = 1"))
    with start_server(database_url, site, tmp_path, clock=MONDAY_MORNING) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            issued = [await issue(client) for _ in range(10)]
            jobs = [await print_finished(client, body["ticket"]["id"], timeout_s=60)
                    for body in issued]
    assert [job["state"] for job in jobs] == ["failed"] * 10
    assert all("status" in job["error"] for job in jobs), jobs
