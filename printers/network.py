"""Raw TCP printing (port 9100, "JetDirect"), with real-time status over the same connection."""

from __future__ import annotations

import asyncio
import os
import struct

try:  # POSIX only; elsewhere "bytes taken" falls back to the transport's own buffer
    import fcntl
    import termios
except ImportError:  # pragma: no cover - Windows
    fcntl = termios = None  # type: ignore[assignment]

from printers.device import (
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER,
    STATUS_PRINTER,
    PrinterError,
    PrinterStatus,
    status_from_replies,
    status_request,
)


class NetworkPrinter:
    """A printer on ``host:port``.

    One connection is kept open and reused, so jobs reach the printer in order. It is opened
    again when the printer has closed it or after ``idle_reconnect_s`` without use (many
    printers drop idle connections without a word, and a write into such a socket is lost).
    Most 9100 printers accept a single connection, so status queries share it.
    """

    def __init__(
        self,
        host: str,
        port: int = 9100,
        *,
        connect_timeout_s: float = 3.0,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
        idle_reconnect_s: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.write_timeout_s = write_timeout_s
        self.status_timeout_s = status_timeout_s
        self.idle_reconnect_s = idle_reconnect_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0
        self.last_error: str | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"NetworkPrinter({self.host!r}, {self.port})"

    async def send(self, data: bytes) -> None:
        async with self._lock:
            _, writer = await self._connection()
            try:
                writer.write(data)
                # asyncio.timeout rather than wait_for, here and below: on Python 3.11
                # wait_for can swallow a cancellation (the spool's stop would then hang).
                async with asyncio.timeout(self.write_timeout_s):
                    await self._taken(writer)
            except TimeoutError:
                self._drop(abort=True)
                raise PrinterError(
                    f"{self.host}:{self.port} took no data for {self.write_timeout_s:g} s"
                ) from None
            except OSError as exc:
                self._drop(abort=True)
                raise PrinterError(f"{self.host}:{self.port}: {_reason(exc)}") from exc
            except asyncio.CancelledError:
                # Half a job may be buffered; the next job must not be glued onto it.
                self._drop(abort=True)
                raise
            self._touch()

    async def _taken(self, writer: asyncio.StreamWriter) -> None:
        """Wait until the printer has acknowledged every byte: ``drain`` alone returns while
        a whole slip still sits in our buffers, so a printer that stopped reading would look
        like one that printed."""
        await writer.drain()
        while writer.transport.get_write_buffer_size() or _unacknowledged(writer):
            if writer.is_closing():
                raise ConnectionResetError("the printer closed the connection")
            await asyncio.sleep(0.01)

    async def status(self) -> PrinterStatus:
        async with self._lock:
            try:
                reader, writer = await self._connection()
            except PrinterError as exc:
                self.last_error = str(exc)
                return PrinterStatus.OFFLINE
            replies = []
            try:
                for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
                    writer.write(status_request(n))
                    async with asyncio.timeout(self.status_timeout_s):
                        await writer.drain()
                    async with asyncio.timeout(self.status_timeout_s):
                        reply = await reader.read(1)
                    if not reply:
                        self._drop(abort=True)
                        return PrinterStatus.OFFLINE
                    replies.append(reply[0])
            except TimeoutError:
                # A late answer would be read as the reply to the next query: start afresh.
                self._drop(abort=True)
                return PrinterStatus.UNKNOWN
            except OSError:
                self._drop(abort=True)
                return PrinterStatus.OFFLINE
            except asyncio.CancelledError:
                self._drop(abort=True)
                raise
            self._touch()
            return status_from_replies(*replies)

    async def close(self) -> None:
        async with self._lock:
            writer = self._writer
            self._drop(abort=False)
            if writer is not None:
                try:
                    async with asyncio.timeout(self.write_timeout_s):
                        await writer.wait_closed()
                except (TimeoutError, OSError):
                    writer.transport.abort()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        if self._reader is not None and self._writer is not None:
            stale = loop.time() - self._last_used > self.idle_reconnect_s
            if stale or self._writer.is_closing() or self._reader.at_eof():
                self._drop(abort=False)
            else:
                return self._reader, self._writer
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise PrinterError(
                f"{self.host}:{self.port} did not answer within {self.connect_timeout_s:g} s"
            ) from None
        except OSError as exc:
            raise PrinterError(f"{self.host}:{self.port}: {_reason(exc)}") from exc
        self._reader, self._writer = reader, writer
        self.last_error = None
        self._touch()
        return reader, writer

    def _touch(self) -> None:
        self._last_used = asyncio.get_running_loop().time()

    def _drop(self, *, abort: bool) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is None:
            return
        if abort:
            writer.transport.abort()
        else:
            writer.close()


def _unacknowledged(writer: asyncio.StreamWriter) -> int:
    """Bytes in the kernel's send queue the peer has not acknowledged (Linux ``SIOCOUTQ``);
    0 where the platform cannot tell."""
    sock = writer.get_extra_info("socket")
    if sock is None or termios is None or not hasattr(termios, "TIOCOUTQ"):
        return 0
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    except OSError:
        return 0
    return int(struct.unpack("i", raw)[0])


def _reason(exc: OSError) -> str:
    if exc.errno:
        return os.strerror(exc.errno).lower()
    return str(exc) or type(exc).__name__
