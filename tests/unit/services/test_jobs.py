"""The background loop every job runs in: on time, woken early, and never stopped by a
failing round."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

from queue_server.services import jobs


async def run_for(seconds: float, period_s: float, work: Callable[[], Awaitable[None]],
                  wake: asyncio.Event | None = None) -> None:
    task = asyncio.create_task(jobs.every(period_s, work, "the job", wake))
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_job_runs_at_once_then_every_period() -> None:
    rounds = 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1

    await run_for(0.2, 0.01, work)
    assert rounds >= 3


async def test_a_failing_round_is_logged_and_the_next_one_runs(
        caplog: pytest.LogCaptureFixture) -> None:
    rounds = 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database away")

    await run_for(0.2, 0.01, work)
    assert rounds >= 2
    assert "the job failed" in caplog.text


async def test_a_round_failing_for_a_database_outage_is_logged_without_a_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    failures = iter([ConnectionRefusedError("connection refused"), ValueError("a bug")])

    async def work() -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure

    await run_for(0.2, 0.01, work)
    outage, bug = (r for r in caplog.records if "the job failed" in r.getMessage())
    # An outage is expected and answered elsewhere: one line, no stack to alarm anyone.
    assert "database unavailable" in outage.getMessage() and outage.exc_info is None
    assert bug.exc_info is not None


async def test_a_wake_up_runs_the_job_before_its_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "MIN_GAP_S", 0.0)
    rounds = 0
    wake = asyncio.Event()

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            wake.set()

    await run_for(0.2, 3600, work, wake)
    assert rounds == 2  # the start, the wake-up; the hour has not passed


@pytest.mark.parametrize("steps", range(6))
async def test_a_job_woken_just_as_it_is_cancelled_still_stops(
        steps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit waking a job as the server shuts down must not eat the cancellation (Python
    3.11's wait_for did, and the shutdown then waited for ever)."""
    monkeypatch.setattr(jobs, "MIN_GAP_S", 0.0)
    wake = asyncio.Event()
    waiting = asyncio.Event()

    async def work() -> None:
        waiting.set()

    task = asyncio.create_task(jobs.every(3600.0, work, "the job", wake))
    await asyncio.wait_for(waiting.wait(), 10)
    for _ in range(3):  # into wake.wait()
        await asyncio.sleep(0)
    wake.set()
    for _ in range(steps):  # the wake-up on its way, at each point it can be
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    assert task in done, "the job ignored its cancellation"
    assert task.cancelled()
