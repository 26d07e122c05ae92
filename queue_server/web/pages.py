"""The Jinja2 environment every page is rendered with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.templating import Jinja2Templates


def static_url(request: Request, path: str) -> str:
    """``/static/<path>`` under the app's root. Behind a proxy at a sub-path (``loket serve
    --root-path``) that root is the proxy's prefix; a site mounted at ``/s/{code}`` shares the
    one ``/static`` at the app's root, so the mount is left out (``app_root_path``, which
    Starlette's ``Mount`` keeps, is the root before any mount)."""
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    return f"{root}/static/{path}"


@pass_context
def _static(context: Any, path: str) -> str:
    return static_url(context["request"], path)


@pass_context
def _site_root(context: Any) -> str:
    return site_root(context["request"])


def templates(directory: Path) -> Jinja2Templates:
    """The templates in ``directory``; ``{{ static("kiosk/kiosk.css") }}`` addresses a static
    file and ``{{ site_root() }}`` starts a page's links and ``data-base``, so no page writes
    an absolute path that a sub-path or a site's mount would break."""
    found = Jinja2Templates(directory=str(directory))
    found.env.globals["static"] = _static
    found.env.globals["site_root"] = _site_root
    return found


def site_root(request: Request) -> str:
    """The path this request's site is served under: the proxy's prefix, then ``/s/{code}``
    for a site of several. Every page, API and WebSocket path the browser is given starts
    here (the pages' ``<html data-base>``)."""
    root: str = request.scope.get("root_path", "")
    return root
