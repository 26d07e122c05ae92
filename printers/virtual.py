"""The demo's printer: no hardware, every slip shown in the log as text and kept on disk.

A newcomer trying ``loket serve --demo`` sees what a visitor would hold in their hand, and
the ``.bin`` files are the exact bytes a real printer would get (``cat x.bin > /dev/usb/lp0``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from pathlib import Path

from printers.device import PrinterStatus
from printers.escpos_decode import EscposDecodeError, decode

log = logging.getLogger("loket.slips")

_SAFE = re.compile(r"[^A-Za-z0-9-]+")


def slip_text(data: bytes) -> str:
    """The slip as the visitor would read it, framed like paper; undecodable bytes say so."""
    try:
        decoded = decode(data)
    except EscposDecodeError as exc:
        return f"(slip tidak terbaca: {exc})"
    width = max((len(line.text) for line in decoded.lines), default=0)
    body = [f"| {_aligned(line.text, line.align, width)} |" for line in decoded.lines]
    body += [f"| {('[QR] ' + qr).ljust(width)} |" for qr in decoded.qr_codes]
    edge = "+" + "-" * (width + 2) + "+"
    return "\n".join([edge, *body, edge])


def _aligned(text: str, align: str, width: int) -> str:
    if align == "center":
        return text.center(width)
    return text.rjust(width) if align == "right" else text.ljust(width)


class VirtualPrinter:
    """Takes every job at once; keeps the newest ``keep`` slips as ``.bin`` files in ``folder``."""

    def __init__(self, folder: Path, *, keep: int = 500) -> None:
        self.folder = folder
        self.keep = keep
        self._serial = itertools.count(1)

    def __repr__(self) -> str:
        return f"VirtualPrinter({self.folder})"

    async def send(self, data: bytes) -> None:
        text = slip_text(data)
        path = await asyncio.to_thread(self._store, bytes(data), self._name(data))
        log.info("Tiket dicetak ke printer virtual (%s):\n%s", path, text)

    def _name(self, data: bytes) -> str:
        try:
            number = max(decode(data).large_texts, key=len, default="slip")
        except EscposDecodeError:
            number = "slip"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return f"{stamp}-{next(self._serial):04d}-{_SAFE.sub('', number) or 'slip'}.bin"

    def _store(self, data: bytes, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_bytes(data)
        for old in sorted(self.folder.glob("*.bin"))[:-self.keep]:
            old.unlink(missing_ok=True)
        return path

    async def status(self) -> PrinterStatus:
        return PrinterStatus.ONLINE

    async def close(self) -> None:
        return None
