"""Who is asking: a session token from ``Authorization: Bearer`` or the session cookie.

Cookie-authenticated writes must carry the session's CSRF token in ``X-CSRF-Token``, so a
page on another site cannot make an officer's browser act.
"""

from __future__ import annotations

import secrets

from starlette.requests import HTTPConnection

from queue_server.domain.errors import Forbidden, Unauthorized
from queue_server.services import staff
from queue_server.services.access import Role
from queue_server.services.context import Loket
from queue_server.services.staff import Session

COOKIE = "loket_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _token(conn: HTTPConnection) -> tuple[str | None, bool]:
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    cookie = conn.cookies.get(COOKIE)
    return cookie, True


async def current_session(conn: HTTPConnection, loket: Loket) -> Session:
    token, from_cookie = _token(conn)
    if not token:
        raise Unauthorized("unauthorized")
    session = await staff.session_for(loket, token)
    method = conn.scope.get("method", "GET")
    # A region account reads every site and changes none: it may only end its own session.
    if (session.actor.role == Role.REGION and method not in SAFE_METHODS
            and not conn.url.path.endswith("/api/v1/session")):
        raise Forbidden("forbidden")
    if from_cookie and method not in SAFE_METHODS:
        sent = conn.headers.get("x-csrf-token", "")
        if not secrets.compare_digest(sent, session.csrf_token):
            raise Forbidden("csrf")
    return session


async def optional_session(conn: HTTPConnection, loket: Loket) -> Session | None:
    token, _ = _token(conn)
    if not token:
        return None
    try:
        return await staff.session_for(loket, token)
    except Unauthorized:
        return None
