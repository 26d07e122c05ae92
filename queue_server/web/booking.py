"""Online booking (antrean online): the API of API.md "Online booking", the phone page
``/booking`` with its manage page, and the kiosk's check-in (prints like any ticket)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import booking_ui
from queue_server.domain import booking as rules
from queue_server.domain.counter_text import counters_text
from queue_server.domain.errors import Invalid, NotFound
from queue_server.services import booking
from queue_server.services.access import SUPERVISORS, require_role
from queue_server.services.context import Loket
from queue_server.services.printing import Printing, qr_svg, serving_counters, track_url
from queue_server.services.whatsapp import WhatsAppDesk
from queue_server.web import pages
from queue_server.web.auth import current_session
from queue_server.web.booking_texts import TEXTS, day_label
from queue_server.web.http import field, idempotency_key, language, read_json

UI = Path(booking_ui.__file__).parent
templates = pages.templates(UI / "templates")


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _whatsapp(request: Request) -> WhatsAppDesk | None:
    """The office's WhatsApp number, ``None`` when the site has none (or lacks its secrets)."""
    desk: WhatsAppDesk | None = getattr(request.app.state, "whatsapp", None)
    return desk


def _manage_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "booking" else None


# --- API ----------------------------------------------------------------------------------------


async def slots(request: Request) -> Response:
    answer = await booking.list_slots(_loket(request), request.query_params.get("service"),
                                      request.query_params.get("date"))
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def create_booking(request: Request) -> Response:
    data = await read_json(request)
    desk = _whatsapp(request)
    made, created = await booking.book(
        _loket(request), data.get("service"), data.get("date"), data.get("start"),
        data.get("name"), data.get("phone"), idempotency_key=idempotency_key(request),
        whatsapp=data.get("whatsapp", False),
        whatsapp_lang=language(request) if desk is not None else None)
    if desk is not None and created:
        desk.wake.set()  # the confirmation was queued with the booking: send it now
    return JSONResponse({"booking": made}, status_code=201 if created else 200)


async def read_booking(request: Request) -> Response:
    found = await booking.get_booking(_loket(request), request.path_params["code"],
                                      _manage_token(request))
    return JSONResponse({"booking": found}, headers={"Cache-Control": "no-store"})


async def delete_booking(request: Request) -> Response:
    done = await booking.cancel_booking(_loket(request), request.path_params["code"],
                                        _manage_token(request))
    return JSONResponse({"booking": done})


async def check_in(request: Request) -> Response:
    """The kiosk (no session) or an officer. The code is the credential, as the slip is at
    the kiosk; the ticket's channel is ``booking`` either way."""
    loket = _loket(request)
    if request.headers.get("authorization") or request.cookies.get("loket_session"):
        await current_session(request, loket)  # a stale or forged session is refused
    ticket, created = await booking.check_in(loket, request.path_params["code"])
    return JSONResponse({"ticket": ticket}, status_code=201 if created else 200)


async def day_bookings(request: Request) -> Response:
    """``GET /api/v1/bookings?date=`` — the day's bookings with names and phones."""
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, SUPERVISORS)
    text = request.query_params.get("date")
    day = loket.business_day(loket.clock.now()) if text is None else booking.parse_day(text)
    return JSONResponse(await booking.day_bookings(loket, day),
                        headers={"Cache-Control": "no-store"})


# --- kiosk check-in -----------------------------------------------------------------------------


async def kiosk_check_in(request: Request) -> Response:
    """``POST /kiosk/api/check-in`` ``{"code"}``: check in and print, as ``kiosk_issue``."""
    loket = _loket(request)
    printing: Printing = request.app.state.printing
    data = await read_json(request)
    code = field(data, "code", str)
    if len(code) > 20:
        raise Invalid("invalid", field="code", what="booking_code")
    printer = printing.printer(request.query_params.get("printer") or None)
    ticket, created = await booking.check_in(loket, code)
    base = str(request.base_url).rstrip("/")
    job = None if created else await printing.latest_job(ticket["id"])
    if job is None and printer is not None:
        job = await printing.print_ticket(ticket, base, printer.code)
    key = ticket.get("visitor_key")
    ticket = {**ticket, "track_url": track_url(loket, ticket["id"], base, key)}
    counters = counters_text(serving_counters(loket.site, ticket["service"], None))
    return JSONResponse({"ticket": ticket, "print": job, "counters": counters,
                         "qr_url": f"/t/{ticket['id']}/qr.svg" + (f"?k={key}" if key else "")},
                        status_code=201 if created else 200)


# --- pages --------------------------------------------------------------------------------------


def _agencies(loket: Loket) -> list[dict[str, object]]:
    return [{"code": a.code, "name": a.name, "short_name": a.short_name,
             "services": [{"code": s.code, "name": s.name, "name_en": s.name_en,
                           "standard": s.standard} for s in a.services if s.active]}
            for a in loket.site.agencies]


