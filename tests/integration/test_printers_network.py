from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from printers import JobState, JobStatus, NetworkPrinter, PrinterStatus, PrintSpool
from printers.slips import TicketSlip, render_slip
from tests.support.printer_sink import PrinterSink

SLIP = TicketSlip(
    site_name="Mal Pelayanan Publik Kota Probolinggo",
    site_address="Jl. Basuki Rahmat No. 1, Mayangan",
    number="A-012",
    agency_name="Dinas Kependudukan dan Pencatatan Sipil",
    service_name="Perekaman dan Pencetakan KTP-el",
    priority_label=None,
    ahead=2,
    estimated_wait_s=300,
    issued_at=datetime(2025, 11, 24, 8, 15, tzinfo=ZoneInfo("Asia/Jakarta")),
    track_url="https://loket.example/t/A-012",
    footer="Terima kasih",
)


@pytest.fixture
async def sink() -> AsyncIterator[PrinterSink]:
    async with PrinterSink() as sink:
        yield sink


def printer_for(sink: PrinterSink) -> NetworkPrinter:
    return NetworkPrinter(
        "127.0.0.1",
        sink.port,
        connect_timeout_s=0.5,
        write_timeout_s=0.3,
        status_timeout_s=0.2,
    )


async def finished(spool: PrintSpool, job_id: str, timeout_s: float = 30.0) -> JobState:
    async with asyncio.timeout(timeout_s):
        while True:
            state = spool.job_state(job_id)
            if state is not None and state.finished:
                return state
            await asyncio.sleep(0.005)


def state_of(spool: PrintSpool, job_id: str) -> JobState:
    state = spool.job_state(job_id)
    assert state is not None, f"no state for {job_id}"
    return state


class Ticker:
    """Counts how often a 10 ms sleep loop gets to run: proof the event loop is not blocked."""

    def __init__(self) -> None:
        self.ticks = 0
        self.longest_gap = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            now = loop.time()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now
            self.ticks += 1


async def test_a_ticket_sent_through_the_spool_arrives_at_the_printer_and_decodes(
    sink: PrinterSink,
) -> None:
    changes: list[tuple[str, JobStatus]] = []

    async def on_change(job_id: str, state: JobState) -> None:
        changes.append((job_id, state.status))

    spool = PrintSpool(printer_for(sink), on_change=on_change)
    spool.start()
    try:
        spool.submit("t-1", render_slip(SLIP, 80))
        state = await finished(spool, "t-1")
        [job] = await sink.wait_for_jobs(1)
    finally:
        await spool.stop()
    assert state.status is JobStatus.PRINTED and state.attempts == 1
    assert "NOMOR ANTREAN" in job.decoded.text_lines
    assert "A-012" in job.decoded.large_texts
    assert job.decoded.qr_codes == ("https://loket.example/t/A-012",)
    assert job.decoded.cuts == 1
    assert sink.errors == []
    assert changes == [("t-1", JobStatus.QUEUED), ("t-1", JobStatus.PRINTING), ("t-1", "printed")]
    assert spool.health.status is PrinterStatus.ONLINE
    assert spool.health.last_success_at is not None


async def test_a_dead_printer_fails_the_job_after_every_attempt_without_blocking_anyone(
    sink: PrinterSink,
) -> None:
    await sink.go_down()
    spool = PrintSpool(printer_for(sink), attempts=3, timeout_s=1.0, backoff_s=0.05)
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    spool.start()
    try:
        loop = asyncio.get_running_loop()
        before = loop.time()
        spool.submit("t-1", render_slip(SLIP, 58))
        # Submitting only queues: a submit that connected first would take at least the
        # connect timeout (0.5 s).
        assert loop.time() - before < 0.25
        assert state_of(spool, "t-1").status is JobStatus.QUEUED
        state = await finished(spool, "t-1")
    finally:
        ticking.cancel()
        await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.attempts == 3
    assert state.error and state.error.startswith("printer reports offline: 127.0.0.1:")
    assert spool.health.status is PrinterStatus.OFFLINE
    assert spool.health.last_error == state.error
    assert ticker.ticks >= 5
    # Blocking the loop would stall it for a whole attempt (timeout_s, 1 s): half of that
    # leaves room for a busy machine's scheduling.
    assert ticker.longest_gap < 0.5


