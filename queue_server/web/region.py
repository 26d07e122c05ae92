"""The region (the province's Monev): every MPP of this server side by side.

``GET /api/v1/region/stats`` (JSON), ``/region`` (the dashboard), ``/region/report`` (the
monthly Monev report, a printable A4 page) and ``/api/v1/region/report.xlsx``. Served once,
unprefixed; an account signs in at the default site and needs role ``region`` (or ``admin``
of the default site, the installation's administrator).
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.domain.errors import Invalid, NotFound
from queue_server.services import region, region_report
from queue_server.services.access import REGIONAL, has_role, require_role
from queue_server.services.context import Loket
from queue_server.services.stats import parse_range
from queue_server.web import pages
from queue_server.web.auth import current_session, optional_session
from queue_server.web.http import language

UI = Path(__file__).resolve().parents[2] / "counter_ui"
templates = pages.templates(UI / "templates")
SORTS = ("name", "tickets", "served", "no_show", "wait_p50_s", "wait_p90_s", "sla_pct", "ikm",
         "priority_share", "online_share")


def _sites(request: Request) -> list[Loket]:
    sites: dict[str, Loket] = request.app.state.sites
    return list(sites.values())


def _home(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


async def _regional(request: Request) -> None:
    session = await current_session(request, _home(request))
    require_role(session.actor, REGIONAL)


def _month(request: Request, today: date) -> tuple[date, date]:
    text = request.query_params.get("month") or f"{today:%Y-%m}"
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise Invalid("invalid", field="month", what="month") from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _chosen(request: Request, sites: list[Loket]) -> list[Loket]:
    code = request.query_params.get("site")
    if not code:
        return sites
    chosen = [s for s in sites if s.site.code == code]
    if not chosen:
        raise NotFound("not_found", detail=code)
    return chosen


async def stats_json(request: Request) -> Response:
    await _regional(request)
    home = _home(request)
    first, last = parse_range(request.query_params.get("from"),
                              request.query_params.get("to"),
                              home.business_day(home.clock.now()))
    return JSONResponse(await region.region_stats(_sites(request), first, last))


def _sorted(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]  # no figure: always last
    return sorted(present, key=lambda r: r[key], reverse=descending) + missing


async def dashboard(request: Request) -> Response:
    home = _home(request)
    lang = language(request)
    session = await optional_session(request, home)
    tr = _tr(lang)
    if session is None or not has_role(session.actor, REGIONAL):
        return templates.TemplateResponse(request, "region/signin.html", {
            "lang": lang, "tr": tr, "wrong_role": session is not None})
    today = home.business_day(home.clock.now())
    month_first, month_last = _month(request, today)
    first, last = parse_range(request.query_params.get("from") or month_first.isoformat(),
                              request.query_params.get("to") or month_last.isoformat(), today)
    data = await region.region_stats(_sites(request), first, last)
    sort = request.query_params.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    descending = request.query_params.get("dir", "desc" if sort != "name" else "asc") == "desc"
    rows = _sorted(data["sites"], sort, descending)
    return templates.TemplateResponse(request, "region/dashboard.html", {
        "lang": lang, "tr": tr, "data": data, "rows": rows, "sort": sort,
        "descending": descending, "first": first.isoformat(), "last": last.isoformat(),
        "month": f"{first:%Y-%m}", "user": session.actor.username,
        "csrf_token": session.csrf_token, "fmt": region_report.fmt})


async def report_page(request: Request) -> Response:
    await _regional(request)
    home = _home(request)
    first, last = _month(request, home.business_day(home.clock.now()))
    sites = _chosen(request, _sites(request))
    data = await region.region_stats(sites, first, last)
    return templates.TemplateResponse(request, "region/report.html", {
        "lang": "id", "data": data, "title": region_report.title(data, first),
        "period": region_report.period_text(first), "fmt": region_report.fmt,
        "single": len(sites) == 1})


async def report_xlsx(request: Request) -> Response:
    await _regional(request)
    home = _home(request)
    first, last = _month(request, home.business_day(home.clock.now()))
    sites = _chosen(request, _sites(request))
    data = await region.region_stats(sites, first, last)
    body = region_report.to_xlsx(data, first)
    name = f"monev-{sites[0].site.code if len(sites) == 1 else 'wilayah'}-{first:%Y-%m}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _tr(lang: str) -> Any:
    return lambda id_text, en_text: en_text if lang == "en" else id_text


routes: list[BaseRoute] = [
    Route("/api/v1/region/stats", stats_json),
    Route("/api/v1/region/report.xlsx", report_xlsx),
    Route("/region", dashboard),
    Route("/region/report", report_page),
]
