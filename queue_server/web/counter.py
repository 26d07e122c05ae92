"""Officer's counter screen /counter (issue 6)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
