"""The live configuration: the site document kept in the database, with a version.

The site file seeds a site's first start; from then on the database holds the truth, every
admin edit stores a new version, and every process rebuilds its ``Site`` from the stored
document when it sees a ``config.changed`` event (see docs/admin.md).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from queue_server.services.context import Loket
from queue_server.site import Site, SiteFileInvalid, build_site, json_ready
from queue_server.sitecheck import check_site
from queue_server.store import tables as t
from queue_server.store.dialect import locking, upsert
from queue_server.store.sync import Ids, sync_site

log = logging.getLogger("loket.config")

#: the event every process reloads its configuration on
CHANGED = "config.changed"
TOPICS = ("config", "display", "supervisor")


@dataclass(frozen=True)
class Stored:
    version: int
    document: dict[str, Any]
    updated_at: datetime | None = None


async def stored_config(conn: AsyncConnection, site_id: int, *,
                        for_update: bool = False) -> Stored | None:
    sc = t.site_configs
    query = select(sc.c.version, sc.c.document, sc.c.updated_at).where(sc.c.site_id == site_id)
    if for_update:
        query = locking(conn, query)
    row = (await conn.execute(query)).first()
    return None if row is None else Stored(int(row.version), dict(row.document), row.updated_at)


def site_from_document(document: dict[str, Any], source: str = "basis data") -> Site:
    """A ``Site`` from a stored document, through the same check as a site file."""
    document = json_ready(copy.deepcopy(document))
    findings = check_site(document)
    if any(f.is_error for f in findings):
        raise SiteFileInvalid(source, findings)
    return build_site(document, warnings=tuple(findings))


async def site_id_for(conn: AsyncConnection, site: Site) -> int:
    """The site's row, created if new; upserting also locks it, so two processes seeding a
    fresh database at once take turns."""
    stmt = upsert(conn, t.sites, {"code": site.code, "name": site.name,
                                  "timezone": site.timezone},
                  key=["code"], update={"code": site.code})
    return int((await conn.execute(stmt.returning(t.sites.c.id))).scalar_one())


async def open_site(conn: AsyncConnection, file_site: Site, now: datetime
                    ) -> tuple[Site, Ids, int]:
    """The site as the database holds it, seeding it from ``file_site`` on the first start;
    the structural rows are brought in line with it. Run in a writing transaction."""
    site_id = await site_id_for(conn, file_site)
    stored = await stored_config(conn, site_id)
    if stored is None:
        await conn.execute(upsert(conn, t.site_configs, {
            "site_id": site_id, "version": 1, "document": file_site.document,
            "updated_at": now}, key=["site_id"]))
        stored = await stored_config(conn, site_id)
        assert stored is not None
    site = (file_site if stored.document == file_site.document
            else site_from_document(stored.document))
    return site, await sync_site(conn, site), stored.version


async def open_site_at_start(engine: AsyncEngine, file_site: Site, now: datetime
                             ) -> tuple[Site, Ids, int]:
    """``open_site`` in a transaction that writes from its first statement (SQLite
    ``BEGIN IMMEDIATE``), so a second process starting at the same moment waits its turn."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(loket_write=True)
        async with conn.begin():
            return await open_site(conn, file_site, now)


async def read_ids(conn: AsyncConnection, site_id: int, site: Site) -> Ids:
    """The rows' ids for ``site``'s codes, without writing (another process synced them)."""
    found: list[dict[str, int]] = []
    for table in (t.agencies, t.services, t.counters):
        rows = (await conn.execute(select(table.c.code, table.c.id).where(
            table.c.site_id == site_id))).all()
        found.append({row.code: int(row.id) for row in rows})
    agencies, services, counters = found
    return Ids(site_id,
               {a.code: agencies[a.code] for a in site.agencies},
               {s.code: services[s.code] for s in site.services},
               {c.code: counters[c.code] for c in site.counters})


def apply_site(loket: Loket, site: Site, ids: Ids, version: int) -> bool:
    """Make ``site`` the live configuration of this process, unless it already has this
    version or a newer one. Returns whether anything changed."""
    if version <= loket.config_version:
        return False
    from queue_server.domain.schedule import schedule_from_config
    from queue_server.services.hours import OpeningHours

    loket.site = site
    loket.ids = ids
    loket.config_version = version
    # The gate is shared with the background tasks that refresh it, so it is updated in
    # place rather than replaced.
    if isinstance(loket.gate, OpeningHours):
        loket.gate.schedule = schedule_from_config(site.hours, site.timezone)
    log.info("configuration version %s is live", version)
    return True


async def reload_site(loket: Loket) -> bool:
    """Read the stored configuration and make it live if it is newer than ours."""
    async with loket.db.read() as conn:
        stored = await stored_config(conn, loket.ids.site)
        if stored is None or stored.version <= loket.config_version:
            return False
        site = site_from_document(stored.document)
        ids = await read_ids(conn, loket.ids.site, site)
    return apply_site(loket, site, ids, stored.version)


async def store_version(conn: AsyncConnection, site_id: int, before: int, document: dict[str, Any],
                        now: datetime, user_id: int | None) -> int:
    """Store ``document`` as the version after ``before``; 0 when someone else stored first."""
    sc = t.site_configs
    result = await conn.execute(update(sc).where(sc.c.site_id == site_id,
                                                 sc.c.version == before)
                                .values(version=before + 1, document=document, updated_at=now,
                                        updated_by=user_id))
    return before + 1 if result.rowcount == 1 else 0


async def audit(conn: AsyncConnection, site_id: int, user_id: int | None, now: datetime,
                action: str, target: str, before: Any, after: Any, version: int | None) -> None:
    await conn.execute(insert(t.audit_log).values(
        site_id=site_id, user_id=user_id, action=action, at=now,
        detail={"target": target, "before": before, "after": after, "version": version}))


async def export_document(conn: AsyncConnection, file_site: Site) -> tuple[dict[str, Any], int]:
    """The live document of ``file_site``'s site and its version (the file's own document,
    version 0, for a site the database does not hold yet: what its first start would store)."""
    site_id = (await conn.execute(select(t.sites.c.id).where(t.sites.c.code == file_site.code))
               ).scalar()
    stored = None if site_id is None else await stored_config(conn, int(site_id))
    if stored is None:
        return file_site.document, 0
    return stored.document, stored.version


async def import_site(db: Any, site: Site, now: datetime, source: str) -> int:
    """Store a checked site as the next version of its live configuration, in one transaction
    with its rows, an audit row and the ``config.changed`` event; returns the new version."""
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(loket_write=True)
        async with conn.begin():
            site_id = await site_id_for(conn, site)
    async with db.write(site_id, now) as tx:
        stored = await stored_config(tx.conn, site_id, for_update=True)
        if stored is None:
            await tx.conn.execute(insert(t.site_configs).values(
                site_id=site_id, version=1, document=site.document, updated_at=now))
            version = 1
        else:
            version = await store_version(tx.conn, site_id, stored.version, site.document, now,
                                          None)
        await sync_site(tx.conn, site)
        await audit(tx.conn, site_id, None, now, "config.import", f"site:{site.code}",
                    stored.document if stored else None, site.document, version)
        tx.emit(CHANGED, TOPICS, {"version": version, "action": "config.import",
                                  "target": f"site:{site.code}", "source": source})
    return version
