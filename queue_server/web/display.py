"""Lobby TV page /display (issue 4): server-rendered frame, kept live over /ws."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from queue_server.domain.errors import Invalid
from queue_server.services.context import Loket

UI = Path(__file__).resolve().parents[2] / "display_ui"
templates = Jinja2Templates(directory=str(UI / "templates"))
_ZONE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


async def page(request: Request) -> Response:
    loket: Loket = request.app.state.loket
    agency = request.query_params.get("agency") or None
    zone = request.query_params.get("zone") or None
    if agency is not None and agency not in {a.code for a in loket.site.agencies}:
        raise Invalid("invalid", detail=f"agency {agency!r}")
    if zone is not None and not _ZONE.match(zone):
        raise Invalid("invalid", detail="zone")
    # One announcement queue per zone: an agency's own screen is its own zone by default.
    zone = zone or (f"agency-{agency}" if agency else "utama")
    agency_name = next((a.short_name for a in loket.site.agencies if a.code == agency), None)
    response = templates.TemplateResponse(request, "display.html", {
        "site": loket.site, "agency": agency, "agency_name": agency_name, "zone": zone,
        "voice": "browser" if request.query_params.get("voice") == "browser" else "clips",
    })
    response.headers["Cache-Control"] = "no-store"
    return response


routes: list[BaseRoute] = [
    Route("/display", page),
    Mount("/static/display", app=StaticFiles(directory=str(UI / "static")), name="display"),
]
