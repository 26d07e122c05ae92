"""Sign-in attempt limits: counted atomically *before* the password is checked.

Three counters, each a fixed window of ``WINDOW``:

- ``pair``: one username from one client address. Tight (``PER_PAIR``): this is what stops
  someone guessing at the counter next to you, and it locks nobody else out.
- ``addr``: one client address, any username (``PER_ADDRESS``): stops one machine trying many
  accounts. Generous, because a whole office may sit behind one address.
- ``user``: one username from anywhere (``PER_USER``): stops guessing spread over many
  addresses. It can lock the owner out too, so a supervisor can lift it (:func:`unlock`) and
  the message says when it lifts by itself.

A key over its limit refuses without counting on the next keys, so a guesser already stopped
at the pair level cannot push the owner's ``user`` counter up. A success clears the pair and
user counters (the password was right) and gives back its ``addr`` count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain.errors import DomainError
from queue_server.store import tables as t
from queue_server.store.dialect import upsert

WINDOW = timedelta(minutes=15)
PER_PAIR = 5
PER_ADDRESS = 30
PER_USER = 20

_LIMITS = {"pair": PER_PAIR, "addr": PER_ADDRESS, "user": PER_USER}


class RateLimited(DomainError):
    status = 429


@dataclass(frozen=True)
class Key:
    scope: str
    username: str
    address: str


def keys(username: str, address: str) -> tuple[Key, ...]:
    return (Key("pair", username, address), Key("addr", "", address), Key("user", username, ""))


async def count_attempt(conn: AsyncConnection, site_id: int, username: str, address: str,
                        now: datetime) -> RateLimited | None:
    """Count one attempt on each key in turn; the refusal for the first key over its limit,
    or ``None``. Call inside a writing transaction, before verifying the password, and raise
    the refusal after the commit (raising inside would roll the count back)."""
    th = t.sign_in_throttle
    # Old windows are dead weight (and guessed usernames would pile up).
    await conn.execute(delete(th).where(th.c.window_start <= now - WINDOW))
    for key in keys(username, address):
        expired = th.c.window_start <= now - WINDOW
        stmt = upsert(
            conn, th, {"site_id": site_id, "scope": key.scope, "username": key.username,
                       "address": key.address, "window_start": now, "attempts": 1},
            key=["site_id", "scope", "username", "address"],
            update={"attempts": case((expired, 1), else_=th.c.attempts + 1),
                    "window_start": case((expired, now), else_=th.c.window_start)},
        ).returning(th.c.attempts, th.c.window_start)
        row = (await conn.execute(stmt)).one()
        if row.attempts > _LIMITS[key.scope]:
            left = row.window_start + WINDOW - now
            minutes = max(1, math.ceil(left.total_seconds() / 60))
            code = "account_locked" if key.scope == "user" else "too_many_attempts"
            return RateLimited(code, minutes=minutes, retry_after=int(left.total_seconds()) + 1)
    return None


async def succeeded(conn: AsyncConnection, site_id: int, username: str, address: str) -> None:
    th = t.sign_in_throttle
    pair, addr, user = keys(username, address)
    for key in (pair, user):
        await conn.execute(delete(th).where(
            th.c.site_id == site_id, th.c.scope == key.scope, th.c.username == key.username,
            th.c.address == key.address))
    await conn.execute(update(th).where(
        th.c.site_id == site_id, th.c.scope == "addr", th.c.address == addr.address,
        th.c.attempts > 0).values(attempts=th.c.attempts - 1))


async def unlock(conn: AsyncConnection, site_id: int, username: str) -> int:
    """Lift every limit on ``username`` (from all addresses); returns the counters cleared."""
    th = t.sign_in_throttle
    result = await conn.execute(delete(th).where(
        th.c.site_id == site_id, th.c.scope.in_(("pair", "user")), th.c.username == username))
    return int(result.rowcount or 0)
