"""WebSocket /ws: snapshot, replay since a sequence, live events (issue 4)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
