"""Opening hours gate, breaks and rotation plan API (issue 3)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from queue_server.services.context import Loket
from queue_server.services.hours import OpeningHours, refresh_waits
from queue_server.store.db import StoredEvent

log = logging.getLogger("loket.breaks")

#: How often the estimated waits behind the opening-hours gate are refreshed at most.
WAIT_REFRESH_S = 5.0
MIN_GAP_S = 0.5
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


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    gate = OpeningHours(loket.site)
    loket.gate = gate
    queue_moved = asyncio.Event()

    async def on_commit(events: list[StoredEvent]) -> None:
        if any(e.type.startswith(("ticket.", "counter.")) for e in events):
            queue_moved.set()

    loket.db.on_commit(on_commit)
    tasks = [
        asyncio.create_task(_every(WAIT_REFRESH_S, lambda: refresh_waits(loket, gate),
                                   "refreshing estimated waits", queue_moved)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


routes: list[BaseRoute] = []
