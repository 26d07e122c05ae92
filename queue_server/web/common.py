"""``/static/common/``: the front-end code every screen shares (``common_ui/static/common``)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

import common_ui

STATIC = Path(common_ui.__file__).parent / "static" / "common"

routes: list[BaseRoute] = [
    Mount("/static/common", app=StaticFiles(directory=str(STATIC)), name="common-static"),
]
