"""Which failures mean "the database cannot be reached right now" — down, restarting, a
dropped connection, a host that does not answer — as opposed to a bug. The web layer
answers them 503 (``web/failures.py``); background jobs log them in one line a round."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


def _from_driver(exc: BaseException) -> bool:
    # asyncpg's own connection errors (server starting up, too many connections, a dropped
    # connection) are not always wrapped by SQLAlchemy; asyncpg is not imported here on
    # purpose (it is optional and slow to import).
    return any(cls.__module__.startswith("asyncpg") for cls in type(exc).__mro__)


def unreachable(exc: BaseException) -> bool:
    if isinstance(exc, (OperationalError, InterfaceError)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return True
    # ConnectionRefusedError, a reset, a DNS failure, a connect timeout: the database host
    # cannot be reached. (asyncio's TimeoutError is an OSError too.)
    return isinstance(exc, (OSError, ConnectionError)) or _from_driver(exc)
