"""A local stand-in for the WhatsApp Cloud API (and the plain gateway): a real HTTP server on
loopback that records every ``messages`` request (text or template) and can be told to fail
the next ones."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    path: str
    authorization: str
    body: dict[str, Any]
    status: int

    @property
    def to(self) -> str:
        return str(self.body.get("to", ""))

    @property
    def text(self) -> str:
        text = self.body.get("text")
        return str(text.get("body", "")) if isinstance(text, dict) else str(text or "")

    @property
    def template(self) -> SentTemplate | None:
        """The Cloud API's template message, read back: ``None`` for a text."""
        found = self.body.get("template")
        if self.body.get("type") != "template" or not isinstance(found, dict):
            return None
        parameters: list[str] = []
        for component in found.get("components") or []:
            if component.get("type") == "body":
                parameters += [p["text"] for p in component.get("parameters") or []
                               if p.get("type") == "text"]
        return SentTemplate(str(found.get("name")), str((found.get("language") or {}).get(
            "code")), tuple(parameters))


@dataclass(frozen=True)
class SentTemplate:
    name: str
    language: str
    parameters: tuple[str, ...]


@dataclass
class FakeCloudApi:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    #: answer this many coming requests with 500, then recover
    fail_next: int = 0
    #: wait this long before answering (a provider that is slow to answer)
    delay_s: float = 0.0
    #: while set and not released, requests hang (at most a minute): a provider that stalls
    hold: threading.Event | None = None
    #: requests received and not yet answered
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, phone: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests
                    if r.status == 200 and (phone is None or r.to == phone)]

    def refused(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.status != 200]


@contextlib.contextmanager
def fake_cloud_api() -> Iterator[FakeCloudApi]:
    fake = FakeCloudApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            with fake.lock:
                fake.in_flight += 1
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender stopped waiting (a stalled provider is what some tests play)
            finally:
                with fake.lock:
                    fake.in_flight -= 1

        def _answer(self) -> None:
            if fake.hold is not None:
                fake.hold.wait(timeout=60)
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            with fake.lock:
                status = 500 if fake.fail_next > 0 else 200
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                fake.requests.append(Request(self.path, self.headers.get("authorization", ""),
                                             body, status))
                number = len(fake.requests)
            if fake.delay_s:
                time.sleep(fake.delay_s)
            if status == 200:
                answer = {"messaging_product": "whatsapp",
                          "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                          "messages": [{"id": f"wamid.fake-{number}"}], "id": f"g-{number}"}
            else:
                answer = {"error": {"message": "temporarily unavailable", "code": 2}}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

