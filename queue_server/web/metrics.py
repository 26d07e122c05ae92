"""``GET /metrics``: Prometheus text format, for whoever keeps the office's servers running.

Counters follow what this process committed (its own ``on_commit`` events), so with several
processes Prometheus sums them; gauges that describe the whole site (tickets waiting) are read
from the database at scrape time and are the same in every process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_server.services.context import Loket
from queue_server.services.queues import waiting_by_service
from queue_server.services.wa_stats import outbox_by_state
from queue_server.store.db import StoredEvent

#: Seconds; the kiosk and counter actions live in the first buckets, exports in the last.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One registry per app, so tests and several apps in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.issued = Counter("loket_tickets_issued", "Tickets issued by this process",
                              ["service"], registry=r)
        self.called = Counter("loket_tickets_called", "Tickets called (first call) by this "
                              "process", ["service"], registry=r)
        self.print_jobs = Counter("loket_print_jobs", "Print job state changes by this process",
                                  ["printer", "state"], registry=r)
        self.waiting = Gauge("loket_tickets_waiting", "Tickets waiting now (today), per service",
                             ["service"], registry=r)
        self.ws_clients = Gauge("loket_websocket_clients",
                                "WebSocket clients connected to this process", registry=r)
        self.wa_outbox = Gauge("loket_whatsapp_outbox",
                               "WhatsApp outbox messages by state now (site-wide; only when "
                               "the site has a WhatsApp number)", ["state"], registry=r)
        self.latency = Histogram("loket_http_request_duration_seconds",
                                 "HTTP request latency by route", ["method", "route", "status"],
                                 buckets=LATENCY_BUCKETS, registry=r)

    async def observe(self, events: list[StoredEvent]) -> None:
        """An ``on_commit`` publisher: count what just happened."""
        for event in events:
            if event.type == "ticket.issued":
                self.issued.labels(str(event.payload.get("service"))).inc()
            elif event.type == "ticket.called":
                self.called.labels(str(event.payload.get("service"))).inc()
            elif event.type == "print.changed":
                job = event.payload.get("print") or {}
                self.print_jobs.labels(str(job.get("printer")), str(job.get("state"))).inc()

    async def render(self, loket: Loket, ws_clients: int) -> bytes:
        for service, count in (await waiting_by_service(loket)).items():
            self.waiting.labels(service).set(count)
        if loket.site.whatsapp is not None:
            for state, count in (await outbox_by_state(loket)).items():
                self.wa_outbox.labels(state).set(count)
        self.ws_clients.set(ws_clients)
        return generate_latest(self.registry)


class RequestTimer:
    """ASGI middleware: time every HTTP request under its route's path template (never the
    raw path, which holds ticket ids and would grow the label set without bound)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            metrics: Metrics | None = getattr(scope["app"].state, "metrics", None)
            route = scope.get("route")
            if metrics is not None:
                template = getattr(route, "path", None) or "unmatched"
                metrics.latency.labels(scope["method"], template, str(status)).observe(
                    time.perf_counter() - started)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    metrics = Metrics()
    app.state.metrics = metrics
    app.state.loket.db.on_commit(metrics.observe)
    yield


async def metrics_page(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    body = await metrics.render(request.app.state.loket, request.app.state.ws_clients)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes: list[BaseRoute] = [Route("/metrics", metrics_page)]
