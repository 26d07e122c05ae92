"""A "printer" that appends every job to a file (or a device node such as /dev/usb/lp0)."""

from __future__ import annotations

from pathlib import Path

from printers.blocking import BlockingDevice
from printers.device import PrinterError, PrinterStatus


class FilePrinter(BlockingDevice):
    def __init__(self, path: str | Path) -> None:
        super().__init__(f"file-{Path(path).name}")
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FilePrinter({str(self.path)!r})"

    async def send(self, data: bytes) -> None:
        await self._run(lambda: self._append(data))

    async def status(self) -> PrinterStatus:
        directory = self.path.parent
        return PrinterStatus.ONLINE if directory.is_dir() else PrinterStatus.OFFLINE

    def _append(self, data: bytes) -> None:
        try:
            with self.path.open("ab") as handle:
                handle.write(data)
        except OSError as exc:
            raise PrinterError(f"{self.path}: {exc.strerror or exc}") from exc
