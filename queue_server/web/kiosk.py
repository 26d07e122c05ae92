"""Touch kiosk /kiosk and the visitor's ticket page /t/{id} (issue 5)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
