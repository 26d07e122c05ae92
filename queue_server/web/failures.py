"""Which failures mean "the database is unavailable or busy, try again shortly".

Those answer 503 with ``Retry-After`` in the usual error shape, never 500: a kiosk or a
screen can retry them (the kiosk with the same ``Idempotency-Key``), and an operator sees an
outage rather than a bug.
"""

from __future__ import annotations

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

#: Seconds a client should wait before trying again.
RETRY_UNAVAILABLE_S = 5
RETRY_BUSY_S = 2


def _from_driver(exc: BaseException) -> bool:
    # asyncpg's own connection errors (server starting up, too many connections, a dropped
    # connection) are not always wrapped by SQLAlchemy; asyncpg is not imported here on
    # purpose (it is optional and slow to import).
    return any(cls.__module__.startswith("asyncpg") for cls in type(exc).__mro__)


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
    if isinstance(exc, (OperationalError, InterfaceError)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return "unavailable", 503, {"retry_after": RETRY_UNAVAILABLE_S}
    if isinstance(exc, (OSError, ConnectionError)) or _from_driver(exc):
        # ConnectionRefusedError, a reset, a DNS failure, a connect timeout: the database
        # host cannot be reached. (asyncio's TimeoutError is an OSError too.)
        return "unavailable", 503, {"retry_after": RETRY_UNAVAILABLE_S}
    return "internal", 500, {}


def failure_code(exc: BaseException) -> str:
    return classify(exc)[0]
