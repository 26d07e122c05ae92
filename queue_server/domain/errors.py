"""Domain errors: a stable code plus the parameters a message needs.

The web layer turns a code into a sentence in the visitor's language (see
``queue_server.messages``); the domain only says *what* went wrong.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the queue was broken; ``code`` is part of the public API."""

    status = 409

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(DomainError):
    status = 404


class Invalid(DomainError):
    status = 422


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


class Closed(DomainError):
    """Tickets cannot be issued now (closed, holiday, quota)."""

    status = 409
