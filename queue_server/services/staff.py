"""Staff accounts, sign-in sessions and opening a counter."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain.errors import DomainError, Forbidden, Invalid, NotFound, Unauthorized
from queue_server.domain.passwords import password_problem
from queue_server.services import throttle
from queue_server.services.access import SUPERVISORS, Role, require_role
from queue_server.services.context import Actor, Loket
from queue_server.services.passwords import HASHER, PasswordHashing
from queue_server.store import tables as t
from queue_server.store.db import Tx

SESSION_HOURS = 10  # one working day; sign in again tomorrow
MAX_FAILURES = throttle.PER_PAIR
RateLimited = throttle.RateLimited


@dataclass(frozen=True)
class SignIn:
    token: str
    csrf_token: str
    expires_at: datetime
    actor: Actor


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_user(conn: AsyncConnection, site_id: int, username: str, password: str, role: str,
                   now: datetime, full_name: str = "", *, check_password: bool = True,
                   hasher: PasswordHasher = HASHER) -> int:
    """Create an account. ``check_password=False`` is for the demo's published accounts only;
    a real server refuses to start while any of them keeps that password. ``hasher`` is for
    tests, which make accounts with cheap argon2 parameters."""
    if role not in set(Role):
        raise Invalid("invalid", field="role", what="role", roles=", ".join(Role))
    if not username or len(username) > 64 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        raise Invalid("invalid", field="username", what="username")
    if check_password:
        _check_password(password, username)
    exists = (await conn.execute(select(t.users.c.id).where(
        t.users.c.site_id == site_id, t.users.c.username == username))).first()
    if exists is not None:
        raise DomainError("duplicate_user", username=username)
    return int((await conn.execute(insert(t.users).values(
        site_id=site_id, username=username, full_name=full_name or username,
        # In a thread: argon2 would hold the event loop for tens of milliseconds.
        password_hash=await asyncio.to_thread(hasher.hash, password), role=role, created_at=now)
        .returning(t.users.c.id))).scalar_one())


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(problem)


async def set_password(conn: AsyncConnection, site_id: int, username: str, password: str) -> None:
    """Give ``username`` a new password and end their sessions, so a stolen session or a
    known (demo) password stops working at once."""
    _check_password(password, username)
    user_id = (await conn.execute(select(t.users.c.id).where(
        t.users.c.site_id == site_id, t.users.c.username == username))).scalar()
    if user_id is None:
        raise NotFound("unknown_user", username=username)
    await conn.execute(update(t.users).where(t.users.c.id == user_id).values(
        password_hash=await asyncio.to_thread(HASHER.hash, password)))
    await conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user_id))


async def accounts_with_password(conn: AsyncConnection, site_id: int, usernames: Iterable[str],
                                 password: str) -> list[str]:
    """Which of ``usernames`` (active accounts) still sign in with ``password``."""
    rows = (await conn.execute(select(t.users.c.username, t.users.c.password_hash).where(
        t.users.c.site_id == site_id, t.users.c.username.in_(list(usernames)),
        t.users.c.active.is_(True)))).all()
    hashing = PasswordHashing()
    try:
        matches = await asyncio.gather(*(hashing.verify(row.password_hash, password)
                                         for row in rows))
    finally:
        hashing.close()
    return sorted(row.username for row, match in zip(rows, matches, strict=True) if match)


async def sign_in(loket: Loket, username: str, password: str,
                  counter_code: str | None, address: str = "") -> SignIn:
    """Check the password (attempts limited per username and client address, counted before
    the check), end the user's other sessions, and open the counter for them when one is
    given."""
    now = loket.clock.now()
    if counter_code is not None:
        loket.counter(counter_code)
    async with loket.db.write(loket.ids.site, now) as tx:
        refused = await throttle.count_attempt(tx.conn, loket.ids.site, username, address, now)
        user = (await tx.conn.execute(select(t.users).where(
            t.users.c.site_id == loket.ids.site, t.users.c.username == username,
            t.users.c.active.is_(True)))).first()
    if refused is not None:
        raise refused
    ok = await loket.passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None:
        async with loket.db.write(loket.ids.site, now) as tx:
            await tx.conn.execute(insert(t.login_attempts).values(
                username=username[:64], at=now, ok=False))
        raise Unauthorized("bad_credentials")
    if counter_code is not None and user.role == Role.REGION.value:
        raise Forbidden("forbidden")  # the region watches; it serves at no counter
    counter_id = loket.ids.counters[counter_code] if counter_code else None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + timedelta(hours=SESSION_HOURS)
    async with loket.db.write(loket.ids.site, now) as tx:
        if counter_id is not None:
            await _claim_counter(tx, loket, counter_id, counter_code or "", user.id)
        # A second sign-in ends the first; close the counter the user leaves behind.
        old = (await tx.conn.execute(select(t.sessions.c.counter_id).where(
            t.sessions.c.user_id == user.id))).scalars().all()
        await tx.conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user.id))
        for old_counter in {c for c in old if c is not None and c != counter_id}:
            await _close_counter(tx, loket, old_counter, user.id)
        await tx.conn.execute(insert(t.sessions).values(
            token_hash=hash_token(token), site_id=loket.ids.site, user_id=user.id,
            counter_id=counter_id, csrf_token=csrf, created_at=now, expires_at=expires))
        await tx.conn.execute(insert(t.login_attempts).values(username=username, at=now, ok=True))
        await throttle.succeeded(tx.conn, loket.ids.site, username, address)
    actor = Actor(user.id, user.username, Role(user.role), counter_code)
    return SignIn(token, csrf, expires, actor)


async def _claim_counter(tx: Tx, loket: Loket, counter_id: int, code: str, user_id: int) -> None:
    holder = (await tx.conn.execute(
        select(t.sessions.c.user_id).where(
            t.sessions.c.counter_id == counter_id, t.sessions.c.user_id != user_id,
            t.sessions.c.expires_at > tx.now).limit(1))).first()
    if holder is not None:
        raise DomainError("counter_taken", counter=code)
    state = (await tx.conn.execute(select(t.counters.c.state).where(
        t.counters.c.id == counter_id))).scalar_one()
    # An officer coming back to a counter on break keeps the break; otherwise it opens.
    new_state = "break" if state == "break" else "open"
    await tx.conn.execute(update(t.counters).where(t.counters.c.id == counter_id).values(
        state=new_state, officer_id=user_id, state_since=tx.now))
    # No account id on a public topic: the lobby needs the state, the name comes from
    # /api/v1/counters (see docs/security.md).
    tx.emit("counter.opened", ("display", "supervisor", f"counter:{code}"),
            {"counter": code, "state": new_state})


async def _close_counter(tx: Tx, loket: Loket, counter_id: int, user_id: int) -> None:
    code = loket.ids.counter_codes[counter_id]
    await tx.conn.execute(update(t.counters).where(
        t.counters.c.id == counter_id, t.counters.c.officer_id == user_id).values(
            state="closed", officer_id=None, state_since=tx.now))
    tx.emit("counter.closed", ("display", "supervisor", f"counter:{code}"),
            {"counter": code, "state": "closed"})


async def sign_out(loket: Loket, token: str) -> None:
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        row = (await tx.conn.execute(select(t.sessions).where(
            t.sessions.c.token_hash == hash_token(token)))).first()
        if row is None:
            return
        await tx.conn.execute(delete(t.sessions).where(t.sessions.c.token_hash == row.token_hash))
        if row.counter_id is not None:
            await _close_counter(tx, loket, row.counter_id, row.user_id)


async def unlock_sign_in(loket: Loket, username: str, actor: Actor) -> int:
    """Lift the sign-in limits on ``username`` (a supervisor's way back for an officer locked
    out by someone else's guesses); audited. Returns how many counters were cleared."""
    require_role(actor, SUPERVISORS)
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        exists = (await tx.conn.execute(select(t.users.c.id).where(
            t.users.c.site_id == loket.ids.site, t.users.c.username == username))).first()
        if exists is None:
            raise NotFound("unknown_user", username=username)
        cleared = await throttle.unlock(tx.conn, loket.ids.site, username)
        await tx.conn.execute(insert(t.audit_log).values(
            site_id=loket.ids.site, user_id=actor.user_id, action="user.unlock",
            detail={"username": username, "cleared": cleared}, at=now))
    return cleared


async def purge_sign_in_records(loket: Loket, now: datetime) -> int:
    """Forget sign-in records once they are of no use: ended sessions at once, the sign-in
    log (usernames and times) after the site's ``data_retention_days``."""
    cutoff = now - timedelta(days=loket.site.data_retention_days)
    async with loket.db.write(loket.ids.site, now) as tx:
        sessions = await tx.conn.execute(delete(t.sessions).where(
            t.sessions.c.site_id == loket.ids.site, t.sessions.c.expires_at <= now))
        attempts = await tx.conn.execute(delete(t.login_attempts).where(
            t.login_attempts.c.at < cutoff))
    return int(sessions.rowcount or 0) + int(attempts.rowcount or 0)


@dataclass(frozen=True)
class Session:
    actor: Actor
    csrf_token: str
    expires_at: datetime


#: Built once (every staff request reads its session): building the query each time cost
#: more than running it.
_SESSION = (
    select(t.sessions.c.counter_id, t.sessions.c.csrf_token, t.sessions.c.expires_at,
           t.users.c.id, t.users.c.username, t.users.c.role)
    .select_from(t.sessions.join(t.users, t.users.c.id == t.sessions.c.user_id))
    .where(t.sessions.c.token_hash == bindparam("token_hash"),
           t.users.c.active.is_(True),
           # A session is good at its own site only; a region account's at every site.
           or_(t.sessions.c.site_id == bindparam("site_id"),
               t.users.c.role == Role.REGION.value)))


async def session_for(loket: Loket, token: str) -> Session:
    now = loket.clock.now()
    async with loket.db.read() as conn:
        row = (await conn.execute(_SESSION, {"token_hash": hash_token(token),
                                             "site_id": loket.ids.site})).first()
    if row is None:
        raise Unauthorized("unauthorized")
    if row.expires_at <= now:
        raise Unauthorized("session_expired")
    counter = loket.ids.counter_codes.get(row.counter_id) if row.counter_id else None
    return Session(Actor(row.id, row.username, Role(row.role), counter), row.csrf_token,
                   row.expires_at)


async def counters_state(loket: Loket) -> list[dict[str, Any]]:
    c = t.counters
    async with loket.db.read() as conn:
        rows = {r.id: r for r in (await conn.execute(
            select(c.c.id, c.c.state, c.c.state_since, t.users.c.full_name)
            .select_from(c.outerjoin(t.users, t.users.c.id == c.c.officer_id))
            .where(c.c.site_id == loket.ids.site))).all()}
    out = []
    for counter in loket.site.counters:
        row = rows.get(loket.ids.counters[counter.code])
        out.append({
            "code": counter.code, "number": counter.number, "name": counter.name,
            "agency": counter.agency, "services": list(counter.services),
            "priority_only": counter.priority_only,
            "state": row.state if row else "closed",
            "since": loket.local(row.state_since) if row else None,
            "officer": row.full_name if row else None,
        })
    return out