def _open_days(loket: Loket, lang: str) -> list[dict[str, str]]:
    """The days that still have a slot to book (hours are the site's, for every service)."""
    policy = loket.site.booking
    now = loket.clock.now()
    today = loket.business_day(now)
    schedule = booking.schedule_of(loket)
    return [{"date": day.isoformat(), "label": day_label(day, lang)}
            for day in rules.bookable_days(policy, today)
            if any(rules.may_book(s, policy, today, now)
                   for s in rules.slots_on(schedule, policy, day))]


async def booking_page(request: Request) -> Response:
    loket = _loket(request)
    lang = language(request)
    return templates.TemplateResponse(request, "booking.html", {
        "site": loket.site, "lang": lang, "t": TEXTS[lang],
        "enabled": loket.site.booking.enabled, "agencies": _agencies(loket),
        "whatsapp": _whatsapp(request) is not None,
        "days": _open_days(loket, lang) if loket.site.booking.enabled else [],
        "today": loket.business_day(loket.clock.now()).isoformat()},
        headers={"Cache-Control": "no-store"})


async def manage_page(request: Request) -> Response:
    loket = _loket(request)
    return templates.TemplateResponse(request, "manage.html", {
        "site": loket.site, "lang": language(request),
        "t": TEXTS[language(request)], "code": request.path_params["code"][:12]},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def booking_qr(request: Request) -> Response:
    """The code as a QR, for the confirmation page and the kiosk's scanner. The code alone
    checks in; it shows nothing about the holder."""
    code = request.path_params["code"]
    if not rules.is_code(code):
        raise NotFound("booking_not_found", booking=code[:20])
    return Response(qr_svg(code), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


#: No control characters, and one visible character at least (what ``booking._name`` takes).
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
PHONE_PATTERN = r"^(\+62|62|0)?8[1-9][0-9]{7,10}$"


def openapi_paths(op: Callable[..., dict[str, Any]], param: Callable[..., dict[str, Any]],
                  query: Callable[[str, dict[str, Any]], dict[str, Any]],
                  services: list[str]) -> dict[str, Any]:
    """This module's part of ``/openapi.json`` (helpers from ``web/openapi.py``)."""
    date = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    code = param("code", {"type": "string", "minLength": 1, "maxLength": 20})
    holder = {"name": "Authorization", "in": "header", "required": True,
              "schema": {"type": "string", "pattern": "^Booking [!-~]{1,100}$"},
              "description": "Booking MANAGE_TOKEN (from the answer to POST /api/v1/bookings)"}
    book_body = {"type": "object", "required": ["service", "date", "start", "name", "phone"],
                 "properties": {
                     "service": {"enum": services}, "date": date,
                     "start": {"type": "string", "pattern": r"^[0-2][0-9]:[0-5][0-9]$"},
                     "name": {"type": "string", "maxLength": 100,
                              "pattern": NAME_PATTERN},
                     "phone": {"type": "string", "pattern": PHONE_PATTERN},
                     # proposed addition to API.md (docs/api.md): WhatsApp confirmation and
                     # reminder, where the site has a WhatsApp number
                     "whatsapp": {"type": "boolean"}}}
    idempotency = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "pattern": "^[!-~]{1,100}$"}}
    return {
        "/api/v1/slots": {"get": op(
            "Bookable slots of a service on a day (a closed day: [] and next_open)",
            errors=(409, 422), params=[
                {**query("service", {"enum": services}), "required": True},
                {**query("date", date), "required": True}])},
        "/api/v1/bookings": {
            "post": op("Book a slot (201; the same Idempotency-Key again: 200, no token)",
                       ok=(200, 201), errors=(409,), body=book_body, params=[idempotency]),
            "get": op("A day's bookings with names and phones (?date=)", auth=True,
                      errors=(422,), params=[query("date", date)])},
        "/api/v1/bookings/{code}": {
            "get": op("The booking, for its holder", errors=(401, 404), params=[code, holder]),
            "delete": op("Cancel the booking and free its seat", errors=(401, 404, 409),
                         params=[code, holder])},
        "/api/v1/bookings/{code}/check-in": {"post": op(
            "Check in (201 ticket; 200 when already checked in); 409 too_early / too_late "
            "with the window", ok=(200, 201), errors=(401, 403, 404, 409), params=[code])},
        "/kiosk/api/check-in": {"post": op(
            "Check in at the kiosk and print the ticket", ok=(200, 201), errors=(404, 409),
            body={"type": "object", "required": ["code"],
                  "properties": {"code": {"type": "string", "maxLength": 20}}})},
    }


routes: list[BaseRoute] = [
    Route("/api/v1/slots", slots),
    Route("/api/v1/bookings", create_booking, methods=["POST"]),
    Route("/api/v1/bookings", day_bookings, methods=["GET"]),
    Route("/api/v1/bookings/{code}", read_booking, methods=["GET"]),
    Route("/api/v1/bookings/{code}", delete_booking, methods=["DELETE"]),
    Route("/api/v1/bookings/{code}/check-in", check_in, methods=["POST"]),
    Route("/kiosk/api/check-in", kiosk_check_in, methods=["POST"]),
    Route("/booking", booking_page),
    Route("/booking/manage/{code}", manage_page),
    Route("/booking/qr/{code}.svg", booking_qr),
    Mount("/static/booking", app=StaticFiles(directory=str(UI / "static")),
          name="booking-static"),
]
