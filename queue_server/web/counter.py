"""Officer's counter screen /counter (issue 6) and the JSON it needs beyond API.md."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from queue_server.domain.errors import Forbidden
from queue_server.services import booking, queues
from queue_server.services.access import oversees_counters
from queue_server.services.context import Loket
from queue_server.services.staff import Session
from queue_server.web import pages
from queue_server.web.auth import current_session
from queue_server.web.http import language

UI = Path(__file__).resolve().parents[2] / "counter_ui"
templates = pages.templates(UI / "templates")


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _may_watch(session: Session, code: str) -> None:
    """An officer sees only the counter signed in at; a supervisor without a counter sees
    any."""
    actor = session.actor
    if oversees_counters(actor):
        return
    if actor.counter is None:
        raise Forbidden("no_counter")
    if actor.counter != code:
        raise Forbidden("wrong_counter", signed_in=actor.counter, counter=code)


async def page(request: Request) -> Response:
    loket = _loket(request)
    response = templates.TemplateResponse(request, "counter.html", {
        "lang": language(request), "site_name": loket.site.name})
    # The page holds no data of its own (it asks the API), but it must never be framed.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


async def counter_queues(request: Request) -> Response:
    loket = _loket(request)
    code = request.path_params["code"]
    loket.counter(code)
    _may_watch(await current_session(request, loket), code)
    return JSONResponse(await queues.counter_queues(loket, code))


async def counter_current(request: Request) -> Response:
    loket = _loket(request)
    code = request.path_params["code"]
    loket.counter(code)
    _may_watch(await current_session(request, loket), code)
    current = await queues.counter_current(loket, code)
    if current["ticket"] is not None:
        current["ticket"]["visitor"] = await booking.visitor_of(loket, current["ticket"])
    return JSONResponse(current)


routes: list[BaseRoute] = [
    Route("/counter", page),
    Route("/api/v1/counters/{code}/queues", counter_queues),
    Route("/api/v1/counters/{code}/current", counter_current),
    Mount("/static/counter", app=StaticFiles(directory=str(UI / "static")), name="counter"),
]
