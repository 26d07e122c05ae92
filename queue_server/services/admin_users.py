"""Staff accounts from the admin pages: list, create, change role or name, reset the
password, deactivate. Every change is audited; a password hash never leaves this module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain.errors import Invalid, NotFound
from queue_server.services import staff
from queue_server.services.access import SITE_ROLES, require_role
from queue_server.services.admin import READERS, WRITERS
from queue_server.services.admin_config import audit
from queue_server.services.context import Actor, Loket
from queue_server.store import tables as t
from queue_server.store.db import Tx

CREATE_FIELDS = ("username", "full_name", "role", "password")
PATCH_FIELDS = ("full_name", "role", "active", "password")


def _user_json(row: Any) -> dict[str, Any]:
    return {"username": row.username, "full_name": row.full_name, "role": row.role,
            "active": bool(row.active)}


def _fields(body: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key, value in body.items():
        if key not in allowed:
            raise Invalid("invalid", field=key, what="unknown_field")
        kind = bool if key == "active" else str
        if not isinstance(value, kind) or (key != "password" and isinstance(value, str)
                                           and len(value) > 200):
            raise Invalid("invalid", field=key, what="not_valid")
    role = body.get("role")
    if role is not None and role not in SITE_ROLES:
        raise Invalid("invalid", field="role", what="role", roles=", ".join(sorted(SITE_ROLES)))


async def _row(conn: AsyncConnection, loket: Loket, username: str) -> Any:
    u = t.users
    return (await conn.execute(select(u.c.id, u.c.username, u.c.full_name, u.c.role,
                                      u.c.active).where(u.c.site_id == loket.ids.site,
                                                        u.c.username == username))).first()


async def list_users(loket: Loket, actor: Actor) -> list[dict[str, Any]]:
    require_role(actor, READERS)
    u = t.users
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(u.c.username, u.c.full_name, u.c.role, u.c.active)
                                   .where(u.c.site_id == loket.ids.site)
                                   .order_by(u.c.username))).all()
    return [_user_json(r) for r in rows]


async def create_user(loket: Loket, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    require_role(actor, WRITERS)
    _fields(body, CREATE_FIELDS)
    for key in ("username", "role", "password"):
        if not body.get(key):
            raise Invalid("invalid", field=key, what="required")
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await staff.add_user(tx.conn, loket.ids.site, body["username"], body["password"],
                             body["role"], now, body.get("full_name", ""))
        user = _user_json(await _row(tx.conn, loket, body["username"]))
        await audit(tx.conn, loket.ids.site, actor.user_id, now, "user.create",
                    f"user:{body['username']}", None, user, None)
    return user


async def update_user(loket: Loket, actor: Actor, username: str,
                      body: Mapping[str, Any]) -> dict[str, Any]:
    """Change name, role or active; a new password or deactivation ends their sessions
    (and closes the counter they were signed in at)."""
    require_role(actor, WRITERS)
    _fields(body, PATCH_FIELDS)
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        row = await _row(tx.conn, loket, username)
        if row is None:
            raise NotFound("unknown_user", username=username)
        before = _user_json(row)
        changes = {k: body[k] for k in ("full_name", "role", "active") if k in body}
        if changes:
            await tx.conn.execute(update(t.users).where(t.users.c.id == row.id)
                                  .values(**changes))
        if "password" in body:
            await staff.set_password(tx.conn, loket.ids.site, username, body["password"])
        if body.get("active") is False or "role" in body:
            await _end_sessions(tx, loket, row.id)
        after = _user_json(await _row(tx.conn, loket, username))
        # The audit says a password was reset, never what it is.
        shown_after = {**after, **({"password": "diganti"} if "password" in body else {})}
        await audit(tx.conn, loket.ids.site, actor.user_id, now, "user.update",
                    f"user:{username}", before, shown_after, None)
    return after


async def _end_sessions(tx: Tx, loket: Loket, user_id: int) -> None:
    await tx.conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user_id))
    c = t.counters
    held = (await tx.conn.execute(select(c.c.id).where(c.c.officer_id == user_id))).scalars()
    for counter_id in list(held):
        await tx.conn.execute(update(c).where(c.c.id == counter_id).values(
            state="closed", officer_id=None, state_since=tx.now))
        code = loket.ids.counter_codes.get(counter_id)
        if code is not None:
            tx.emit("counter.closed", ("display", "supervisor", f"counter:{code}"),
                    {"counter": code, "state": "closed"})
