"""Admin edits of the live configuration, each one transaction.

load the stored document → apply the change → the site check (refused with its findings) →
the ``If-Match`` version → the guards that need the database → new version, rows, audit row and
a ``config.changed`` event together; after the commit this process makes the new site live at
once, and the others do when the event reaches them.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain.errors import DomainError, Invalid
from queue_server.domain.tickets import Status
from queue_server.services import admin_edits as edits
from queue_server.services.access import ADMINS, SUPERVISORS, require_role
from queue_server.services.admin_config import (
    CHANGED,
    TOPICS,
    apply_site,
    audit,
    store_version,
    stored_config,
)
from queue_server.services.booking import cancel_bookings_without_slot
from queue_server.services.context import Actor, Loket
from queue_server.site import build_site
from queue_server.sitecheck import Finding, check_site
from queue_server.store import tables as t
from queue_server.store.sync import sync_site

READERS = SUPERVISORS
WRITERS = ADMINS


class ConfigRejected(Invalid):
    """The edited site does not pass the site check; ``findings`` are its errors."""

    def __init__(self, findings: list[Finding]) -> None:
        refused = [f for f in findings if f.is_error]
        super().__init__(
            "config_invalid",
            detail="; ".join(f.describe("id") for f in refused),
            detail_en="; ".join(f.describe("en") for f in refused),
            findings=[f.as_json() for f in refused])


class StaleVersion(DomainError):
    status = 409


@dataclass(frozen=True)
class Edited:
    change: edits.Change
    version: int
    warnings: list[Finding]


Guard = Callable[[AsyncConnection, Loket, edits.Change], Awaitable[None]]


def parse_version(header: str | None) -> int | None:
    """``If-Match: 12`` or ``If-Match: "12"`` (an ETag); absent means "whatever is current"."""
    if header is None or not header.strip():
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Invalid("bad_version")
    return int(text)


async def edit(loket: Loket, actor: Actor, expected: int | None, action: str,
               change: Callable[[edits.Document], edits.Change],
               guard: Guard | None = None) -> Edited:
    require_role(actor, WRITERS)
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        stored = await stored_config(tx.conn, loket.ids.site, for_update=True)
        assert stored is not None  # seeded at start-up
        if expected is not None and expected != stored.version:
            raise await _stale(tx.conn, loket, expected, stored.version)
        document = copy.deepcopy(stored.document)
        done = change(document)
        findings = check_site(document)
        if any(f.is_error for f in findings):
            raise ConfigRejected(findings)
        if guard is not None:
            await guard(tx.conn, loket, done)
        site = build_site(document, warnings=tuple(findings))
        ids = await sync_site(tx.conn, site)
        version = await store_version(tx.conn, loket.ids.site, stored.version, site.document,
                                      now, actor.user_id)
        if not version:  # only possible if the row lock was not taken; never overwrite
            raise await _stale(tx.conn, loket, stored.version, stored.version + 1)
        await audit(tx.conn, loket.ids.site, actor.user_id, now, action, done.target,
                    done.before, done.after, version)
        # A closure or shorter hours cancel the bookings they cover, in the same transaction.
        await cancel_bookings_without_slot(tx, loket, site)
        tx.emit(CHANGED, TOPICS, {"version": version, "action": action, "target": done.target})
    apply_site(loket, site, ids, version)
    return Edited(done, version, [f for f in findings if not f.is_error])


async def _stale(conn: AsyncConnection, loket: Loket, sent: int, current: int) -> StaleVersion:
    """409 naming what changed since the version the client edited."""
    changes = [e for e in await audit_entries(conn, loket, limit=200)
               if isinstance(e.get("version"), int) and e["version"] > sent]
    changes.reverse()
    return StaleVersion("conflict", sent=sent, current=current, current_version=current,
                        changes=changes[-50:], **_stale_messages(sent, current))


def _stale_messages(sent: int, current: int) -> dict[str, str]:
    from queue_server.messages import message

    params = {"sent": sent, "current": current}
    return {"message_id": message("stale_version", "id", params),
            "message_en": message("stale_version", "en", params)}


async def audit_entries(conn: AsyncConnection, loket: Loket, *, first: Any = None,
                        last: Any = None, limit: int = 500) -> list[dict[str, Any]]:
    """Newest first: who, when, what, on which item, before and after."""
    a = t.audit_log
    query = (select(a.c.id, a.c.action, a.c.detail, a.c.at, t.users.c.username)
             .select_from(a.outerjoin(t.users, t.users.c.id == a.c.user_id))
             .where(a.c.site_id == loket.ids.site))
    if first is not None:
        query = query.where(a.c.at >= first)
    if last is not None:
        query = query.where(a.c.at < last)
    rows = (await conn.execute(query.order_by(a.c.id.desc()).limit(limit))).all()
    out = []
    for row in rows:
        detail = row.detail if isinstance(row.detail, dict) else {}
        out.append({"at": loket.local(row.at), "user": row.username, "action": row.action,
                    "target": detail.get("target"), "before": detail.get("before"),
                    "after": detail.get("after"), "version": detail.get("version"),
                    **({} if "target" in detail else {"detail": detail})})
    return out


# --- guards -----------------------------------------------------------------------------------


async def no_waiting_tickets(conn: AsyncConnection, loket: Loket, done: edits.Change) -> None:
    """A service with waiting tickets can be deactivated, never deleted."""
    code = done.target.partition(":")[2]
    service_id = loket.ids.services.get(code)
    if service_id is None:
        return
    tk = t.tickets
    waiting = (await conn.execute(select(func.count()).where(
        tk.c.site_id == loket.ids.site, tk.c.service_id == service_id,
        tk.c.status.in_([Status.WAITING.value, Status.CALLED.value, Status.SERVING.value])))
    ).scalar_one()
    if waiting:
        raise DomainError("service_has_waiting", service=code, waiting=int(waiting))


async def counter_not_staffed(conn: AsyncConnection, loket: Loket, done: edits.Change) -> None:
    """A counter an officer is signed in at cannot be removed or switched off."""
    if done.after is not None and done.after.get("active", True) is not False:
        return
    code = done.target.partition(":")[2]
    counter_id = loket.ids.counters.get(code)
    if counter_id is None:
        return
    s = t.sessions
    officer = (await conn.execute(
        select(t.users.c.full_name, t.users.c.username)
        .select_from(s.join(t.users, t.users.c.id == s.c.user_id))
        .where(s.c.counter_id == counter_id, s.c.expires_at > loket.clock.now()).limit(1))
    ).first()
    if officer is not None:
        raise DomainError("counter_occupied", counter=code,
                          officer=officer.full_name or officer.username)
