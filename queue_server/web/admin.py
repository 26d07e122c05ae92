"""Administration API (role admin; supervisors read): ``/api/v1/admin/...``.

Every write names the version it edited in ``If-Match`` (optional) and answers with the new
one in ``ETag``; see ``queue_server.services.admin`` for what one edit does. The lifespan
keeps this process's configuration live: it reloads on every ``config.changed`` event,
whichever process (or ``loket config import``) made the change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from datetime import date, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.domain.errors import Invalid
from queue_server.events.hub import Hub
from queue_server.services import admin, admin_users
from queue_server.services import admin_edits as edits
from queue_server.services.access import Role, require_role
from queue_server.services.admin_config import reload_site, stored_config
from queue_server.services.context import Actor, Loket
from queue_server.web.auth import current_session
from queue_server.web.http import read_json

log = logging.getLogger("loket.admin")


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


async def _actor(request: Request, roles: Collection[Role]) -> Actor:
    session = await current_session(request, _loket(request))
    require_role(session.actor, roles)
    return session.actor


def _json(body: Any, version: int, status: int = 200) -> JSONResponse:
    response = JSONResponse(body, status_code=status)
    response.headers["ETag"] = f'"{version}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- reading ----------------------------------------------------------------------------------


async def get_site(request: Request) -> Response:
    await _actor(request, admin.READERS)
    loket = _loket(request)
    async with loket.db.read() as conn:
        stored = await stored_config(conn, loket.ids.site)
    assert stored is not None
    return _json({**stored.document, "version": stored.version,
                  "closures": edits.closures(stored.document)}, stored.version)


async def get_audit(request: Request) -> Response:
    await _actor(request, admin.READERS)
    loket = _loket(request)
    first, last = date_range(request, loket)
    async with loket.db.read() as conn:
        entries = await admin.audit_entries(conn, loket, first=first, last=last)
    return JSONResponse({"entries": entries}, headers={"Cache-Control": "no-store"})


def date_range(request: Request, loket: Loket) -> tuple[datetime | None, datetime | None]:
    def day(name: str) -> date | None:
        text = request.query_params.get(name)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid("invalid", field=name, what="not_a_date") from None

    first, last = day("from"), day("to")
    start = datetime.combine(first, datetime.min.time(), loket.tz) if first else None
    end = (datetime.combine(last + timedelta(days=1), datetime.min.time(), loket.tz)
           if last else None)
    return start, end


# --- configuration writes ---------------------------------------------------------------------


async def _body(request: Request) -> dict[str, Any]:
    return await read_json(request)


async def _edit(request: Request, action: str,
                change: Callable[[edits.Document], edits.Change],
                guard: admin.Guard | None = None, *, key: str) -> Response:
    actor = await _actor(request, admin.WRITERS)
    expected = admin.parse_version(request.headers.get("if-match"))
    done = await admin.edit(_loket(request), actor, expected, action, change, guard)
    body: dict[str, Any] = {key: done.change.after, "version": done.version,
                            "warnings": [w.as_json() for w in done.warnings]}
    return _json(body, done.version, 201 if done.change.created else 200)


async def put_agency(request: Request) -> Response:
    code, body = request.path_params["code"], await _body(request)
    return await _edit(request, "agency.put", lambda d: edits.put_agency(d, code, body),
                       key="agency")


async def put_service(request: Request) -> Response:
    code, body = request.path_params["code"], await _body(request)
    # Switching a service off is allowed with tickets waiting: they are still served.
    return await _edit(request, "service.put", lambda d: edits.put_service(d, code, body),
                       key="service")


async def delete_service(request: Request) -> Response:
    code = request.path_params["code"]
    return await _edit(request, "service.delete", lambda d: edits.delete_service(d, code),
                       admin.no_waiting_tickets, key="service")


async def put_counter(request: Request) -> Response:
    code, body = request.path_params["code"], await _body(request)
    return await _edit(request, "counter.put", lambda d: edits.put_counter(d, code, body),
                       admin.counter_not_staffed, key="counter")


async def delete_counter(request: Request) -> Response:
    code = request.path_params["code"]
    return await _edit(request, "counter.delete", lambda d: edits.delete_counter(d, code),
                       admin.counter_not_staffed, key="counter")


async def post_closure(request: Request) -> Response:
    body = await _body(request)
    return await _edit(request, "closure.add", lambda d: edits.add_closure(d, body),
                       key="closure")


async def delete_closure(request: Request) -> Response:
    closure = request.path_params["closure"]
    return await _edit(request, "closure.delete", lambda d: edits.delete_closure(d, closure),
                       key="closure")


async def put_notices(request: Request) -> Response:
    body = await _body(request)
    return await _edit(request, "notices.put", lambda d: edits.set_notices(d, body),
                       key="notices")


async def put_printer(request: Request) -> Response:
    code, body = request.path_params["code"], await _body(request)
    return await _edit(request, "printer.put", lambda d: edits.put_printer(d, code, body),
                       key="printer")


async def delete_printer(request: Request) -> Response:
    code = request.path_params["code"]
    return await _edit(request, "printer.delete", lambda d: edits.delete_printer(d, code),
                       key="printer")


# --- users ------------------------------------------------------------------------------------


async def users(request: Request) -> Response:
    loket = _loket(request)
    if request.method == "GET":
        actor = await _actor(request, admin.READERS)
        return JSONResponse({"users": await admin_users.list_users(loket, actor)},
                            headers={"Cache-Control": "no-store"})
    actor = await _actor(request, admin.WRITERS)
    user = await admin_users.create_user(loket, actor, await _body(request))
    return JSONResponse({"user": user}, status_code=201)


async def patch_user(request: Request) -> Response:
    actor = await _actor(request, admin.WRITERS)
    user = await admin_users.update_user(_loket(request), actor, request.path_params["username"],
                                         await _body(request))
    return JSONResponse({"user": user})


# --- keeping every process live ---------------------------------------------------------------


async def _follow(loket: Loket, hub: Hub) -> None:
    """Reload on every ``config.changed`` (our own edits are already live; the reload then
    finds nothing newer and does nothing)."""
    while True:
        with hub.subscribe({"config"}) as sub:
            while not sub.overflowed:
                envelope = await sub.get(timeout=60)
                if envelope is None and not sub.overflowed:
                    continue
                try:
                    await reload_site(loket)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("reloading the configuration failed")
        # Fell behind: read whatever is newest, then follow again.
        with contextlib.suppress(Exception):
            await reload_site(loket)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    task = asyncio.create_task(_follow(app.state.loket, app.state.hub), name="loket-config")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


A = "/api/v1/admin"
routes: list[BaseRoute] = [
    Route(f"{A}/site", get_site),
    Route(f"{A}/audit", get_audit),
    Route(f"{A}/agencies/{{code}}", put_agency, methods=["PUT"]),
    Route(f"{A}/services/{{code}}", put_service, methods=["PUT"]),
    Route(f"{A}/services/{{code}}", delete_service, methods=["DELETE"]),
    Route(f"{A}/counters/{{code}}", put_counter, methods=["PUT"]),
    Route(f"{A}/counters/{{code}}", delete_counter, methods=["DELETE"]),
    Route(f"{A}/closures", post_closure, methods=["POST"]),
    Route(f"{A}/closures/{{closure}}", delete_closure, methods=["DELETE"]),
    Route(f"{A}/notices", put_notices, methods=["PUT"]),
    Route(f"{A}/printers/{{code}}", put_printer, methods=["PUT"]),
    Route(f"{A}/printers/{{code}}", delete_printer, methods=["DELETE"]),
    Route(f"{A}/users", users, methods=["GET", "POST"]),
    Route(f"{A}/users/{{username}}", patch_user, methods=["PATCH"]),
]


def openapi_paths(op: Callable[..., dict[str, Any]],
                  param: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """This module's part of ``/openapi.json`` (``op`` and ``param`` from ``web/openapi.py``)."""
    obj: dict[str, Any] = {"type": "object"}
    write = (401, 403, 404, 409, 422)

    def put(summary: str, name: str) -> dict[str, Any]:
        return {"parameters": [param(name)],
                "put": op(summary + " (If-Match: version; 201 created, 200 updated)", body=obj,
                          auth=True, errors=write),
                "delete": op("Delete (If-Match: version)", auth=True, errors=write)}

    agency = put("Create or change an agency", "code")
    del agency["delete"]
    return {
        f"{A}/site": {"get": op("The live site document and its version", auth=True,
                                errors=(401, 403))},
        f"{A}/audit": {"get": op("Audit log (?from=&to=)", auth=True, errors=(401, 403, 422))},
        f"{A}/agencies/{{code}}": agency,
        f"{A}/services/{{code}}": put("Create or change a service and its standard", "code"),
        f"{A}/counters/{{code}}": put("Create or change a counter", "code"),
        f"{A}/printers/{{code}}": put("Create or change a printer", "code"),
        f"{A}/closures": {"post": op("Add a closure or special hours", ok=201, body=obj,
                                     auth=True, errors=write)},
        f"{A}/closures/{{closure}}": {"parameters": [param("closure")],
                                      "delete": op("Remove a closure", auth=True,
                                                   errors=write)},
        f"{A}/notices": {"put": op("Set the running text", body=obj, auth=True, errors=write)},
        f"{A}/users": {"get": op("Staff accounts (never a hash)", auth=True, errors=(401, 403)),
                       "post": op("Create a staff account", ok=201, body=obj, auth=True,
                                  errors=(401, 403, 409, 422))},
        f"{A}/users/{{username}}": {"parameters": [param("username")],
                                    "patch": op("Change name, role, active or password",
                                                body=obj, auth=True,
                                                errors=(401, 403, 404, 422))},
    }
