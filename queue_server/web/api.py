"""The JSON API of API.md (v1)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.domain.errors import Closed
from queue_server.domain.schedule import override_notice, upcoming_overrides
from queue_server.services import booking, staff, tickets
from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours
from queue_server.services.queues import waiting_by_service
from queue_server.web.auth import COOKIE, current_session
from queue_server.web.failures import RETRY_UNAVAILABLE_S
from queue_server.web.http import error_response, field, idempotency_key, language, read_json

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    try:
        await staff.purge_sign_in_records(loket, loket.clock.now())
    except Exception:  # a failed purge must not keep the queue from starting; next start
        log.exception("purging old sign-in records failed")
    yield


def loket_of(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


async def healthz(request: Request) -> Response:
    if await loket_of(request).db.ping():
        return JSONResponse({"status": "ok"})
    return error_response(request, "unavailable", 503, {"retry_after": RETRY_UNAVAILABLE_S})


async def list_services(request: Request) -> Response:
    loket = loket_of(request)
    now = loket.clock.now()
    waiting = await waiting_by_service(loket)
    agencies = []
    for agency in loket.site.agencies:
        services = []
        for s in agency.services:
            if not s.active:  # switched off by an administrator: not offered any more
                continue
            try:
                loket.gate.check(s, now)
                open_now, closed_reason = True, None
            except Closed as exc:
                open_now, closed_reason = False, exc.code
            services.append({
                "code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.queue,
                "open_now": open_now, "closed_reason": closed_reason,
                "waiting": waiting.get(s.code, 0),
                "daily_quota": s.daily_quota, "target_wait_s": s.target_wait_s,
                "standard": s.standard,
            })
        agencies.append({"code": agency.code, "name": agency.name,
                         "short_name": agency.short_name, "kind": agency.kind,
                         "prefix": agency.queue, "services": services})
    categories = [{"code": c.code, "name": c.name, "name_en": c.name_en}
                  for c in loket.site.priority_categories]
    # Closures and special hours of the coming week join the running text, so visitors hear
    # of them before they make the trip.
    lang = language(request)
    schedule = loket.gate.schedule if isinstance(loket.gate, OpeningHours) else None
    upcoming = [override_notice(o, lang) for o in upcoming_overrides(schedule, now)
                ] if schedule is not None else []
    return JSONResponse({"site": {"code": loket.site.code, "name": loket.site.name,
                                  "address": loket.site.address,
                                  "maklumat": loket.site.maklumat,
                                  "notices": [*loket.site.notices, *upcoming]},
                         "agencies": agencies, "priority_categories": categories})


async def create_ticket(request: Request) -> Response:
    loket = loket_of(request)
    data = await read_json(request)
    service = field(data, "service", str)
    priority = field(data, "priority", str, required=False, nullable=True)
    key = idempotency_key(request)
    channel = "phone" if request.query_params.get("channel") == "phone" else "kiosk"
    ticket, created = await tickets.issue_ticket(loket, service, priority,
                                                 idempotency_key=key, channel=channel)
    return JSONResponse({"ticket": ticket}, status_code=201 if created else 200)


async def read_ticket(request: Request) -> Response:
    ticket = await tickets.get_ticket(loket_of(request), request.path_params["ticket_id"])
    return JSONResponse({"ticket": ticket})


async def list_counters(request: Request) -> Response:
    return JSONResponse({"counters": await staff.counters_state(loket_of(request))})


async def create_session(request: Request) -> Response:
    loket = loket_of(request)
    data = await read_json(request)
    username = field(data, "username", str)
    password = field(data, "password", str)
    counter = field(data, "counter", str, required=False, nullable=True)
    address = request.client.host if request.client else ""
    signed = await staff.sign_in(loket, username, password, counter, address[:64])
    response = JSONResponse({
        "token": signed.token, "csrf_token": signed.csrf_token,
        "expires_at": loket.local(signed.expires_at),
        "user": {"username": signed.actor.username, "role": signed.actor.role},
        "counter": signed.actor.counter,
    })
    response.set_cookie(COOKIE, signed.token, httponly=True, samesite="strict",
                        max_age=staff.SESSION_HOURS * 3600, secure=request.url.scheme == "https")
    return response


async def read_session(request: Request) -> Response:
    loket = loket_of(request)
    session = await current_session(request, loket)
    return JSONResponse({"user": {"username": session.actor.username,
                                  "role": session.actor.role},
                         "counter": session.actor.counter, "csrf_token": session.csrf_token,
                         "expires_at": loket.local(session.expires_at)})


async def delete_session(request: Request) -> Response:
    loket = loket_of(request)
    await current_session(request, loket)
    token = request.headers.get("authorization", "")[7:].strip() or request.cookies.get(COOKIE)
    if token:
        await staff.sign_out(loket, token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE)
    return response


async def unlock_user(request: Request) -> Response:
    """Lift the sign-in limits on an account (supervisor or admin)."""
    loket = loket_of(request)
    session = await current_session(request, loket)
    await read_json(request)
    cleared = await staff.unlock_sign_in(loket, request.path_params["username"], session.actor)
    return JSONResponse({"unlocked": request.path_params["username"], "cleared": cleared})


async def call_next(request: Request) -> Response:
    loket = loket_of(request)
    session = await current_session(request, loket)
    called = await tickets.call_next_with_visitor(loket, request.path_params["code"],
                                                  session.actor)
    if called is None:
        return Response(status_code=204)
    ticket, visitor = called
    return JSONResponse({"ticket": {**ticket, "visitor": visitor}})


async def call_number(request: Request) -> Response:
    """``{"number": "A-012"}``: call that waiting ticket now, for a visitor at the counter."""
    loket = loket_of(request)
    session = await current_session(request, loket)
    data = await read_json(request)
    number = field(data, "number", str)
    ticket = await tickets.call_number(loket, request.path_params["code"], number,
                                       session.actor)
    return JSONResponse({"ticket": {**ticket, "visitor": await booking.visitor_of(loket, ticket)}})


_ACTIONS: dict[str, Any] = {
    "recall": tickets.recall,
    "start": tickets.start,
    "finish": tickets.finish,
    "no-show": tickets.no_show,
    "return": tickets.return_to_queue,
}


def ticket_action(action: Any) -> Any:
    """The endpoint for one officer action on a ticket the counter holds."""

    async def endpoint(request: Request) -> Response:
        loket = loket_of(request)
        session = await current_session(request, loket)
        await read_json(request)  # bodies are optional, but a bad one is still refused
        ticket = await action(loket, request.path_params["ticket_id"], session.actor)
        return JSONResponse({"ticket": ticket})

    return endpoint


async def transfer_ticket(request: Request) -> Response:
    loket = loket_of(request)
    session = await current_session(request, loket)
    data = await read_json(request)
    service = field(data, "service", str)
    ticket = await tickets.transfer(loket, request.path_params["ticket_id"], service,
                                    session.actor)
    return JSONResponse({"ticket": ticket})


async def ticket_transfers(request: Request) -> Response:
    loket = loket_of(request)
    await current_session(request, loket)
    history = await tickets.transfer_history(loket, request.path_params["ticket_id"])
    return JSONResponse({"transfers": history})


routes = [
    Route("/healthz", healthz),
    Route("/api/v1/services", list_services),
    Route("/api/v1/tickets", create_ticket, methods=["POST"]),
    Route("/api/v1/tickets/{ticket_id}", read_ticket),
    Route("/api/v1/tickets/{ticket_id}/transfers", ticket_transfers),
    Route("/api/v1/tickets/{ticket_id}/transfer", transfer_ticket, methods=["POST"]),
    # One route per action, so other modules' ``/api/v1/tickets/{id}/…`` routes never
    # depend on their place in the list.
    *(Route(f"/api/v1/tickets/{{ticket_id}}/{name}", ticket_action(action), methods=["POST"])
      for name, action in _ACTIONS.items()),
    Route("/api/v1/counters", list_counters),
    Route("/api/v1/counters/{code}/call", call_next, methods=["POST"]),
    Route("/api/v1/counters/{code}/call-number", call_number, methods=["POST"]),
    Route("/api/v1/session", create_session, methods=["POST"]),
    Route("/api/v1/session", read_session, methods=["GET"]),
    Route("/api/v1/session", delete_session, methods=["DELETE"]),
    Route("/api/v1/admin/users/{username}/unlock", unlock_user, methods=["POST"]),
]
