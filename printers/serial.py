"""Serial (RS-232, or USB-serial) printers through pyserial, off the event loop."""

from __future__ import annotations

import contextlib
from typing import Any

from printers.blocking import BlockingDevice
from printers.device import (
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER,
    STATUS_PRINTER,
    PrinterError,
    PrinterStatus,
    status_from_replies,
    status_request,
)


class SerialPrinter(BlockingDevice):
    """A printer on ``device`` (``/dev/ttyUSB0``, ``COM3``, or any pyserial URL)."""

    def __init__(
        self,
        device: str,
        baudrate: int = 9600,
        *,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
    ) -> None:
        self.last_error: str | None = None
        super().__init__(f"serial-{device.rsplit('/', 1)[-1]}")
        self.device = device
        self.baudrate = baudrate
        self.write_timeout_s = write_timeout_s
        self.status_timeout_s = status_timeout_s
        self._port: Any = None

    def __repr__(self) -> str:
        return f"SerialPrinter({self.device!r}, {self.baudrate})"

    async def send(self, data: bytes) -> None:
        await self._run(lambda: self._send(data))

    async def status(self) -> PrinterStatus:
        return await self._run(self._status)

    def _open(self) -> Any:
        if self._port is None:
            import serial  # type: ignore[import-untyped]  # imported here: the package must load without it

            try:
                self._port = serial.serial_for_url(
                    self.device,
                    baudrate=self.baudrate,
                    timeout=self.status_timeout_s,
                    write_timeout=self.write_timeout_s,
                )
            except (serial.SerialException, ValueError) as exc:
                raise PrinterError(f"{self.device}: {exc}") from exc
            self.last_error = None
        return self._port

    def _send(self, data: bytes) -> None:
        port = self._open()
        try:
            port.write(data)
            port.flush()
        except Exception as exc:  # SerialException, SerialTimeoutException, OSError
            self._close_blocking()
            raise PrinterError(f"{self.device}: {str(exc) or type(exc).__name__}") from exc

    def _status(self) -> PrinterStatus:
        try:
            port = self._open()
            replies = []
            for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
                port.reset_input_buffer()
                port.write(status_request(n))
                reply = port.read(1)
                if not reply:
                    return PrinterStatus.UNKNOWN
                replies.append(reply[0])
        except PrinterError as exc:
            self.last_error = str(exc)
            return PrinterStatus.OFFLINE
        except Exception:
            self._close_blocking()
            return PrinterStatus.OFFLINE
        return status_from_replies(*replies)

    def _close_blocking(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()
