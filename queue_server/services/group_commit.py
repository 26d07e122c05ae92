"""Group commit: requests that arrive while a batch is being written join the next batch.

One writer runs at a time per :class:`GroupCommit`; whoever arrives meanwhile waits in
``pending`` and goes in the next batch together. Under load a batch grows to the number of
requests that came during the previous commit, so the cost of a transaction (the write lock,
the commit, the round trips to the database) is paid once per batch instead of once per
request. With one request at a time nothing waits: the batch is that request alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

R = TypeVar("R")
A = TypeVar("A")

#: A batch's answers, one per request in order: an answer or the exception for that request.
Runner = Callable[[list[R]], Awaitable[list[A | Exception]]]


class GroupCommit(Generic[R, A]):
    def __init__(self, run: Runner[R, A], *, max_batch: int = 128) -> None:
        self._run = run
        self._max_batch = max_batch
        self._pending: list[tuple[R, asyncio.Future[A]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, request: R) -> A:
        """The answer to ``request`` once the batch holding it has committed (or its
        exception: a request refused inside a batch fails alone)."""
        loop = asyncio.get_running_loop()
        writer = self._writer
        if writer is not None and (writer.get_loop() is not loop or writer.done()):
            # Left behind by an event loop that has ended (a server restarted in the same
            # process, a test client): its requests went with that loop.
            self._writer = None
            self._pending = [(r, f) for r, f in self._pending if f.get_loop() is loop]
        future: asyncio.Future[A] = loop.create_future()
        self._pending.append((request, future))
        if self._writer is None:
            # The writer outlives a cancelled caller: the others in its batch still get
            # their answers, and a committed ticket stays committed.
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self._max_batch]
                del self._pending[:self._max_batch]
                try:
                    answers = await self._run([request for request, _ in batch])
                except Exception as exc:  # the whole batch failed (the database is down …)
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except asyncio.CancelledError:
                    for _, future in batch + self._pending:
                        future.cancel()
                    raise
                for (_, future), answer in zip(batch, answers, strict=True):
                    if future.done():  # its caller went away
                        continue
                    if isinstance(answer, Exception):
                        future.set_exception(answer)
                    else:
                        future.set_result(answer)
        finally:
            self._writer = None
