"""Runs a device's blocking calls off the event loop, one at a time, on the device's own thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class BlockingDevice:
    """Base for drivers built on blocking libraries (pyserial, pyusb, files).

    A single worker thread per device keeps calls in order even when an awaiting caller has
    given up (timed out), and a stuck device can only ever hold its own thread, never the
    loop's shared default executor.
    """

    close_timeout_s = 2.0

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    async def _run(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"printer-{self._name}")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def close(self) -> None:
        if self._executor is None:
            return
        try:
            async with asyncio.timeout(self.close_timeout_s):  # not wait_for: see network.py
                await self._run(self._close_blocking)
        except (TimeoutError, OSError):
            pass
        finally:
            executor, self._executor = self._executor, None
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)

    def _close_blocking(self) -> None:
        """Release the handle; runs on the device thread."""
