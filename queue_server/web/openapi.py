"""The OpenAPI document for ``/openapi.json``, written out by hand: it is the public contract,
so it changes only on purpose.

Codes that the site defines (services, counters, priority categories, printers) are listed as
enums, so a request that fits the schema is one the server can accept: the schema is not a
looser promise than the API keeps. Every answer an operation can give is listed, including
401/403 for staff routes and 503 (database unavailable or busy, with ``Retry-After``).
``tests/web/test_openapi.py`` checks that every ``/api`` route is here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.domain import skm
from queue_server.services.context import Loket
from queue_server.web import admin, booking
from queue_server.web.http import MAX_BODY

_ERROR = {"$ref": "#/components/schemas/Error"}
_TICKET = {"type": "object", "required": ["ticket"],
           "properties": {"ticket": {"$ref": "#/components/schemas/Ticket"}}}
_OBJECT: dict[str, Any] = {"type": "object"}
_DATE = {"type": "string", "format": "date"}
#: A date query parameter: blank means "today", as an HTML form sends it.
_DATE_OR_BLANK = {"anyOf": [_DATE, {"type": "string", "maxLength": 0}]}
#: What ``web.http.field`` accepts for a text field.
_TEXT = {"type": "string", "maxLength": 200}
#: Answers any operation may give: the database is unavailable or busy.
_ALWAYS = (503,)
#: Answers of an operation that reads a JSON body.
_BODY = (413, 422)
#: Answers of a staff operation.
_STAFF = (401, 403)


def _op(summary: str, *, ok: int | tuple[int, ...] = 200, ok_schema: dict[str, Any] | None = None,
        errors: tuple[int, ...] = (), body: dict[str, Any] | None = None,
        body_required: bool = True, auth: bool = False,
        params: list[dict[str, Any]] | None = None,
        ok_content: dict[str, Any] | None = None) -> dict[str, Any]:
    codes = (ok,) if isinstance(ok, int) else ok
    responses: dict[str, Any] = {}
    for code in codes:
        if code == 204:
            responses["204"] = {"description": "Nothing to answer"}
        else:
            responses[str(code)] = {"description": "OK", "content": ok_content or {
                "application/json": {"schema": ok_schema or _OBJECT}}}
    for code in sorted({*errors, *(_BODY if body is not None else ()), *(
            _STAFF if auth else ()), *_ALWAYS}):
        responses[str(code)] = {"description": "Error", "content": {
            "application/json": {"schema": _ERROR}}}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": body_required,
                             "content": {"application/json": {"schema": body}}}
    if auth:
        op["security"] = [{"bearer": []}, {"cookie": []}]
    if params:
        op["parameters"] = params
    return op


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": schema or {"type": "string", "minLength": 1}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _enum(values: list[str], *, nullable: bool = False) -> dict[str, Any]:
    return {"enum": [*values, None] if nullable else values}


def _survey_body() -> dict[str, Any]:
    properties: dict[str, Any] = {
        f"u{i}": {"type": "integer", "minimum": 1, "maximum": 4} for i in range(1, 10)}
    for name, options in skm.PROFILE_OPTIONS.items():
        codes = [o.code for o in options]
        if name == "age":
            properties[name] = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 120},
                                          {"enum": [*codes, None]}]}
        else:
            properties[name] = _enum(codes, nullable=True)
    properties["suggestion"] = {"type": ["string", "null"], "maxLength": skm.SUGGESTION_MAX}
    properties["key"] = {"type": "string", "description": "the visitor key of the slip's QR"}
    properties["channel"] = {"enum": ["phone", "tablet"]}
    return {"type": "object", "required": [f"u{i}" for i in range(1, 10)],
            "properties": properties, "additionalProperties": False}


def document(loket: Loket) -> dict[str, Any]:
    site = loket.site
    services = sorted(site.services_by_code)
    counters = [c.code for c in site.counters]
    priorities = [c.code for c in site.priority_categories]
    printers = [str(p["code"]) for p in site.printers]
    ticket_id = _path("ticket_id")
    counter = _path("code", _enum(counters))
    issue_body = {"type": "object", "required": ["service"], "properties": {
        "service": _enum(services), "priority": _enum(priorities, nullable=True)}}
    idempotency = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "pattern": "^[!-~]{1,100}$"}}
    ticket_action = _op("Act on a ticket the counter holds", ok_schema=_TICKET, auth=True,
                        errors=(404, 409), body=_OBJECT, body_required=False,
                        params=[ticket_id])
    break_body = {"type": "object", "properties": {"minutes": {"type": ["integer", "null"]}}}
    paths: dict[str, Any] = {
        "/healthz": {"get": _op("Database reachable", ok_schema={
            "type": "object", "properties": {"status": {"const": "ok"}}})},
        "/api/v1/services": {"get": _op("Agencies and services with waiting counts")},
        "/api/v1/tickets": {"post": _op(
            "Issue a ticket (200 with the same ticket for a repeated Idempotency-Key)",
            ok=(200, 201), ok_schema=_TICKET, errors=(409,), body=issue_body,
            params=[idempotency])},
        "/api/v1/tickets/{ticket_id}": {"get": _op(
            "A ticket with people ahead and the estimated wait", ok_schema=_TICKET,
            errors=(404,), params=[ticket_id])},
        "/api/v1/tickets/{ticket_id}/transfers": {"get": _op(
            "Where a ticket was transferred", auth=True, errors=(404,), params=[ticket_id])},
        "/api/v1/tickets/{ticket_id}/transfer": {"post": _op(
            "Transfer to another service", ok_schema=_TICKET, auth=True, errors=(404, 409),
            body={"type": "object", "required": ["service"],
                  "properties": {"service": _enum(services)}}, params=[ticket_id])},
        "/api/v1/tickets/{ticket_id}/survey": {"post": _op(
            "Answer the satisfaction survey (SKM) as the ticket's holder", ok=201,
            errors=(403, 404, 409), body=_survey_body(), params=[ticket_id])},
        "/api/v1/tickets/{ticket_id}/reprint": {"post": _op(
            "Print the ticket again", ok=202, auth=True, errors=(404, 409),
            body={"type": "object", "properties": {"printer": _enum(printers, nullable=True)}},
            body_required=False, params=[ticket_id])},
        "/api/v1/counters": {"get": _op("Counters and their state (officer names included: "
                                        "the lobby shows who serves)")},
        "/api/v1/counters/{code}/call": {"post": _op(
            "Call the next ticket (204 when nobody waits)", ok=(200, 204), ok_schema=_TICKET,
            auth=True, errors=(404, 409), params=[counter])},
        "/api/v1/counters/{code}/call-number": {"post": _op(
            "Call one waiting ticket of today by its number, out of turn (the visitor standing "
            "at the counter); 404 number_not_found, 409 number_not_waiting / "
            "number_not_for_counter / counter_busy", ok_schema=_TICKET, auth=True,
            errors=(404, 409), params=[counter],
            body={"type": "object", "required": ["number"], "properties": {
                "number": {"type": "string", "pattern": "^ *[A-Za-z]{1,3} *-? *[0-9]{1,6} *$",
                           "examples": ["A-012"]}}})},
        "/api/v1/counters/{code}/queues": {"get": _op(
            "What waits for the counter's services", auth=True, errors=(404,),
            params=[counter])},
        "/api/v1/counters/{code}/current": {"get": _op(
            "The ticket the counter holds", auth=True, errors=(404,), params=[counter])},
        "/api/v1/counters/{code}/survey-ticket": {"get": _op(
            "The ticket a signed-in counter tablet should ask about", auth=True,
            errors=(404,), params=[counter])},
        "/api/v1/counters/{code}/break": {"post": _op(
            "Ask for a break (granted, queued or refused)", auth=True, errors=(404, 409),
            body=break_body, body_required=False, params=[counter])},
        "/api/v1/counters/{code}/resume": {"post": _op(
            "End or withdraw a break", auth=True, errors=(404, 409), body=_OBJECT,
            body_required=False, params=[counter])},
        "/api/v1/breaks": {"get": _op("Breaks now and the break queue", auth=True)},
        "/api/v1/rotation-plan": {"get": _op(
            "A proposed rotating break plan", auth=True, errors=(409, 422),
            params=[_query("date", _DATE_OR_BLANK)])},
        "/api/v1/rotation-plan/adopt": {"post": _op(
            "Adopt the proposed plan", auth=True, errors=(409,),
            body={"type": "object", "properties": {"date": {"anyOf": [_DATE, {"type": "null"}]}}},
            body_required=False)},
        "/api/v1/session": {
            "post": _op("Sign in (attempts limited per username and client address)",
                        errors=(401, 404, 409, 429), body={
                            "type": "object", "required": ["username", "password"],
                            "properties": {"username": _TEXT, "password": _TEXT,
                                           "counter": _enum(counters, nullable=True)}}),
            "get": _op("Who is signed in", auth=True),
            "delete": _op("Sign out", ok=204, auth=True),
        },
        "/api/v1/admin/users/{username}/unlock": {"post": _op(
            "Lift the sign-in limits on an account (supervisor, admin)", auth=True,
            errors=(404,), body=_OBJECT, body_required=False, params=[_path("username")])},
        "/api/v1/printers": {"get": _op("Printers and their health", auth=True)},
        "/api/v1/supervisor/live": {"get": _op("Live state for the dashboard", auth=True)},
        "/api/v1/stats": {"get": _op(
            "Wait and service statistics (422 when 'to' is before 'from' or the range is "
            "longer than a year)", auth=True, errors=(422,),
            params=[_query("from", _DATE_OR_BLANK), _query("to", _DATE_OR_BLANK)])},
        "/api/v1/stats/export.{kind}": {"get": _op(
            "Statistics as a spreadsheet (logged)", auth=True, errors=(404, 422),
            params=[_path("kind", _enum(["csv", "xlsx"])), _query("from", _DATE_OR_BLANK),
                    _query("to", _DATE_OR_BLANK)],
            ok_content={"text/csv": {"schema": {"type": "string"}},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                            "schema": {"type": "string"}}})},
        "/api/v1/channels/whatsapp/webhook": {
            "get": _op("WhatsApp Cloud API webhook verification: echoes hub.challenge for the "
                       "right hub.verify_token (404 when WhatsApp is not set up)",
                       ok_content={"text/plain": {"schema": {"type": "string"}}},
                       errors=(403, 404),
                       params=[_query("hub.mode", {"type": "string"}),
                               _query("hub.verify_token", {"type": "string"}),
                               _query("hub.challenge", {"type": "string"})]),
            "post": _op("Inbound WhatsApp messages and delivery statuses, signed "
                        "X-Hub-Signature-256 (401 when the signature is wrong or missing; "
                        "nothing is stored then)", errors=(400, 401, 404, 413),
                        body=_OBJECT)},
        "/api/v1/supervisor/whatsapp": {"get": _op(
            "WhatsApp messages in and out per day, delivery failures, top questions",
            auth=True, errors=(422,),
            params=[_query("from", _DATE_OR_BLANK), _query("to", _DATE_OR_BLANK)])},
        "/api/v1/region/stats": {"get": _op(
            "Every MPP of this server side by side (role region, or the default site's "
            "admin)", auth=True, errors=(422,),
            params=[_query("from", _DATE_OR_BLANK), _query("to", _DATE_OR_BLANK)])},
        "/api/v1/region/report.xlsx": {"get": _op(
            "The monthly Monev report as a workbook (role region, or the default site's "
            "admin)", auth=True, errors=(404, 422),
            params=[_query("month", {"type": "string"}), _query("site", {"type": "string"})],
            ok_content={"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string"}}})},
        "/api/v1/skm/questionnaire": {"get": _op("The SKM questionnaire")},
        "/api/v1/events/stats": {"get": _op("How the live fan-out is doing")},
        "/kiosk/api/status": {"get": _op(
            "Whether the kiosk issues now: open, reason, next_open, message")},
        "/kiosk/api/tickets": {"post": _op(
            "Issue and print a ticket at the kiosk", ok=(200, 201), errors=(409,),
            body=issue_body, params=[idempotency, _query("printer", _enum(printers))])},
        "/kiosk/api/tickets/{ticket_id}/print-status": {"get": _op(
            "What happened to the ticket's print job", errors=(404,), params=[ticket_id])},
    }
    for action in ("recall", "start", "finish", "no-show", "return"):
        paths[f"/api/v1/tickets/{{ticket_id}}/{action}"] = {"post": ticket_action}
    paths.update(admin.openapi_paths(_op, _path))
    paths.update(booking.openapi_paths(_op, _path, _query, services))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Loket API", "version": "1",
                 "description": "Antrean Mal Pelayanan Publik. Errors are JSON "
                                "{error: {code, message}}; the message is in Bahasa Indonesia "
                                "unless Accept-Language asks for English. JSON bodies are at "
                                f"most {MAX_BODY} bytes. 503 carries Retry-After."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "loket_session"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"},
                        "next_open": {"type": ["string", "null"]},
                        "retry_after": {"type": "integer"}}}}},
                "Ticket": {"type": "object", "required": [
                    "id", "number", "service", "agency", "priority", "status", "issued_at",
                    "counter", "ahead", "estimated_wait_s", "track_url"], "properties": {
                    "id": {"type": "string"}, "number": {"type": "string"},
                    "service": {"type": "string"}, "agency": {"type": "string"},
                    "priority": {"type": ["string", "null"]},
                    "status": {"enum": ["waiting", "called", "serving", "done", "no_show",
                                        "transferred", "cancelled", "expired"]},
                    "issued_at": {"type": "string", "format": "date-time"},
                    "counter": {"type": ["string", "null"]},
                    "ahead": {"type": ["integer", "null"]},
                    "estimated_wait_s": {"type": ["integer", "null"]},
                    "now_serving": {
                        "description": "GET /api/v1/tickets/{id} while waiting: the number "
                                       "most recently called at this service and still at "
                                       "a counter",
                        "type": ["object", "null"], "properties": {
                            "number": {"type": "string"},
                            "counter": {"type": ["string", "null"]},
                            "counter_name": {"type": ["string", "null"]}}},
                    "track_url": {"type": "string"},
                    "visitor_key": {"type": "string", "description":
                                    "only in the answer to whoever issued the ticket"}}},
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    return JSONResponse(document(request.app.state.loket))


routes = [Route("/openapi.json", openapi_json)]
