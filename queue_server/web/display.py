"""Lobby TV page /display (issue 4, 13): server-rendered frame, kept live over /ws; its
opening-hours status and the voice pack it speaks with."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from queue_server.domain.errors import Invalid, NotFound
from queue_server.domain.hours_text import weekly_hours
from queue_server.services.context import Loket
from queue_server.services.opening import lobby_status, schedule_of
from queue_server.site import beside
from queue_server.voice_pack import VoicePack, VoicePackInvalid, load_pack
from queue_server.web import pages

log = logging.getLogger(__name__)
UI = Path(__file__).resolve().parents[2] / "display_ui"
templates = pages.templates(UI / "templates")
_ZONE = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")
#: Seconds each page of counters and waiting lists stays up (``?page_s=`` overrides).
PAGE_S = 8


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    pack = loket.site.voice.pack
    try:
        app.state.voice_pack = load_pack(
            beside(app.state.settings.site_file, pack) if pack else None)
    except VoicePackInvalid as exc:
        # A broken pack must not keep the office closed: say why, speak with the bundled one.
        log.error("voice pack not used, the bundled one speaks instead: %s", exc)
        app.state.voice_pack = load_pack(None)
    yield


def _int_param(request: Request, name: str, low: int, high: int, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else default


async def page(request: Request) -> Response:
    loket: Loket = request.app.state.loket
    agency = request.query_params.get("agency") or None
    zone = request.query_params.get("zone") or None
    if agency is not None and agency not in {a.code for a in loket.site.agencies}:
        raise Invalid("invalid", field="agency", what="unknown_agency", agency=agency)
    if zone is not None and not _ZONE.match(zone):
        raise Invalid("invalid", field="zone", what="zone")
    # One announcement queue per zone: an agency's own screen is its own zone by default.
    zone = zone or (f"agency-{agency}" if agency else "utama")
    agency_name = next((a.short_name for a in loket.site.agencies if a.code == agency), None)
    voice = loket.site.voice
    response = templates.TemplateResponse(request, "display.html", {
        "site": loket.site, "agency": agency, "agency_name": agency_name, "zone": zone,
        "voice": "browser" if request.query_params.get("voice") == "browser" else "clips",
        "sound": "on" if request.query_params.get("sound") == "on" else "",
        "repeat": _int_param(request, "repeat", 1, 3, voice.repeat),
        "pause_ms": voice.pause_ms,
        "page_s": _int_param(request, "page_s", 1, 120, PAGE_S),
        "hours": weekly_hours(schedule_of(loket), "id"),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


async def status(request: Request) -> Response:
    loket: Loket = request.app.state.loket
    return JSONResponse(lobby_status(loket), headers={"Cache-Control": "no-store"})


async def voice_manifest(request: Request) -> Response:
    pack: VoicePack = request.app.state.voice_pack
    return JSONResponse({"name": pack.name, "clips": {
        name: f"{pages.site_root(request)}/display/voice/{file}"
        for name, file in pack.clips.items()}},
        headers={"Cache-Control": "no-cache"})


async def voice_clip(request: Request) -> Response:
    pack: VoicePack = request.app.state.voice_pack
    path = pack.file(request.path_params["file"])
    if path is None or not path.is_file():
        raise NotFound("not_found")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


routes: list[BaseRoute] = [
    Route("/display", page),
    Route("/display/status", status),
    Route("/display/voice/manifest.json", voice_manifest),
    Route("/display/voice/{file}", voice_clip),
    Mount("/static/display", app=StaticFiles(directory=str(UI / "static")), name="display"),
]
