"""One deadline watcher for every WebSocket send in the process.

A send to a client that stopped reading blocks once the buffers are full; it must end after
``timeout_s`` so the client can be cut off. ``asyncio.timeout`` around each send would do it,
but it schedules and cancels a timer per send, and a call is one send per connected client:
at thousands of clients that timer was a tenth of the fan-out's time. Here a send only notes
when it started; one task looks every ``period_s`` for sends older than the deadline and
cancels the task stuck in them, which then reports :class:`TooSlow`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable


class TooSlow(TimeoutError):
    """A send did not finish within the deadline."""


class SendDeadline:
    def __init__(self, timeout_s: float, period_s: float | None = None) -> None:
        self.timeout_s = timeout_s
        self.period_s = period_s if period_s is not None else min(1.0, timeout_s / 4)
        #: task → when its current send started (loop time)
        self._sending: dict[asyncio.Task[object], float] = {}
        #: tasks this watcher cancelled and that have not yet turned it into TooSlow
        self._expired: set[asyncio.Task[object]] = set()
        self._task: asyncio.Task[None] | None = None

    async def send(self, sending: Awaitable[None]) -> None:
        """Await ``sending``; raise :class:`TooSlow` if it outlives the deadline."""
        task = asyncio.current_task()
        if task is None:  # not in a task: nothing to cancel, so just send
            await sending
            return
        self._sending[task] = asyncio.get_running_loop().time()
        try:
            await sending
        except asyncio.CancelledError:
            if task in self._expired:
                self._expired.discard(task)
                task.uncancel()
                raise TooSlow(f"a send took longer than {self.timeout_s} s") from None
            raise
        finally:
            self._sending.pop(task, None)

    def expire(self, now: float) -> int:
        """Cancel every send older than the deadline; returns how many."""
        late = [task for task, started in self._sending.items()
                if now - started > self.timeout_s and task not in self._expired]
        for task in late:
            self._expired.add(task)
            task.cancel()
        return len(late)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.period_s)
            self.expire(loop.time())
            # A task cancelled for another reason before it saw ours must not leak here.
            self._expired = {task for task in self._expired if not task.done()}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SendDeadline]:
        self._task = asyncio.create_task(self._run(), name="loket-ws-send-deadline")
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
