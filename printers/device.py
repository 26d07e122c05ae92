"""The one seam every printer sits behind, and the real-time status bytes they share."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

# DLE EOT n: real-time status. The printer answers one byte even while busy or offline.
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_PAPER = 4


def status_request(n: int) -> bytes:
    return bytes((0x10, 0x04, n))


class PrinterStatus(StrEnum):
    ONLINE = "online"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


class PrinterError(Exception):
    """A printer could not take a job; the message says why, in plain words."""


class PrinterDevice(Protocol):
    """An async byte pipe to one printer.

    ``send`` delivers a whole job or raises :class:`PrinterError`; ``status`` never raises and
    answers :attr:`PrinterStatus.UNKNOWN` when the printer does not say. ``close`` releases the
    connection or handle; the next call opens it again. A driver may also offer a
    ``last_error: str | None`` attribute saying why the printer could not be reached; the spool
    adds it to the job's error.
    """

    async def send(self, data: bytes) -> None: ...

    async def status(self) -> PrinterStatus: ...

    async def close(self) -> None: ...


def _valid(reply: int) -> bool:
    # Every DLE EOT reply has bit 1 and bit 4 set, bits 0 and 7 clear.
    return reply & 0b1001_0011 == 0b0001_0010


def status_from_replies(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2 and 4 into one status."""
    if not all(_valid(reply) for reply in (printer, offline_cause, paper)):
        return PrinterStatus.UNKNOWN
    if offline_cause & 0x04:
        return PrinterStatus.COVER_OPEN
    if offline_cause & 0x20 or paper & 0x60:
        return PrinterStatus.PAPER_OUT
    if printer & 0x08:
        return PrinterStatus.OFFLINE
    return PrinterStatus.ONLINE
