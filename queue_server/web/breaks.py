"""Opening hours gate, breaks and rotation plan API (issue 3)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.domain.errors import Invalid
from queue_server.services import breaks as service
from queue_server.services.access import STAFF, SUPERVISORS, require_role
from queue_server.services.context import Loket
from queue_server.services.day import close_day, last_closed_day, next_close_check
from queue_server.services.hours import OpeningHours, refresh_waits
from queue_server.store.db import StoredEvent
from queue_server.web.auth import current_session
from queue_server.web.http import field, language, read_json

log = logging.getLogger("loket.breaks")

#: How often the estimated waits behind the opening-hours gate are refreshed at most.
WAIT_REFRESH_S = 5.0
MIN_GAP_S = 0.5
#: How often overdue breaks are flagged and waiting breaks reconsidered.
BREAK_CHECK_S = 30.0
#: Upper bound on iterations of the background loops (years of uptime at their periods).
MAX_ROUNDS = 50_000_000


async def _every(period_s: float, work: Callable[[], Awaitable[None]], name: str,
                 wake: asyncio.Event | None = None) -> None:
    """Run ``work`` now and then every ``period_s`` (sooner when ``wake`` is set); a failing
    round is logged and the loop carries on."""
    for _ in range(MAX_ROUNDS):
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", name)
        if wake is None:
            await asyncio.sleep(period_s)
            continue
        await asyncio.sleep(MIN_GAP_S)  # a burst of tickets costs one refresh, not hundreds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=period_s)
        wake.clear()


async def _close_days(loket: Loket, gate: OpeningHours) -> None:
    """Expire what previous business days left, then wake after each day's close (plus the
    grace) to do it again. The sleep is re-measured in short steps, so a moved clock or a
    suspended machine is noticed within a minute."""
    for _ in range(MAX_ROUNDS):
        try:
            await close_day(loket, last_closed_day(gate.schedule, loket.clock.now()))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("closing the business day failed")
        due = next_close_check(gate.schedule, loket.clock.now())
        for _ in range(60 * 24 * 2):  # two days of one-minute steps at most
            left = (due - loket.clock.now()).total_seconds()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 60.0))


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    gate = OpeningHours(loket.site)
    loket.gate = gate
    queue_moved = asyncio.Event()

    staffing_changed = asyncio.Event()

    async def on_commit(events: list[StoredEvent]) -> None:
        if any(e.type.startswith(("ticket.", "counter.")) for e in events):
            queue_moved.set()
        if any(e.type in {"counter.opened", "counter.closed"} for e in events):
            staffing_changed.set()

    async def check_breaks() -> None:
        await service.flag_overdue(loket)
        await service.reconcile(loket)

    loket.db.on_commit(on_commit)
    tasks = [
        asyncio.create_task(_every(WAIT_REFRESH_S, lambda: refresh_waits(loket, gate),
                                   "refreshing estimated waits", queue_moved)),
        asyncio.create_task(_close_days(loket, gate)),
        asyncio.create_task(_every(BREAK_CHECK_S, check_breaks, "checking breaks",
                                   staffing_changed)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


# --- HTTP ---------------------------------------------------------------------------------------


def _loket(request: Request) -> Loket:
    loket: Loket = request.app.state.loket
    return loket


def _localised(request: Request, answer: dict[str, object]) -> dict[str, object]:
    """``reason`` (technical, with codes) and ``message`` (plain words for the officer) in
    the request's language next to both texts."""
    lang = language(request)
    return {**answer, "reason": answer.get("reason_en" if lang == "en" else "reason_id"),
            "message": answer.get("message_en" if lang == "en" else "message_id")}


async def request_break(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    data = await read_json(request)
    minutes = field(data, "minutes", int, required=False, nullable=True)
    answer = await service.request_break(loket, request.path_params["code"], minutes,
                                         session.actor)
    return JSONResponse({"break": _localised(request, answer)})


async def resume(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    await read_json(request)
    answer = await service.resume(loket, request.path_params["code"], session.actor)
    return JSONResponse({"break": _localised(request, answer)})


async def list_breaks(request: Request) -> Response:
    """Who rests and who waits for a break: staff only (API.md); the lobby sees a counter on
    break through ``/api/v1/counters`` without the reasons or the queue."""
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, "officer", "supervisor", "admin")
    return JSONResponse(await service.current(loket))


def _day(request: Request, value: object) -> dt.date:
    loket = _loket(request)
    if value is None or value == "":
        return loket.business_day(loket.clock.now())
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("invalid", field="date", detail="tanggal harus seperti 2025-11-24",
                      message_en="Invalid data: date must look like 2025-11-24") from None


async def rotation_plan(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, STAFF)
    day = _day(request, request.query_params.get("date"))
    plan = await service.propose_rotation(loket, day, language(request))
    return JSONResponse({"rotation_plan": plan})


async def adopt_rotation_plan(request: Request) -> Response:
    loket = _loket(request)
    session = await current_session(request, loket)
    require_role(session.actor, SUPERVISORS)
    data = await read_json(request)
    day = _day(request, field(data, "date", str, required=False, nullable=True))
    plan = await service.adopt_rotation(loket, day, session.actor)
    return JSONResponse({"rotation_plan": plan})


routes: list[BaseRoute] = [
    Route("/api/v1/counters/{code}/break", request_break, methods=["POST"]),
    Route("/api/v1/counters/{code}/resume", resume, methods=["POST"]),
    Route("/api/v1/breaks", list_breaks),
    Route("/api/v1/rotation-plan", rotation_plan),
    Route("/api/v1/rotation-plan/adopt", adopt_rotation_plan, methods=["POST"]),
]
