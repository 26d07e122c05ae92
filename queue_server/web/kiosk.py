"""Touch kiosk /kiosk, ticket printing, and the visitor's ticket page /t/{id} (issue 5)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import kiosk_ui
from printers.slips import preload as preload_slips
from queue_server.domain.counter_text import counters_text
from queue_server.domain.errors import Invalid, NotFound
from queue_server.events.feed import current_seq
from queue_server.services import tickets, waiting
from queue_server.services.access import SUPERVISORS, require_role
from queue_server.services.context import Loket
from queue_server.services.opening import kiosk_status
from queue_server.services.printing import Printing, qr_svg, serving_counters, track_url
from queue_server.site import beside
from queue_server.web import pages
from queue_server.web.auth import current_session
from queue_server.web.http import error_response, idempotency_key, language, read_json

UI = Path(kiosk_ui.__file__).parent
templates = pages.templates(UI / "templates")

#: Seconds without a touch before the kiosk goes back to the start (``?idle=`` overrides).
IDLE_S = 45


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = app.state.settings
    printing = Printing(app.state.loket, virtual_slips=settings.slips_dir
                        if settings.virtual_printer else None)
    app.state.printing = printing
    printing.start()
    warm_up = asyncio.create_task(asyncio.to_thread(preload_slips))
    try:
        yield
    finally:
        await printing.stop()
        await warm_up


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _printing(request: Request) -> Printing:
    printing: Printing = request.app.state.printing
    return printing


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# --- kiosk ----------------------------------------------------------------------------------


async def kiosk_page(request: Request) -> Response:
    loket = _loket(request)
    idle = request.query_params.get("idle", "")
    idle_s = int(idle) if idle.isdigit() and 3 <= int(idle) <= 600 else IDLE_S
    printer = request.query_params.get("printer") or _kiosk_printer(
        loket, request.query_params.get("kiosk"))
    # Always Indonesian first, whatever the browser's language: a kiosk is a public machine
    # whose browser settings say nothing about the visitor. English is one tap away.
    return templates.TemplateResponse(request, "kiosk.html", {
        "site": loket.site, "idle_s": idle_s, "printer": printer,
        "booking": loket.site.booking.enabled,
        "lang": "id", "now": loket.clock.now().isoformat(),
        "logos": {a.code: f"{pages.site_root(request)}/kiosk/logo/{a.code}"
                  for a in loket.site.agencies
                  if _logo_file(request, a.logo) is not None}})


def _logo_file(request: Request, logo: str | None) -> Path | None:
    if not logo:
        return None
    path = beside(request.app.state.settings.site_file, logo)
    return path if path.is_file() else None


async def kiosk_open(request: Request) -> Response:
    """``{"open", "reason", "next_open", "message": {"id", "en"}}`` for the start screen."""
    return JSONResponse(kiosk_status(_loket(request)), headers={"Cache-Control": "no-store"})


async def agency_logo(request: Request) -> Response:
    loket = _loket(request)
    agency = next((a for a in loket.site.agencies if a.code == request.path_params["code"]),
                  None)
    path = _logo_file(request, agency.logo if agency else None)
    if path is None:
        raise NotFound("not_found")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


def _kiosk_printer(loket: Loket, code: str | None) -> str:
    """``/kiosk?kiosk=CODE`` prints on the printer its ``[[kiosks]]`` entry names (the site
    check made sure that printer exists); no kiosk or no printer = the site's first."""
    if not code:
        return ""
    kiosk = next((k for k in loket.site.kiosks if k.code == code), None)
    if kiosk is None:
        raise Invalid("invalid", field="kiosk", what="unknown_kiosk", kiosk=code)
    return kiosk.printer or ""


async def kiosk_issue(request: Request) -> Response:
    """Issue a ticket at the kiosk and print it; printing is queued, never awaited."""
    loket = _loket(request)
    printing = _printing(request)
    data = await read_json(request)
    service = data.get("service")
    priority = data.get("priority")
    if not isinstance(service, str) or not (priority is None or isinstance(priority, str)):
        return error_response(request, "invalid", 422, {
            "field": "service" if not isinstance(service, str) else "priority",
            "what": "not_text"})
    key = idempotency_key(request)
    printer = printing.printer(request.query_params.get("printer") or None)
    ticket, created = await tickets.issue_ticket(loket, service, priority,
                                                 idempotency_key=key, channel="kiosk")
    base = _base_url(request)
    job = None if created else await printing.latest_job(ticket["id"])
    if job is None and printer is not None:
        job = await printing.print_ticket(ticket, base, printer.code)
    key = ticket.get("visitor_key")
    ticket = {**ticket, "track_url": track_url(loket, ticket["id"], base, key)}
    counters = counters_text(serving_counters(loket.site, ticket["service"],
                                              ticket["priority"]))
    qr_url = f"{pages.site_root(request)}/t/{ticket['id']}/qr.svg" + (f"?k={key}" if key else "")
    return JSONResponse({"ticket": ticket, "print": job, "counters": counters,
                         "qr_url": qr_url},
                        status_code=201 if created else 200)


