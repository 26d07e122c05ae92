"""Password hashing off the event loop, a few at a time.

argon2 is deliberately slow and memory-hungry (tens of milliseconds, 64 MiB each). Run on the
event loop, a burst of sign-ins stalls every ticket, call and screen of the process; run in
unbounded threads, it exhausts memory. So it runs in a small pool of its own, and callers wait
their turn without holding the loop. The C library releases the GIL while it works.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from queue_server.domain.errors import DomainError

#: Hashes computed at once; more would only compete for the same cores and memory.
WORKERS = max(2, min(4, (os.cpu_count() or 2) // 2))
#: Sign-ins allowed to wait for a worker; beyond this the server is busy (503), which is
#: better than a queue that answers after the client gave up.
MAX_WAITING = 64
#: The production cost: argon2-cffi's defaults (RFC 9106's low-memory profile). Tests make
#: their accounts with a cheap hasher; a hash carries its own parameters, so verifying it is
#: cheap too while the server's own hashes keep this cost.
HASHER = PasswordHasher()

T = TypeVar("T")


class Busy(DomainError):
    status = 503


class PasswordHashing:
    """Hash and verify in a bounded worker pool; ``await`` never blocks the loop."""

    def __init__(self, workers: int = WORKERS, max_waiting: int = MAX_WAITING,
                 hasher: PasswordHasher = HASHER) -> None:
        self._hasher = hasher
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._slots = asyncio.BoundedSemaphore(workers + max_waiting)
        self._dummy: str | None = None

    async def _run(self, fn: Callable[[], T]) -> T:
        if self._slots.locked():
            raise Busy("busy", retry_after=5)
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, fn)

    async def hash(self, password: str) -> str:
        return await self._run(functools.partial(self._hasher.hash, password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """``True`` when ``password`` matches; an unknown user (``None``) is checked against a
        dummy hash, so the answer takes as long either way."""
        if password_hash is None:
            if self._dummy is None:
                self._dummy = await self.hash("loket-dummy-password")
            password_hash = self._dummy
        return await self._run(functools.partial(_verify, self._hasher, password_hash,
                                                 password))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

