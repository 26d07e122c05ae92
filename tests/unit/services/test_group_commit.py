"""``GroupCommit``: who waits joins the next batch; a refusal stays with its request."""

from __future__ import annotations

import asyncio

import pytest

from queue_server.services.group_commit import GroupCommit


async def test_requests_arriving_during_a_batch_go_together_in_the_next_one() -> None:
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def run(batch: list[int]) -> list[int | Exception]:
        batches.append(batch)
        if len(batches) == 1:
            await release.wait()
        return [n * 10 for n in batch]

    group: GroupCommit[int, int] = GroupCommit(run)
    first = asyncio.create_task(group.submit(1))
    await asyncio.wait_for(_until(lambda: len(batches) == 1), 10)
    others = [asyncio.create_task(group.submit(n)) for n in range(2, 7)]
    await asyncio.sleep(0)
    release.set()
    assert await first == 10
    assert await asyncio.gather(*others) == [20, 30, 40, 50, 60]
    assert batches == [[1], [2, 3, 4, 5, 6]]


async def test_a_refused_request_fails_alone_and_a_failed_batch_does_not_stop_the_next(
        ) -> None:
    calls = 0

    async def run(batch: list[int]) -> list[int | Exception]:
        nonlocal calls
        calls += 1
        if 0 in batch:
            raise ConnectionError("database down")
        return [ValueError(n) if n < 0 else n for n in batch]

    group: GroupCommit[int, int] = GroupCommit(run)
    answers = await asyncio.gather(group.submit(5), group.submit(-1), group.submit(7),
                                   return_exceptions=True)
    assert answers[0] == 5 and answers[2] == 7
    assert isinstance(answers[1], ValueError)
    with pytest.raises(ConnectionError):
        await group.submit(0)
    assert await group.submit(3) == 3
    assert calls == 3


async def test_a_caller_that_gives_up_leaves_the_others_their_answers() -> None:
    release = asyncio.Event()

    async def run(batch: list[int]) -> list[int | Exception]:
        await release.wait()
        return list(batch)

    group: GroupCommit[int, int] = GroupCommit(run)
    impatient = asyncio.create_task(group.submit(1))
    patient = asyncio.create_task(group.submit(2))
    await asyncio.sleep(0)
    impatient.cancel()
    release.set()
    assert await patient == 2
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def _until(condition: object) -> None:
    assert callable(condition)
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not met")