async def print_status(request: Request) -> Response:
    ticket_id = request.path_params["ticket_id"]
    await tickets.get_ticket(_loket(request), ticket_id)  # 404 for an unknown ticket
    return JSONResponse({"print": await _printing(request).latest_job(ticket_id)})


# --- supervisor -----------------------------------------------------------------------------


async def _supervisor(request: Request) -> None:
    session = await current_session(request, _loket(request))
    require_role(session.actor, SUPERVISORS)


async def list_printers(request: Request) -> Response:
    await _supervisor(request)
    return JSONResponse({"printers": _printing(request).health()})


async def reprint_ticket(request: Request) -> Response:
    """``POST /api/v1/tickets/{id}/reprint`` ``{"printer": CODE}`` (optional) → 202 job."""
    await _supervisor(request)
    data = await read_json(request)
    printer = data.get("printer")
    if printer is not None and not isinstance(printer, str):
        return error_response(request, "invalid", 422, {"field": "printer", "what": "not_text"})
    job = await _printing(request).reprint(request.path_params["ticket_id"],
                                           _base_url(request), printer)
    if job is None:
        return error_response(request, "no_printer", 409)
    return JSONResponse({"print": job}, status_code=202)


# --- the visitor's ticket page ----------------------------------------------------------------


async def _holder_key(request: Request, ticket_id: str) -> str | None:
    """The visitor key when the request carries the right one (``?k=``), else ``None``: the
    id alone shows the ticket's public status, the key also opens the survey."""
    given = request.query_params.get("k")
    if not given:
        return None
    key = await waiting.visitor_key(_loket(request), ticket_id)
    return key if tickets.key_matches(key, given) else None


async def ticket_page(request: Request) -> Response:
    loket = _loket(request)
    ticket = await tickets.get_ticket(loket, request.path_params["ticket_id"])
    key = await _holder_key(request, ticket["id"])
    async with loket.db.read() as conn:
        seq = await current_seq(conn, loket.ids.site)
    query = {"k": key} if key else {}
    if language(request) == "en":
        query["lang"] = "en"
    survey_url = (f"{pages.site_root(request)}/t/{ticket['id']}/survey"
                  + (f"?{urlencode(query)}" if query else ""))
    return templates.TemplateResponse(request, "ticket.html", {
        "site": loket.site, "ticket": ticket, "seq": seq, "lang": language(request),
        "survey_url": survey_url if key else None,
        "whatsapp_url": _whatsapp_link(request, ticket, key)},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _whatsapp_link(request: Request, ticket: dict[str, Any], key: str | None) -> str | None:
    """"Kabari saya lewat WhatsApp": a wa.me link with the message already written, so the
    visitor writes first (which WhatsApp requires before the office may send). Only for the
    holder (the key proves it) of a ticket still waiting, and only when WhatsApp is on."""
    config = _loket(request).site.whatsapp
    if (key is None or ticket["status"] != "waiting" or config is None or not config.number
            or getattr(request.app.state, "whatsapp", None) is None):
        return None
    return f"https://wa.me/{config.number}?" + urlencode(
        {"text": f"KABARI {ticket['id']} {key}"}, quote_via=quote)


async def ticket_qr(request: Request) -> Response:
    loket = _loket(request)
    ticket = await tickets.get_ticket(loket, request.path_params["ticket_id"])
    key = await _holder_key(request, ticket["id"])
    svg = qr_svg(track_url(loket, ticket["id"], _base_url(request), key))
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


routes: list[BaseRoute] = [
    Route("/kiosk", kiosk_page),
    Route("/kiosk/api/status", kiosk_open),
    Route("/kiosk/logo/{code}", agency_logo),
    Route("/kiosk/api/tickets", kiosk_issue, methods=["POST"]),
    Route("/kiosk/api/tickets/{ticket_id}/print-status", print_status),
    Route("/api/v1/printers", list_printers),
    Route("/api/v1/tickets/{ticket_id}/reprint", reprint_ticket, methods=["POST"]),
    Route("/t/{ticket_id}", ticket_page),
    Route("/t/{ticket_id}/qr.svg", ticket_qr),
    Mount("/static/kiosk", app=StaticFiles(directory=str(UI / "static")), name="kiosk-static"),
]
