"""Which failures mean "the database is unavailable or busy, try again shortly".

Those answer 503 with ``Retry-After`` in the usual error shape, never 500: a kiosk or a
screen can retry them (the kiosk with the same ``Idempotency-Key``), and an operator sees an
outage rather than a bug.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from queue_server.store.outage import unreachable

#: Seconds a client should wait before trying again.
RETRY_UNAVAILABLE_S = 5
RETRY_BUSY_S = 2


def classify(exc: BaseException) -> tuple[str, int, dict[str, object]]:
    """``(code, status, params)`` for an exception that escaped a request."""
    if isinstance(exc, PoolTimeout):
        # Every pooled connection is in use: the server is busy, not broken.
        return "busy", 503, {"retry_after": RETRY_BUSY_S}
    if isinstance(exc, IntegrityError):
        return "conflict", 409, {}
    if isinstance(exc, DataError):
        return "invalid", 422, {"what": "out_of_range"}
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return "busy", 503, {"retry_after": RETRY_BUSY_S}
    if unreachable(exc):
        return "unavailable", 503, {"retry_after": RETRY_UNAVAILABLE_S}
    return "internal", 500, {}


def failure_code(exc: BaseException) -> str:
    return classify(exc)[0]
