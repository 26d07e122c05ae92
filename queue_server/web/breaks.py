"""Opening hours gate, breaks and rotation plan API (issue 3)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
