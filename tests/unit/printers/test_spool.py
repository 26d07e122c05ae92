from __future__ import annotations

import asyncio

from printers import DummyPrinter, JobState, JobStatus, PrinterStatus, PrintSpool


async def finished(spool: PrintSpool, job_id: str) -> JobState:
    async with asyncio.timeout(3.0):
        while True:
            state = spool.job_state(job_id)
            if state is not None and state.finished:
                return state
            await asyncio.sleep(0.002)


async def test_jobs_print_in_the_order_they_were_submitted() -> None:
    printer = DummyPrinter()
    spool = PrintSpool(printer)
    spool.start()
    for n in range(5):
        spool.submit(f"t-{n}", f"job {n}".encode())
    async with asyncio.timeout(2.0):
        await spool.join()
    await spool.stop()
    assert printer.jobs == [f"job {n}".encode() for n in range(5)]


async def test_a_failing_printer_is_retried_then_the_job_fails_with_the_reason() -> None:
    printer = DummyPrinter()
    printer.fail_with = "kabel lepas"
    seen: list[tuple[JobStatus, int]] = []

    async def on_change(job_id: str, state: JobState) -> None:
        seen.append((state.status, state.attempts))

    spool = PrintSpool(printer, attempts=3, backoff_s=0.001, on_change=on_change)
    spool.start()
    spool.submit("t-1", b"x")
    state = await finished(spool, "t-1")
    await spool.stop()
    assert (state.status, state.attempts, state.error) == (JobStatus.FAILED, 3, "kabel lepas")
    assert seen == [
        (JobStatus.QUEUED, 0),
        (JobStatus.PRINTING, 1),
        (JobStatus.PRINTING, 2),
        (JobStatus.PRINTING, 3),
        (JobStatus.FAILED, 3),
    ]
    assert spool.health.last_error == "kabel lepas"
    assert spool.health.last_success_at is None


async def test_a_printer_that_recovers_prints_on_a_later_attempt() -> None:
    printer = DummyPrinter()
    printer.current_status = PrinterStatus.COVER_OPEN
    spool = PrintSpool(printer, attempts=5, backoff_s=0.02)
    spool.start()
    spool.submit("t-1", b"x")
    await asyncio.sleep(0.03)
    printer.current_status = PrinterStatus.ONLINE
    state = await finished(spool, "t-1")
    await spool.stop()
    assert state.status is JobStatus.PRINTED and state.attempts > 1
    assert printer.jobs == [b"x"]


async def test_a_hanging_printer_is_cut_off_by_the_timeout() -> None:
    printer = DummyPrinter(delay_s=10)
    spool = PrintSpool(printer, attempts=1, timeout_s=0.05)
    spool.start()
    spool.submit("t-1", b"x")
    state = await finished(spool, "t-1")
    await spool.stop()
    assert state.error == "the printer did not finish within 0.05 s"


async def test_a_double_submit_prints_once() -> None:
    printer = DummyPrinter()
    spool = PrintSpool(printer)
    spool.submit("t-1", b"x")
    spool.submit("t-1", b"x")
    spool.start()
    await finished(spool, "t-1")
    await spool.stop()
    assert printer.jobs == [b"x"]


async def test_stopping_fails_what_is_still_waiting_and_refuses_new_jobs() -> None:
    printer = DummyPrinter(delay_s=10)
    spool = PrintSpool(printer, timeout_s=30)
    spool.start()
    spool.submit("t-1", b"x")
    spool.submit("t-2", b"y")
    await asyncio.sleep(0.01)
    async with asyncio.timeout(1.0):
        await spool.stop()
    spool.submit("t-3", b"z")
    for job_id in ("t-1", "t-2", "t-3"):
        state = spool.job_state(job_id)
        assert state is not None and state.status is JobStatus.FAILED
    assert printer.jobs == []


async def test_a_slow_listener_never_holds_up_printing() -> None:
    release = asyncio.Event()

    async def on_change(job_id: str, state: JobState) -> None:
        await release.wait()

    printer = DummyPrinter()
    spool = PrintSpool(printer, on_change=on_change, timeout_s=0.5)
    spool.start()
    spool.submit("t-1", b"x")
    state = await finished(spool, "t-1")
    assert state.status is JobStatus.PRINTED
    release.set()
    await spool.stop()


async def test_a_broken_listener_is_logged_and_ignored() -> None:
    async def on_change(job_id: str, state: JobState) -> None:
        raise RuntimeError("boom")

    spool = PrintSpool(DummyPrinter(), on_change=on_change)
    spool.start()
    spool.submit("t-1", b"x")
    assert (await finished(spool, "t-1")).status is JobStatus.PRINTED
    await spool.stop()


async def test_a_printer_that_never_answers_status_is_not_trusted_when_status_is_required(
) -> None:
    printer = DummyPrinter()
    printer.current_status = PrinterStatus.UNKNOWN
    spool = PrintSpool(printer, attempts=2, backoff_s=0.01, require_status=True)
    spool.start()
    spool.submit("t-1", b"slip")
    state = await finished(spool, "t-1")
    await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.error == "printer did not answer the status request (DLE EOT)"
    assert printer.jobs == []


async def test_without_required_status_a_silent_status_still_prints() -> None:
    printer = DummyPrinter()
    printer.current_status = PrinterStatus.UNKNOWN
    spool = PrintSpool(printer, require_status=False)
    spool.start()
    spool.submit("t-1", b"slip")
    state = await finished(spool, "t-1")
    await spool.stop()
    assert state.status is JobStatus.PRINTED


class GoesQuietAfterTheJob(DummyPrinter):
    async def send(self, data: bytes) -> None:
        await super().send(data)
        self.current_status = PrinterStatus.UNKNOWN


async def test_a_printer_that_stops_answering_after_the_job_does_not_count_as_printed() -> None:
    printer = GoesQuietAfterTheJob()
    spool = PrintSpool(printer, attempts=1, require_status=True)
    spool.start()
    spool.submit("t-1", b"slip")
    state = await finished(spool, "t-1")
    await spool.stop()
    assert state.status is JobStatus.FAILED
    assert state.error and "did not confirm" in state.error
