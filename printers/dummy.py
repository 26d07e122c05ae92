"""An in-memory printer: the demo's virtual printer and a test double."""

from __future__ import annotations

import asyncio
from collections import deque

from printers.device import PrinterError, PrinterStatus


class DummyPrinter:
    """Keeps the last ``max_jobs`` jobs. Set ``fail_with`` or ``current_status`` to misbehave."""

    def __init__(self, *, max_jobs: int = 200, delay_s: float = 0.0) -> None:
        self._jobs: deque[bytes] = deque(maxlen=max_jobs)
        self.delay_s = delay_s
        self.fail_with: str | None = None
        self.current_status = PrinterStatus.ONLINE

    def __repr__(self) -> str:
        return f"DummyPrinter(jobs={len(self._jobs)})"

    @property
    def jobs(self) -> list[bytes]:
        return list(self._jobs)

    async def send(self, data: bytes) -> None:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_with is not None:
            raise PrinterError(self.fail_with)
        self._jobs.append(bytes(data))

    async def status(self) -> PrinterStatus:
        return self.current_status

    async def close(self) -> None:
        return None
