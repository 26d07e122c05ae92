"""Supervisor dashboard, statistics and SKM (issue 7).

Pages: ``/supervisor`` (live and statistics tabs, server-rendered SVG charts), the visitor's
survey ``/t/{id}/survey`` and the counter-side tablet ``/survey?counter=CODE``. JSON:
``/api/v1/stats`` (+ ``export.csv`` / ``export.xlsx``, each logged in ``audit_log``),
``/api/v1/supervisor/live``, ``POST /api/v1/tickets/{id}/survey``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from queue_server.domain import skm as skm_rules
from queue_server.domain.errors import Forbidden, NotFound, Unauthorized
from queue_server.services import booking, exports, skm, stats
from queue_server.services.access import OVERSEERS, SUPERVISORS, Role, has_role, require_role
from queue_server.services.context import Loket
from queue_server.services.staff import Session
from queue_server.services.wa_stats import whatsapp_stats
from queue_server.web import pages
from queue_server.web.auth import current_session, optional_session
from queue_server.web.http import language, read_json

log = logging.getLogger("loket.supervisor")
UI = Path(__file__).resolve().parents[2] / "counter_ui"
templates = pages.templates(UI / "templates")


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


async def _supervisor(request: Request) -> Session:
    session = await current_session(request, _loket(request))
    require_role(session.actor, OVERSEERS)  # reads only: the region may look too
    return session


def _tr(lang: str) -> Any:
    return lambda id_text, en_text: en_text if lang == "en" else id_text


def _page(request: Request, name: str, context: dict[str, Any]) -> Response:
    lang = language(request)
    loket = _loket(request)
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "tr": _tr(lang), "site_name": loket.site.name, **context})
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    # The survey page's address holds the visitor key: links out (the Google review) must
    # not send it along.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- statistics -------------------------------------------------------------------------------


async def _range(request: Request) -> tuple[Any, Any]:
    loket = _loket(request)
    today = loket.business_day(loket.clock.now())
    return stats.parse_range(request.query_params.get("from"), request.query_params.get("to"),
                             today)


async def stats_json(request: Request) -> Response:
    await _supervisor(request)
    first, last = await _range(request)
    return JSONResponse(await stats.compute(_loket(request), first, last))


async def export(request: Request) -> Response:
    session = await _supervisor(request)
    loket = _loket(request)
    first, last = await _range(request)
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise NotFound("not_found")
    data = await stats.recent.get(loket, first, last)
    await stats.log_access(loket, session.actor.user_id, "stats.export",
                           {"format": kind, "from": first.isoformat(), "to": last.isoformat(),
                            "user": session.actor.username})
    filename = f"loket-statistik-{first.isoformat()}-{last.isoformat()}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "Cache-Control": "no-store"}
    if kind == "csv":
        return Response(exports.to_csv(data), media_type="text/csv; charset=utf-8",
                        headers=headers)
    rows = await exports.ticket_rows(loket, first, last)
    # A year of tickets is seconds of work for openpyxl: off the event loop.
    body = await asyncio.to_thread(exports.to_xlsx, data, rows)
    return Response(body, headers=headers, media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def agency_targets(loket: Loket) -> dict[str, float]:
    """Each agency's target wait in seconds: the one most of its services share (services of
    one agency nearly always share it; a tie takes the stricter)."""
    out: dict[str, float] = {}
    for agency in loket.site.agencies:
        counts = Counter(s.target_wait_s for s in agency.services)
        if counts:
            out[agency.code] = float(min(counts, key=lambda v: (-counts[v], v)))
    return out


def _charts(data: dict[str, Any], lang: str,
            targets_by_agency: dict[str, float]) -> dict[str, Any]:
    """Geometry for the server-rendered SVG charts (the templates only draw it)."""
    waits = [g for g in data["by_agency"] if g["waiting"]["count"]]
    waits.sort(key=lambda g: -(g["waiting"]["mean_s"] or 0))
    targets = {g["key"]: target for g in waits
               if (target := targets_by_agency.get(g["key"])) is not None}
    # at least five minutes across, so a few seconds of wait do not look like a full bar;
    # wide enough for every p90 and every target line
    top = max([300.0, *(g["waiting"]["p90_s"] or 0 for g in waits), *targets.values()])
    bars = [{"label": g["name"] or g["key"], "mean_min": g["waiting"]["mean_s"] / 60,
             "p90_min": (g["waiting"]["p90_s"] or 0) / 60,
             "mean_w": g["waiting"]["mean_s"] / top, "p90_w": (g["waiting"]["p90_s"] or 0) / top,
             "target_min": targets[g["key"]] / 60 if g["key"] in targets else None,
             "target_w": targets[g["key"]] / top if g["key"] in targets else None,
             "share": g["within_target_share"]} for g in waits]
    heat = data["heatmap"]
    hours = [h for h in range(24) if any(row[h] for row in heat["grid"])]
    # the working day at least (08–13), wider when people came earlier or later
    first_hour, last_hour = min([8, *hours]), max([13, *hours])
    days = [w for w in range(7) if heat["days"][w] or w < 5]
    means = {(w, h): heat["grid"][w][h] / heat["days"][w] if heat["days"][w] else 0.0
             for w in days for h in range(first_hour, last_hour + 1)}
    peak = max(means.values(), default=0) or 1
    names = WEEKDAYS_EN if lang == "en" else WEEKDAYS_ID
    cells = [{"row": i, "col": h - first_hour, "value": means[(w, h)],
              "level": means[(w, h)] / peak} for i, w in enumerate(days)
             for h in range(first_hour, last_hour + 1)]
    overall = data["skm"]["overall"]
    unsur = []
    if overall is not None:
        for u, nrr in zip(data["skm"]["unsur"], overall["nrr"], strict=True):
            grade = skm_rules.classify(nrr * 25).letter
            unsur.append({"code": u["code"], "name": u["name_en" if lang == "en" else "name"],
                          "value": nrr * 25, "width": (nrr * 25 - 25) / 75, "grade": grade})
    return {"wait_bars": bars, "wait_max_min": top / 60,
            "heat": {"rows": [names[w] for w in days],
                     "hours": list(range(first_hour, last_hour + 1)), "cells": cells,
                     "peak": peak},
            "unsur": unsur,
            "agency_names": {g["key"]: g["name"] for g in data["by_agency"]},
            "service_names": {g["key"]: g["name"] for g in data["by_service"]},
            "quiet": sorted((u for u in data["utilisation"] if u["flag"]),
                            key=lambda u: (u["per_counter_hour"] is None,
                                           u["per_counter_hour"] or 0))}


# --- live -------------------------------------------------------------------------------------


async def live_json(request: Request) -> Response:
    await _supervisor(request)
    return JSONResponse(await stats.live_state(_loket(request)))


async def _live(loket: Loket, session: Session) -> dict[str, Any]:
    """The live state, with today's online bookings: names and phones for the office's
    supervisors and administrators only (not the region, which may look at the rest)."""
    live = await stats.live_state(loket)
    if loket.site.booking.enabled and has_role(session.actor, SUPERVISORS):
        live = {**live, "bookings": await booking.day_bookings(
            loket, loket.business_day(loket.clock.now()))}
    return live


async def live_fragment(request: Request) -> Response:
    session = await _supervisor(request)
    live = await _live(_loket(request), session)
    return _page(request, "supervisor/_live.html", {"live": live})


async def dashboard(request: Request) -> Response:
    loket = _loket(request)
    session = await optional_session(request, loket)
    if session is None or not has_role(session.actor, OVERSEERS):
        return _page(request, "supervisor/signin.html", {
            "wrong_role": session is not None})
    tab = "stats" if request.query_params.get("tab") == "stats" else "live"
    context: dict[str, Any] = {"tab": tab, "user": session.actor.username,
                               "csrf_token": session.csrf_token}
    if tab == "stats":
        first, last = await _range(request)
        data = await stats.recent.get(loket, first, last)
        context.update(data=data, charts=_charts(data, language(request), agency_targets(loket)),
                       first=first.isoformat(), last=last.isoformat())
        if loket.site.whatsapp is not None:  # the site has a WhatsApp number (issue 17)
            context.update(whatsapp=await whatsapp_stats(loket, first, last),
                           whatsapp_on=getattr(request.app.state, "whatsapp", None) is not None)
    else:
        context["live"] = await _live(loket, session)
    return _page(request, "supervisor/dashboard.html", context)


# --- SKM survey ------------------------------------------------------------------------------


def _questionnaire(lang: str) -> dict[str, Any]:
    en = lang == "en"
    return {
        "unsur": [{"code": u.code, "field": u.code.lower(),
                   "name": u.name_en if en else u.name_id,
                   "question": u.question_en if en else u.question_id,
                   "answers": list(u.answers_en if en else u.answers_id)}
                  for u in skm_rules.UNSUR],
        "profile": {name: [{"code": o.code, "label": o.label_en if en else o.label_id}
                           for o in options]
                    for name, options in skm_rules.PROFILE_OPTIONS.items()},
    }


async def survey_page(request: Request) -> Response:
    loket = _loket(request)
    ticket = await skm.survey_ticket(loket, request.path_params["ticket_id"],
                                     request.query_params.get("k"))
    return _page(request, "supervisor/survey.html", {
        "ticket": ticket, "mode": "phone", "counter": None,
        "form": _questionnaire(language(request))})


async def _tablet_session(request: Request, code: str) -> Session | None:
    """A counter-side tablet is signed in as staff: it is handed the visitor keys of the
    counter's finished tickets, so it must be a device the office controls. Supervisors
    and admins may run any counter's tablet; an officer account, its own counter's (or any,
    when it is a tablet account not signed in at a counter)."""
    session = await optional_session(request, _loket(request))
    if session is None:
        return None
    actor = session.actor
    if actor.role == Role.OFFICER and actor.counter not in (None, code):
        raise Forbidden("wrong_counter", signed_in=actor.counter, counter=code)
    return session


async def tablet_page(request: Request) -> Response:
    loket = _loket(request)
    code = request.query_params.get("counter", "")
    counter = loket.counter(code)
    session = await _tablet_session(request, counter.code)
    ticket = None
    if session is not None:
        ticket_id = await skm.last_finished(loket, counter.code)
        ticket = await skm.survey_ticket(loket, ticket_id, staff=True) if ticket_id else None
    return _page(request, "supervisor/survey.html", {
        "ticket": ticket, "mode": "tablet", "counter": counter,
        "signin_needed": session is None, "form": _questionnaire(language(request))})


async def tablet_ticket(request: Request) -> Response:
    """The ticket the counter-side tablet should ask about now (``null`` when none)."""
    loket = _loket(request)
    code = request.path_params["code"]
    loket.counter(code)
    if await _tablet_session(request, code) is None:
        raise Unauthorized("unauthorized")
    ticket_id = await skm.last_finished(loket, code)
    ticket = await skm.survey_ticket(loket, ticket_id, staff=True) if ticket_id else None
    return JSONResponse({"ticket": ticket})


async def submit_survey(request: Request) -> Response:
    loket = _loket(request)
    data = await read_json(request)
    channel = data.pop("channel", "phone")
    key = data.pop("key", None)
    result = await skm.submit(loket, request.path_params["ticket_id"], data,
                              channel if isinstance(channel, str) else "phone", key)
    return JSONResponse({"response": result}, status_code=201)


async def questionnaire(request: Request) -> Response:
    return JSONResponse(_questionnaire(language(request)))


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    try:
        purged = await skm.purge_profiles(loket, loket.clock.now())
        if purged:
            log.info("SKM retention: cleared the profile of %d old responses", purged)
    except Exception:  # the purge must not keep the queue from starting; it runs next start
        log.exception("SKM retention purge failed")
    yield


SURVEY_ROUTE = Route("/api/v1/tickets/{ticket_id}/survey", submit_survey, methods=["POST"])

routes: list[BaseRoute] = [
    Route("/supervisor", dashboard),
    Route("/supervisor/live", live_fragment),
    Route("/api/v1/supervisor/live", live_json),
    Route("/api/v1/stats", stats_json),
    Route("/api/v1/stats/export.{kind:str}", export),
    Route("/api/v1/skm/questionnaire", questionnaire),
    Route("/api/v1/counters/{code}/survey-ticket", tablet_ticket),
    SURVEY_ROUTE,
    Route("/t/{ticket_id}/survey", survey_page),
    Route("/survey", tablet_page),
    Mount("/static/supervisor", app=StaticFiles(directory=str(UI / "static" / "supervisor")),
          name="supervisor-static"),
]
