"""``create_app`` wires settings, database, site, clock, event hub and routes together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from queue_server.channels.build import channel_for
from queue_server.clock import Clock, ShiftedClock, SystemClock
from queue_server.domain.errors import DomainError
from queue_server.events.hub import Hub
from queue_server.services import jobs
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Loket
from queue_server.services.demo import ensure_demo_accounts
from queue_server.services.hours import OpeningHours
from queue_server.services.whatsapp import WhatsAppDesk
from queue_server.settings import Settings
from queue_server.site import Site, load_site
from queue_server.store.db import Database, create_engine
from queue_server.web import (
    admin,
    admin_pages,
    api,
    booking,
    breaks,
    common,
    counter,
    display,
    kiosk,
    metrics,
    openapi,
    region,
    supervisor,
    whatsapp,
    ws,
)
from queue_server.web.failures import classify
from queue_server.web.http import error_response

log = logging.getLogger("loket")

#: One module per audience. Each has ``routes``; one that needs start-up work (a print
#: spool, a LISTEN connection) also has ``lifespan(app)``, an async context manager entered
#: after the core is wired, in this order. The background jobs start after them.
AUDIENCES: tuple[ModuleType, ...] = (api, openapi, ws, common, display, kiosk, counter,
                                     supervisor, breaks, metrics, admin, admin_pages, whatsapp,
                                     booking)


def make_clock(settings: Settings) -> Clock:
    return ShiftedClock(settings.clock_start) if settings.clock_start else SystemClock()


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(request, exc.code, exc.status, exc.params)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid")
    response = error_response(request, code, exc.status_code, {"detail": str(exc.detail)})
    if exc.status_code == 405:
        # One path may be served by several routes (GET, POST, DELETE /api/v1/session):
        # Allow lists what all of them take, not only the first route's methods.
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.path_regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)


async def database_error(request: Request, exc: Exception) -> Response:
    """Outages, pool exhaustion and other database failures: 503 with Retry-After when a
    retry can help, never a bare 500."""
    code, status, params = classify(exc)
    if status >= 500:
        log.warning("database %s: %s: %s", code, type(exc).__name__, exc)
    return error_response(request, code, status, params)


async def server_error(request: Request, exc: Exception) -> Response:
    code, status, params = classify(exc)
    if status == 500:
        log.exception("unhandled error", exc_info=exc)
    return error_response(request, code, status, params)


def create_app(settings: Settings, *, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """One app for every site: each site is a small Starlette app of the same audience routes
    with its own ``Loket`` and hub in its state, mounted at ``/s/{code}``. The default site
    (``settings.site_file``) is also served at the unprefixed paths: its routes sit on the
    app itself, which shares that site's state. The sites share one database engine; each
    writes through its own ``Database.sibling`` so its events reach only its own screens."""
    sites = [load_site(settings.site_file), *map(load_site, settings.more_site_files)]
    codes = [s.code for s in sites]
    if len(set(codes)) != len(codes):
        raise ValueError(f"two site files share a code: {', '.join(codes)}")
    site_routes: list[BaseRoute] = [r for module in AUDIENCES for r in module.routes]
    site_apps = [Starlette(routes=site_routes, exception_handlers=EXCEPTION_HANDLERS)
                 for _ in sites]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = Database(create_engine(settings.database_url,
                                    pool_timeout_s=settings.db_pool_timeout_s))
        clock = make_clock(settings)
        lokets: dict[str, Loket] = {}
        try:
            async with contextlib.AsyncExitStack() as stack:
                for site, site_app in zip(sites, site_apps, strict=True):
                    path = "" if site is sites[0] else f"/s/{site.code}"
                    loket = await _start_site(stack, site_app, site, db.sibling(), clock,
                                              settings, path)
                    lokets[site.code] = loket
                app.state.sites = lokets
                yield {}
        finally:
            await db.dispose()

    routes: list[BaseRoute] = [Mount(f"/s/{site.code}", app=site_app)
                               for site, site_app in zip(sites, site_apps, strict=True)]
    routes += region.routes
    routes += extra_routes or []
    routes += site_routes
    app = Starlette(
        routes=routes,
        middleware=[Middleware(metrics.RequestTimer)],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # The unprefixed paths and /s/{default} are one site: one state (Loket, hub, spools).
    site_apps[0].state = app.state
    return app


async def _start_site(stack: contextlib.AsyncExitStack, app: Starlette, site: Site,
                      db: Database, clock: Clock, settings: Settings, path: str) -> Loket:
    """Wire one site into ``app.state`` and start its audiences' start-up work and jobs."""
    # The database holds the live configuration; the file only seeds a new site.
    live, ids, version = await open_site_at_start(db.engine, site, clock.now())
    if settings.demo:
        async with db.engine.begin() as conn:
            await ensure_demo_accounts(conn, ids.site, clock.now())
    hub = Hub()
    db.on_commit(hub.publish)
    gate = OpeningHours(live)
    loket = Loket(db=db, site=live, ids=ids, clock=clock, gate=gate,
                  public_url=settings.public_url, config_version=version, path=path)
    app.state.loket = loket
    app.state.hub = hub
    app.state.settings = settings
    # WhatsApp only when the site has [whatsapp] and the environment its secrets.
    channel = channel_for(live.whatsapp, settings.whatsapp)
    app.state.whatsapp = WhatsAppDesk(loket, channel) if channel else None
    if channel is not None:
        stack.push_async_callback(channel.aclose)
    for module in AUDIENCES:
        if hasattr(module, "lifespan"):
            await stack.enter_async_context(module.lifespan(app))
    await stack.enter_async_context(jobs.running(loket, gate, app.state.whatsapp))
    return loket


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    DBAPIError: database_error,
    PoolTimeout: database_error,
    OSError: database_error,
    Exception: server_error,
}
