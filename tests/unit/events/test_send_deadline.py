"""One watcher ends every WebSocket send that outlives the deadline, and only those."""

from __future__ import annotations

import asyncio

import pytest

from queue_server.web.send_deadline import SendDeadline, TooSlow


async def test_a_send_that_never_finishes_ends_with_too_slow() -> None:
    deadline = SendDeadline(0.2, period_s=0.05)
    stuck = asyncio.Event()  # never set: a client that stopped reading
    async with deadline.running():
        started = asyncio.get_running_loop().time()
        with pytest.raises(TooSlow):
            await asyncio.wait_for(deadline.send(stuck.wait()), 10)
        took = asyncio.get_running_loop().time() - started
    assert 0.2 <= took < 5


async def test_sends_that_finish_are_left_alone_and_not_tracked() -> None:
    deadline = SendDeadline(0.2, period_s=0.05)
    async with deadline.running():
        for _ in range(3):
            await deadline.send(asyncio.sleep(0.1))  # each within the deadline
        await asyncio.sleep(0.3)  # the watcher runs with nothing in flight
    assert deadline._sending == {} and deadline._expired == set()


async def test_only_the_late_send_is_cancelled() -> None:
    deadline = SendDeadline(0.3, period_s=0.05)
    async with deadline.running():
        late = asyncio.create_task(deadline.send(asyncio.Event().wait()))

        async def quick_sends() -> int:
            for _ in range(20):
                await deadline.send(asyncio.sleep(0.02))
            return 20

        quick = asyncio.create_task(quick_sends())
        assert await asyncio.wait_for(quick, 10) == 20
        with pytest.raises(TooSlow):
            await asyncio.wait_for(late, 10)


async def test_a_cancel_from_elsewhere_stays_a_cancel() -> None:
    deadline = SendDeadline(30, period_s=0.05)
    async with deadline.running():
        task = asyncio.create_task(deadline.send(asyncio.Event().wait()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert deadline._sending == {}
