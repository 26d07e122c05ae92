"""Breaks and rotation plan API. The opening-hours gate is wired in ``create_app``; the
background jobs behind it and the breaks live in ``services/jobs.py``."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.domain.errors import Invalid
from queue_server.services import breaks as service
from queue_server.services.access import STAFF, SUPERVISORS, require_role
from queue_server.services.context import Loket
from queue_server.web.auth import current_session
from queue_server.web.http import field, language, read_json


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _localised(request: Request, answer: dict[str, object]) -> dict[str, object]:
    """``reason`` (technical, with codes) and ``message`` (plain words for the officer) in
    the request's language next to both texts."""
    lang = language(request)
    return {**answer, "reason": answer.get("reason_en" if lang == "en" else "reason_id"),
            "message": answer.get("message_en" if lang == "en" else "message_id")}


async def request_break(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    data = await read_json(request)
    minutes = field(data, "minutes", int, required=False, nullable=True)
    answer = await service.request_break(loket, request.path_params["code"], minutes,
                                         session.actor)
    return JSONResponse({"break": _localised(request, answer)})


async def resume(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    await read_json(request)
    answer = await service.resume(loket, request.path_params["code"], session.actor)
    return JSONResponse({"break": _localised(request, answer)})


async def list_breaks(request: Request) -> Response:
    """Who rests and who waits for a break: staff only (API.md); the lobby sees a counter on
    break through ``/api/v1/counters`` without the reasons or the queue."""
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, STAFF)
    return JSONResponse(await service.current(loket))


def _day(request: Request, value: object) -> dt.date:
    loket = _loket(request)
    if value is None or value == "":
        return loket.business_day(loket.clock.now())
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("invalid", field="date", what="date") from None


async def rotation_plan(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, STAFF)
    day = _day(request, request.query_params.get("date"))
    plan = await service.propose_rotation(loket, day, language(request))
    return JSONResponse({"rotation_plan": plan})


async def adopt_rotation_plan(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, SUPERVISORS)
    data = await read_json(request)
    day = _day(request, field(data, "date", str, required=False, nullable=True))
    plan = await service.adopt_rotation(loket, day, session.actor)
    return JSONResponse({"rotation_plan": plan})


routes: list[BaseRoute] = [
    Route("/api/v1/counters/{code}/break", request_break, methods=["POST"]),
    Route("/api/v1/counters/{code}/resume", resume, methods=["POST"]),
    Route("/api/v1/breaks", list_breaks),
    Route("/api/v1/rotation-plan", rotation_plan),
    Route("/api/v1/rotation-plan/adopt", adopt_rotation_plan, methods=["POST"]),
]