async def test_a_silent_printer_times_out_instead_of_hanging(sink: PrinterSink) -> None:
    sink.mode = "silent"
    spool = PrintSpool(printer_for(sink), attempts=2, timeout_s=1.0, backoff_s=0.05)
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    spool.start()
    # A job bigger than every buffer between us and a printer that has stopped reading.
    big_job = render_slip(SLIP, 80) * 20_000
    try:
        async with asyncio.timeout(30.0):
            spool.submit("t-1", big_job)
            state = await finished(spool, "t-1")
    finally:
        ticking.cancel()
        await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.attempts == 2
    assert state.error and "took no data" in state.error
    assert spool.health.status is PrinterStatus.UNKNOWN
    assert sink.jobs == []
    # A write that blocked the loop would stall it for a whole attempt (timeout_s, 1 s); half
    # of that leaves room for a busy machine's scheduling without letting a block through.
    assert ticker.longest_gap < 0.5


async def test_a_printer_that_stops_answering_fails_even_a_small_job(sink: PrinterSink) -> None:
    spool = PrintSpool(printer_for(sink), attempts=2, timeout_s=1.0, backoff_s=0.05)
    spool.start()
    try:
        spool.submit("t-1", render_slip(SLIP, 80))
        assert (await finished(spool, "t-1")).status is JobStatus.PRINTED
        sink.mode = "silent"
        spool.submit("t-2", render_slip(SLIP, 80))
        state = await finished(spool, "t-2")
    finally:
        await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.error == "printer stopped answering status requests"
    assert len(sink.jobs) == 1


async def test_fifty_tickets_in_a_burst_all_arrive_in_order(sink: PrinterSink) -> None:
    spool = PrintSpool(printer_for(sink), max_queue=64)
    spool.start()
    try:
        for n in range(1, 51):
            spool.submit(f"t-{n}", render_slip(replace(SLIP, number=f"A-{n:03d}"), 58))
        jobs = await sink.wait_for_jobs(50, timeout_s=10.0)
        async with asyncio.timeout(10.0):
            await spool.join()
    finally:
        await spool.stop()
    assert [job.decoded.large_texts for job in jobs] == [[f"A-{n:03d}"] for n in range(1, 51)]
    assert {state_of(spool, f"t-{n}").status for n in range(1, 51)} == {JobStatus.PRINTED}
    assert sink.errors == []


async def test_a_burst_larger_than_the_queue_fails_the_overflow_at_once(
    sink: PrinterSink,
) -> None:
    spool = PrintSpool(printer_for(sink), max_queue=5)  # not started: nothing drains the queue
    for n in range(8):
        spool.submit(f"t-{n}", b"\x1b@x\n\x1dV\x00")
    statuses = [state_of(spool, f"t-{n}").status for n in range(8)]
    assert statuses == [JobStatus.QUEUED] * 5 + [JobStatus.FAILED] * 3
    assert state_of(spool, "t-7").error == "the print queue is full"
    spool.start()
    try:
        await sink.wait_for_jobs(5)
    finally:
        await spool.stop()


async def test_paper_out_is_reported_and_the_job_is_not_sent(sink: PrinterSink) -> None:
    sink.mode = "paper_out"
    printer = printer_for(sink)
    assert await printer.status() is PrinterStatus.PAPER_OUT
    spool = PrintSpool(printer, attempts=2, backoff_s=0.01)
    spool.start()
    try:
        spool.submit("t-1", render_slip(SLIP, 80))
        state = await finished(spool, "t-1")
    finally:
        await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.error == "printer reports paper_out"
    assert spool.health.status is PrinterStatus.PAPER_OUT
    assert sink.jobs == []
    assert sink.status_requests[:3] == [1, 2, 4]


async def test_status_tells_online_cover_open_offline_and_unknown(sink: PrinterSink) -> None:
    printer = printer_for(sink)
    try:
        assert await printer.status() is PrinterStatus.ONLINE
        sink.mode = "cover_open"
        assert await printer.status() is PrinterStatus.COVER_OPEN
        sink.mode = "silent"
        assert await printer.status() is PrinterStatus.UNKNOWN
        await sink.go_down()
        assert await printer.status() is PrinterStatus.OFFLINE
    finally:
        await printer.close()


async def test_the_printer_reconnects_after_it_was_switched_off_and_on(
    sink: PrinterSink,
) -> None:
    printer = printer_for(sink)
    try:
        await printer.send(render_slip(SLIP, 58))
        await sink.wait_for_jobs(1)
        await sink.go_down()
        await sink.come_up()
        spool = PrintSpool(printer, attempts=3, backoff_s=0.05)
        spool.start()
        spool.submit("t-2", render_slip(SLIP, 58))
        state = await finished(spool, "t-2")
        await spool.stop()
    finally:
        await printer.close()
    assert state.status is JobStatus.PRINTED and state.attempts == 1
    assert len(sink.jobs) == 2 and sink.connections == 2
