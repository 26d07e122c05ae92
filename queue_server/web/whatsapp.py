"""WA SMART MPP over HTTP (API.md "WhatsApp"): the provider's webhook, and the supervisor's
figures. ``app.state.whatsapp`` is ``None`` when the site has no WhatsApp: then the webhook
answers 404 and nothing is stored."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.services import stats
from queue_server.services.access import SUPERVISORS, require_role
from queue_server.services.context import Loket
from queue_server.services.wa_stats import whatsapp_stats
from queue_server.services.whatsapp import WhatsAppDesk, receive, record_statuses
from queue_server.web.auth import current_session
from queue_server.web.http import error_response

log = logging.getLogger("loket.whatsapp")
#: Cloud API webhook bodies are a few kilobytes; anything far larger is not from Meta.
MAX_WEBHOOK_BODY = 256 * 1024


def _desk(request: Request) -> WhatsAppDesk | None:
    desk: WhatsAppDesk | None = getattr(request.app.state, "whatsapp", None)
    return desk


async def verify(request: Request) -> Response:
    """``GET …/webhook?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``"""
    desk = _desk(request)
    if desk is None:
        return error_response(request, "whatsapp_off", 404)
    challenge = desk.channel.verify_subscription(request.query_params)
    if challenge is None:
        return error_response(request, "bad_verify_token", 403)
    return PlainTextResponse(challenge)


async def webhook(request: Request) -> Response:
    """Inbound messages and delivery statuses, signed by the provider. The signature is
    checked over the raw bytes before anything is parsed or stored."""
    desk = _desk(request)
    if desk is None:
        return error_response(request, "whatsapp_off", 404)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BODY:
            return error_response(request, "too_large", 413, {"limit": MAX_WEBHOOK_BODY})
    if not desk.channel.signature_ok(bytes(body), request.headers):
        return error_response(request, "bad_signature", 401)
    try:
        messages, statuses = desk.channel.parse(bytes(body))
    except (ValueError, TypeError, AttributeError):
        return error_response(request, "invalid", 400, {"what": "webhook_body"})
    answered = 0
    for message in messages:
        answered += await receive(desk, message)
    updated = await record_statuses(desk.loket, statuses)
    return JSONResponse({"received": len(messages), "answered": answered,
                         "statuses": updated})


async def supervisor_stats(request: Request) -> Response:
    """``GET /api/v1/supervisor/whatsapp?from=DATE&to=DATE``: messages in and out per day,
    delivery failures, top questions."""
    loket: Loket = request.app.state.loket
    session = await current_session(request, loket)
    require_role(session.actor, SUPERVISORS)
    today = loket.business_day(loket.clock.now())
    first, last = stats.parse_range(request.query_params.get("from"),
                                    request.query_params.get("to"), today)
    data = await whatsapp_stats(loket, first, last)
    return JSONResponse({"enabled": _desk(request) is not None, **data})


routes: list[BaseRoute] = [
    Route("/api/v1/channels/whatsapp/webhook", verify, methods=["GET"]),
    Route("/api/v1/channels/whatsapp/webhook", webhook, methods=["POST"]),
    Route("/api/v1/supervisor/whatsapp", supervisor_stats),
]
