"""USB printers through pyusb (libusb), off the event loop."""

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


class UsbPrinter(BlockingDevice):
    """A printer found by USB vendor and product id (``lsusb`` shows them as ``vvvv:pppp``)."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        interface: int = 0,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
    ) -> None:
        self.last_error: str | None = None
        super().__init__(f"usb-{vendor_id:04x}-{product_id:04x}")
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.interface = interface
        self.write_timeout_s = write_timeout_s
        self.status_timeout_s = status_timeout_s
        self._handle: tuple[Any, Any, Any] | None = None  # device, out endpoint, in endpoint

    def __repr__(self) -> str:
        return f"UsbPrinter(0x{self.vendor_id:04x}, 0x{self.product_id:04x})"

    async def send(self, data: bytes) -> None:
        await self._run(lambda: self._send(data))

    async def status(self) -> PrinterStatus:
        return await self._run(self._status)

    def _open(self) -> tuple[Any, Any, Any]:
        if self._handle is not None:
            return self._handle
        label = f"USB printer {self.vendor_id:04x}:{self.product_id:04x}"
        try:
            # Imported here: a machine without pyusb or libusb still loads the package.
            import usb.core  # type: ignore[import-untyped]
            import usb.util  # type: ignore[import-untyped]
        except ImportError as exc:
            raise PrinterError(f"{label}: pyusb is not installed") from exc
        try:
            device = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
        except usb.core.NoBackendError as exc:
            raise PrinterError(f"{label}: no libusb backend on this machine") from exc
        if device is None:
            raise PrinterError(f"{label} is not connected")
        try:
            if device.is_kernel_driver_active(self.interface):
                device.detach_kernel_driver(self.interface)
        except (NotImplementedError, usb.core.USBError):
            pass  # not supported on this OS, or nothing to detach
        with contextlib.suppress(usb.core.USBError):  # already configured: use it as it is
            device.set_configuration()
        try:
            setting = device.get_active_configuration()[(self.interface, 0)]
        except (usb.core.USBError, KeyError, IndexError) as exc:
            raise PrinterError(f"{label}: no interface {self.interface}") from exc

        def endpoint(direction: int) -> Any:
            return usb.util.find_descriptor(
                setting,
                custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == direction,
            )

        out_endpoint = endpoint(usb.util.ENDPOINT_OUT)
        if out_endpoint is None:
            raise PrinterError(f"{label}: no output endpoint")
        self._handle = (device, out_endpoint, endpoint(usb.util.ENDPOINT_IN))
        self.last_error = None
        return self._handle

    def _send(self, data: bytes) -> None:
        _, out_endpoint, _ = self._open()
        try:
            out_endpoint.write(data, timeout=int(self.write_timeout_s * 1000))
        except Exception as exc:  # usb.core.USBError, USBTimeoutError
            self._close_blocking()
            raise PrinterError(f"USB printer: {str(exc) or type(exc).__name__}") from exc

    def _status(self) -> PrinterStatus:
        try:
            _, out_endpoint, in_endpoint = self._open()
        except PrinterError as exc:
            self.last_error = str(exc)
            return PrinterStatus.OFFLINE
        if in_endpoint is None:
            return PrinterStatus.UNKNOWN
        import usb.core

        timeout_ms = int(self.status_timeout_s * 1000)
        replies = []
        try:
            for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
                out_endpoint.write(status_request(n), timeout=timeout_ms)
                reply = in_endpoint.read(in_endpoint.wMaxPacketSize, timeout=timeout_ms)
                if not reply:
                    return PrinterStatus.UNKNOWN
                replies.append(int(reply[-1]))
        except usb.core.USBTimeoutError:
            # Usually a printer that does not answer DLE EOT over USB.
            return PrinterStatus.UNKNOWN
        except Exception:
            self._close_blocking()
            return PrinterStatus.OFFLINE
        return status_from_replies(*replies)

    def _close_blocking(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(Exception):
                import usb.util

                usb.util.dispose_resources(handle[0])
