"""A fake raw-TCP (port 9100) thermal printer for tests.

It listens on 127.0.0.1 on a free port, collects what each connection sends, cuts the stream
into jobs at every paper cut and decodes them with :mod:`printers.escpos_decode`, and answers
real-time status requests (DLE EOT n) like an Epson-compatible printer. It can misbehave:

- ``mode = "silent"``: accepts connections but never reads and never answers;
- ``mode = "paper_out"`` / ``"cover_open"``: answers status requests accordingly;
- ``await sink.go_down()``: nothing listens on the port any more (connections are refused);
  ``await sink.come_up()`` listens again on the same port.

Usage::

    async with PrinterSink() as sink:
        ... NetworkPrinter("127.0.0.1", sink.port) ...
        jobs = await sink.wait_for_jobs(1)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass
from typing import Literal

from printers.escpos_decode import Decoded, EscposDecodeError, IncompleteCommand, iter_commands
from printers.escpos_decode import decode as decode_job

Mode = Literal["normal", "silent", "paper_out", "cover_open"]

# Replies to DLE EOT 1 (printer), 2 (offline cause), 4 (paper sensor).
_REPLIES: dict[str, dict[int, int]] = {
    "normal": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_out": {1: 0x1A, 2: 0x32, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},
}


@dataclass(frozen=True)
class SinkJob:
    connection: int
    data: bytes
    decoded: Decoded


class PrinterSink:
    def __init__(self, *, receive_buffer: int = 4096) -> None:
        self.mode: Mode = "normal"
        self.receive_buffer = receive_buffer
        self.port = 0
        self.jobs: list[SinkJob] = []
        self.errors: list[str] = []
        self.status_requests: list[int] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    async def __aenter__(self) -> PrinterSink:
        await self.come_up()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.go_down()

    async def come_up(self) -> None:
        """Listen (again) on ``self.port``; the first call picks a free port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # A small receive buffer makes a printer that stops reading push back quickly.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._server = await asyncio.start_server(self._serve, sock=listener)

    async def go_down(self) -> None:
        """Stop listening and drop every connection, like a printer switched off."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=2.0)
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def wait_for_jobs(self, count: int, timeout_s: float = 3.0) -> list[SinkJob]:
        """Wait until at least ``count`` jobs arrived; raises ``TimeoutError`` otherwise."""
        async with asyncio.timeout(timeout_s):
            while len(self.jobs) < count:
                self._changed.clear()
                await self._changed.wait()
        return list(self.jobs)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        connection = self.connections
        pending = b""
        job = bytearray()
        try:
            while True:
                if self.mode == "silent":
                    transport = writer.transport
                    if isinstance(transport, asyncio.ReadTransport):
                        transport.pause_reading()
                    await asyncio.Event().wait()  # until go_down cancels us
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.mode == "silent":
                    continue
                pending = self._consume(connection, pending + chunk, job, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if job or pending:
                self.errors.append(f"connection {connection} closed mid-job")
            writer.transport.abort()
            self._handlers.discard(task)

    def _consume(
        self, connection: int, data: bytes, job: bytearray, writer: asyncio.StreamWriter
    ) -> bytes:
        """Handle every whole command in ``data``; return the unfinished tail."""
        try:
            for command in iter_commands(data):
                if command.name == "DLE EOT":
                    self._answer(command.args[0], writer)
                    continue
                job += data[command.start : command.end]
                if command.name == "GS V":
                    self._finish(connection, bytes(job))
                    job.clear()
        except IncompleteCommand as exc:
            return data[exc.offset :]
        except EscposDecodeError as exc:
            self.errors.append(f"connection {connection}: {exc}")
        return b""

    def _answer(self, n: int, writer: asyncio.StreamWriter) -> None:
        self.status_requests.append(n)
        replies = _REPLIES.get(self.mode)
        if replies is not None and n in replies:
            writer.write(bytes((replies[n],)))

    def _finish(self, connection: int, data: bytes) -> None:
        try:
            decoded = decode_job(data)
        except EscposDecodeError as exc:
            self.errors.append(f"connection {connection}: {exc}")
            return
        self.jobs.append(SinkJob(connection, data, decoded))
        self._changed.set()
