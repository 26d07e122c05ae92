"""The OpenAPI document for ``/openapi.json``, written out by hand: it is the public contract,
so it changes only on purpose."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.web import admin

_ERROR = {"$ref": "#/components/schemas/Error"}
_TICKET = {"type": "object", "properties": {"ticket": {"$ref": "#/components/schemas/Ticket"}}}


def _op(summary: str, *, body: dict[str, Any] | None = None, ok: int = 200,
        ok_schema: dict[str, Any] | None = None, auth: bool = False,
        errors: tuple[int, ...] = (422,)) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {"application/json": {
            "schema": ok_schema or {"type": "object"}}}},
        **{str(code): {"description": "Error", "content": {"application/json": {
            "schema": _ERROR}}} for code in errors},
    }}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if auth:
        op["security"] = [{"bearer": []}, {"cookie": []}]
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def document() -> dict[str, Any]:
    ticket_action = {
        "parameters": [_path_param("ticket_id")],
        "post": _op("Act on a ticket the counter holds", ok_schema=_TICKET, auth=True,
                    errors=(401, 403, 404, 409)),
    }
    paths: dict[str, Any] = {
        "/healthz": {"get": _op("Database reachable", errors=(503,))},
        "/api/v1/services": {"get": _op("Agencies and services with waiting counts")},
        "/api/v1/tickets": {"post": {
            **_op("Issue a ticket", ok=201, ok_schema=_TICKET, errors=(409, 413, 422),
                  body={"type": "object", "required": ["service"], "properties": {
                      "service": {"type": "string"},
                      "priority": {"type": ["string", "null"]}}}),
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "maxLength": 100}}],
        }},
        "/api/v1/tickets/{ticket_id}": {"parameters": [_path_param("ticket_id")],
                                        "get": _op("A ticket with people ahead and the "
                                                   "estimated wait", ok_schema=_TICKET,
                                                   errors=(404,))},
        "/api/v1/tickets/{ticket_id}/transfer": {
            "parameters": [_path_param("ticket_id")],
            "post": _op("Transfer to another service", ok_schema=_TICKET, auth=True,
                        errors=(401, 403, 404, 409, 422),
                        body={"type": "object", "required": ["service"],
                              "properties": {"service": {"type": "string"}}})},
        "/api/v1/counters": {"get": _op("Counters and their state")},
        "/api/v1/counters/{code}/call": {
            "parameters": [_path_param("code")],
            "post": _op("Call the next ticket (204 when nobody waits)", ok_schema=_TICKET,
                        auth=True, errors=(401, 403, 404, 409))},
        "/api/v1/counters/{code}/call-number": {
            "parameters": [_path_param("code")],
            "post": _op("Call one waiting ticket of today by its number, out of turn (the "
                        "visitor standing at the counter); 404 number_not_found, 409 "
                        "number_not_waiting / number_not_for_counter / counter_busy",
                        ok_schema=_TICKET, auth=True, errors=(401, 403, 404, 409, 422),
                        body={"type": "object", "required": ["number"], "properties": {
                            "number": {"type": "string", "examples": ["A-012"]}}})},
        "/api/v1/session": {
            "post": _op("Sign in", errors=(401, 409, 422, 429), body={
                "type": "object", "required": ["username", "password"], "properties": {
                    "username": {"type": "string"}, "password": {"type": "string"},
                    "counter": {"type": ["string", "null"]}}}),
            "get": _op("Who is signed in", auth=True, errors=(401,)),
            "delete": _op("Sign out", ok=204, auth=True, errors=(401,)),
        },
    }
    for action in ("recall", "start", "finish", "no-show", "return"):
        paths[f"/api/v1/tickets/{{ticket_id}}/{action}"] = ticket_action
    paths.update(admin.openapi_paths(_op, _path_param))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Loket API", "version": "1",
                 "description": "Antrean Mal Pelayanan Publik. Errors are JSON "
                                "{error: {code, message}}; the message is in Bahasa Indonesia "
                                "unless Accept-Language asks for English."},
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
                        "next_open": {"type": "string"}}}}},
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
                    "track_url": {"type": "string"}}},
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    return JSONResponse(document())


routes = [Route("/openapi.json", openapi_json)]
