"""The ``/admin`` pages (role admin; supervisors see them read-only). They are drawn from the
stored configuration and send every change to the admin API (``web/admin.py``) with the
version they were drawn from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from queue_server.services import admin, admin_users
from queue_server.services import admin_edits as edits
from queue_server.services.access import has_role
from queue_server.services.admin_config import stored_config
from queue_server.services.context import Loket
from queue_server.services.staff import Session
from queue_server.web import pages
from queue_server.web.admin import date_range
from queue_server.web.auth import optional_session
from queue_server.web.http import language

UI = Path(__file__).resolve().parents[2] / "admin_ui"
templates = pages.templates(UI / "templates")
WEEKDAYS = (("monday", "Senin", "Monday"), ("tuesday", "Selasa", "Tuesday"),
            ("wednesday", "Rabu", "Wednesday"), ("thursday", "Kamis", "Thursday"),
            ("friday", "Jumat", "Friday"), ("saturday", "Sabtu", "Saturday"),
            ("sunday", "Minggu", "Sunday"))


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _render(request: Request, name: str, context: dict[str, Any]) -> Response:
    lang = language(request)
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "tr": lambda id_text, en_text: en_text if lang == "en" else id_text,
        "site_name": _loket(request).site.name, **context})
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


async def _page(request: Request, name: str, here: str, **context: Any) -> Response:
    loket = _loket(request)
    session = await optional_session(request, loket)
    if session is None or not has_role(session.actor, admin.READERS):
        return _render(request, "admin/signin.html", {"wrong_role": session is not None})
    async with loket.db.read() as conn:
        stored = await stored_config(conn, loket.ids.site)
    assert stored is not None
    return _render(request, name, {
        "here": here, "doc": stored.document, "version": stored.version,
        "user": session.actor.username, "csrf_token": session.csrf_token,
        "readonly": not has_role(session.actor, admin.WRITERS), **context})


async def services_page(request: Request) -> Response:
    return await _page(request, "admin/services.html", "/admin")


async def counters_page(request: Request) -> Response:
    loket = _loket(request)
    async with loket.db.read() as conn:
        stored = await stored_config(conn, loket.ids.site)
    document = stored.document if stored else {}
    rows = [(a.get("code"), c) for a in document.get("agencies", []) for c in a.get("counters", [])]
    rows += [(None, c) for c in document.get("counters", [])]
    return await _page(request, "admin/counters.html", "/admin/counters", counters=rows)


async def users_page(request: Request) -> Response:
    session = await optional_session(request, _loket(request))
    users = (await admin_users.list_users(_loket(request), session.actor)
             if session is not None and _reader(session) else [])
    return await _page(request, "admin/users.html", "/admin/users", users=users)


def _reader(session: Session | None) -> bool:
    return session is not None and has_role(session.actor, admin.READERS)


async def hours_page(request: Request) -> Response:
    loket = _loket(request)
    async with loket.db.read() as conn:
        stored = await stored_config(conn, loket.ids.site)
    return await _page(request, "admin/hours.html", "/admin/hours", weekdays=WEEKDAYS,
                       closures=edits.closures(stored.document if stored else {}))


async def printers_page(request: Request) -> Response:
    return await _page(request, "admin/printers.html", "/admin/printers")


async def audit_page(request: Request) -> Response:
    loket = _loket(request)
    session = await optional_session(request, loket)
    entries: list[dict[str, Any]] = []
    if _reader(session):
        first, last = date_range(request, loket)
        async with loket.db.read() as conn:
            entries = await admin.audit_entries(conn, loket, first=first, last=last)
        for entry in entries:
            if entry["action"] == "config.import":  # whole documents: too long for a table
                entry["before"] = entry["after"] = {"version": entry.get("version")}
    return await _page(request, "admin/audit.html", "/admin/audit", entries=entries,
                       first=request.query_params.get("from"),
                       last=request.query_params.get("to"))


routes: list[BaseRoute] = [
    Route("/admin", services_page),
    Route("/admin/counters", counters_page),
    Route("/admin/users", users_page),
    Route("/admin/hours", hours_page),
    Route("/admin/printers", printers_page),
    Route("/admin/audit", audit_page),
    Mount("/static/admin", StaticFiles(directory=str(UI / "static")), name="admin-static"),
]
