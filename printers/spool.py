"""One print queue per printer: jobs go in without waiting, a worker prints them in order.

Issuing a ticket must never wait for paper: :meth:`PrintSpool.submit` returns at once and
never raises, and what happened to each job is told through :meth:`PrintSpool.job_state`
and the optional ``on_change`` callback (the kiosk shows the ticket on screen when printing
fails).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from printers.device import PrinterDevice, PrinterError, PrinterStatus

log = logging.getLogger(__name__)

NOT_READY = {PrinterStatus.PAPER_OUT, PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE}


class JobStatus(StrEnum):
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: JobStatus
    attempts: int = 0
    error: str | None = None
    updated_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.PRINTED, JobStatus.FAILED)


@dataclass(frozen=True)
class PrinterHealth:
    status: PrinterStatus = PrinterStatus.UNKNOWN
    last_error: str | None = None
    last_success_at: datetime | None = None
    queued: int = 0


OnChange = Callable[[str, JobState], Awaitable[None]]


class PrintSpool:
    """Prints jobs on ``device`` one after another, with retries and a deadline per attempt.

    Before each attempt the printer's status is asked; a printer that says it is out of paper,
    open or offline is not sent the job (it would print it minutes later, long after the
    visitor left). A printer that once answered status and then stops answering is treated
    as gone. With ``require_status`` (network printers by default) a printer that never
    answers is not trusted at all, and it must answer again after the job: a printer that
    accepts a connection and reads nothing would otherwise have every ticket marked printed
    while the visitor gets no slip and no on-screen fallback. The spool owns the device:
    :meth:`stop` closes it.
    """

    def __init__(
        self,
        device: PrinterDevice,
        *,
        attempts: int = 3,
        timeout_s: float = 5.0,
        backoff_s: float = 0.5,
        max_backoff_s: float = 5.0,
        max_queue: int = 100,
        check_status: bool = True,
        require_status: bool = False,
        on_change: OnChange | None = None,
        keep_states: int = 1000,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.device = device
        self.attempts = attempts
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.check_status = check_status
        self.require_status = require_status and check_status
        self._on_change = on_change
        self._keep_states = keep_states
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(max_queue)
        self._notices: asyncio.Queue[JobState] = asyncio.Queue(max_queue * 4)
        self._states: OrderedDict[str, JobState] = OrderedDict()
        self._health = PrinterHealth()
        self._answers_status = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False

    @property
    def health(self) -> PrinterHealth:
        return replace(self._health, queued=self._queue.qsize())

    def job_state(self, job_id: str) -> JobState | None:
        return self._states.get(job_id)

    def submit(self, job_id: str, data: bytes) -> None:
        """Queue a job and return at once; a full or stopped spool fails the job instead."""
        try:
            current = self._states.get(job_id)
            if current is not None and not current.finished:
                return  # already on its way: a double tap is not a second ticket
            if self._stopped:
                self._set(job_id, JobStatus.FAILED, error="the print queue is stopped")
                return
            try:
                self._queue.put_nowait((job_id, bytes(data)))
            except asyncio.QueueFull:
                self._set(job_id, JobStatus.FAILED, error="the print queue is full")
                return
            self._set(job_id, JobStatus.QUEUED)
        except Exception:  # submit must never take the caller down with it
            log.exception("print job %s could not be queued", job_id)

    def start(self) -> None:
        if self._tasks:
            return
        self._stopped = False
        self._tasks = [
            asyncio.create_task(self._work(), name=f"print-spool {self.device!r}"),
            asyncio.create_task(self._notify(), name=f"print-notices {self.device!r}"),
        ]

    async def stop(self) -> None:
        """Stop printing, fail what is still waiting, deliver the last notices, close."""
        self._stopped = True
        worker, notifier = self._tasks or (None, None)
        self._tasks = []
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        while not self._queue.empty():
            job_id, _ = self._queue.get_nowait()
            self._set(job_id, JobStatus.FAILED, error="the print queue is stopped")
        if notifier is not None:
            try:
                async with asyncio.timeout(self.timeout_s):  # not wait_for: see network.py
                    await self._notices.join()
            except TimeoutError:
                log.warning("print notices still pending at stop")
            notifier.cancel()
            await asyncio.gather(notifier, return_exceptions=True)
        await self.device.close()

    async def join(self) -> None:
        """Wait until every queued job has finished (bound it with ``asyncio.timeout``)."""
        await self._queue.join()

    async def _work(self) -> None:
        while True:
            job_id, data = await self._queue.get()
            try:
                await self._print(job_id, data)
            except asyncio.CancelledError:
                self._set(job_id, JobStatus.FAILED, error="the print queue is stopped")
                raise
            finally:
                self._queue.task_done()

    async def _print(self, job_id: str, data: bytes) -> None:
        error = ""
        for attempt in range(1, self.attempts + 1):
            self._set(job_id, JobStatus.PRINTING, attempts=attempt)
            try:
                async with asyncio.timeout(self.timeout_s):
                    await self._attempt(data)
            except TimeoutError:
                error = f"the printer did not finish within {self.timeout_s:g} s"
            except PrinterError as exc:
                error = str(exc)
            except Exception as exc:  # a driver bug must not kill the worker
                log.exception("printer driver failed")
                error = f"{type(exc).__name__}: {exc}"
            else:
                now = datetime.now(UTC)
                self._health = replace(self._health, last_success_at=now)
                self._set(job_id, JobStatus.PRINTED, attempts=attempt)
                return
            self._health = replace(self._health, last_error=error)
            if attempt < self.attempts:
                await asyncio.sleep(min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))
        self._set(job_id, JobStatus.FAILED, attempts=self.attempts, error=error)

    async def _attempt(self, data: bytes) -> None:
        if self.check_status:
            status = await self.device.status()
            self._health = replace(self._health, status=status)
            if status in NOT_READY:
                detail = getattr(self.device, "last_error", None)
                reason = f"printer reports {status.value}"
                raise PrinterError(f"{reason}: {detail}" if detail else reason)
            if status is PrinterStatus.UNKNOWN and self._answers_status:
                raise PrinterError("printer stopped answering status requests")
            if status is PrinterStatus.UNKNOWN and self.require_status:
                raise PrinterError("printer did not answer the status request (DLE EOT)")
            self._answers_status = status is not PrinterStatus.UNKNOWN
        await self.device.send(data)
        if self.require_status:
            # Still answering after the job: it is reading what we send, not just letting
            # the bytes sit in a socket buffer.
            after = await self.device.status()
            self._health = replace(self._health, status=after)
            if after is not PrinterStatus.ONLINE:
                raise PrinterError(f"printer did not confirm the job (status {after.value})")
        if not self.check_status:
            self._health = replace(self._health, status=PrinterStatus.ONLINE)

    def _set(
        self,
        job_id: str,
        status: JobStatus,
        *,
        attempts: int | None = None,
        error: str | None = None,
    ) -> None:
        previous = self._states.pop(job_id, None)
        tries = attempts if attempts is not None else (previous.attempts if previous else 0)
        state = JobState(job_id, status, tries, error, datetime.now(UTC))
        self._states[job_id] = state
        while len(self._states) > self._keep_states:
            oldest = next(iter(self._states))
            if not self._states[oldest].finished:
                break
            del self._states[oldest]
        if self._on_change is not None:
            try:
                self._notices.put_nowait(state)
            except asyncio.QueueFull:
                log.warning("print notice for %s dropped: listener too slow", job_id)

    async def _notify(self) -> None:
        while True:
            state = await self._notices.get()
            try:
                if self._on_change is not None:
                    async with asyncio.timeout(self.timeout_s):
                        await self._on_change(state.job_id, state)
            except Exception:
                log.exception("print on_change callback failed for %s", state.job_id)
            finally:
                self._notices.task_done()
