"""Bring the structural rows (site, agencies, services, counters) in line with the site file.

The file is the source of truth for structure; rows are never deleted (tickets point at them),
only marked inactive when they leave the file.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.site import Site
from queue_server.store import tables as t
from queue_server.store.dialect import upsert


class Ids:
    """Database ids of the site's structure, looked up once at start-up."""

    def __init__(self, site: int, agencies: dict[str, int], services: dict[str, int],
                 counters: dict[str, int]) -> None:
        self.site = site
        self.agencies = agencies
        self.services = services
        self.counters = counters
        self.service_codes = {v: k for k, v in services.items()}
        self.counter_codes = {v: k for k, v in counters.items()}


#: Rows per statement: far under SQLite's limit on bound parameters, even for wide rows.
_CHUNK = 500


async def _upsert(conn: AsyncConnection, table: Table, key: tuple[str, ...],
                  rows: list[dict[str, object]]) -> dict[str, int]:
    """Insert or update ``rows`` (each holding ``key`` and its values) in a few statements and
    return their ids by code. One statement per chunk rather than per row: start-up syncs
    a few hundred rows, and every statement is a hop to the driver. ``ON CONFLICT`` keeps two
    servers starting together on a fresh database from both inserting (a unique violation)."""
    ids: dict[str, int] = {}
    for first in range(0, len(rows), _CHUNK):
        chunk = rows[first:first + _CHUNK]
        stmt = upsert(conn, table, chunk, key=key,
                      update=[name for name in chunk[0] if name not in key])
        result = await conn.execute(stmt.returning(table.c.code, table.c.id))
        ids.update({str(code): int(row_id) for code, row_id in result.all()})
    return ids


async def sync_site(conn: AsyncConnection, site: Site) -> Ids:
    site_key = ("code",)
    site_id = (await _upsert(conn, t.sites, site_key, [
        {"code": site.code, "name": site.name, "timezone": site.timezone}]))[site.code]
    key = ("site_id", "code")
    agencies = await _upsert(conn, t.agencies, key, [
        {"site_id": site_id, "code": a.code, "name": a.name, "short_name": a.short_name,
         "kind": a.kind, "queue": a.queue, "active": True} for a in site.agencies])
    services = await _upsert(conn, t.services, key, [
        {"site_id": site_id, "code": s.code, "agency_id": agencies[a.code], "name": s.name,
         "name_en": s.name_en, "queue": s.queue, "daily_quota": s.daily_quota,
         "target_wait_s": s.target_wait_s, "service_s": s.service_s, "standard": s.standard,
         "active": True} for a in site.agencies for s in a.services])
    counters = await _upsert(conn, t.counters, key, [
        {"site_id": site_id, "code": c.code,
         "agency_id": agencies.get(c.agency) if c.agency else None, "number": c.number,
         "name": c.name, "priority_only": c.priority_only, "active": True}
        for c in site.counters])
    for table, ids in ((t.agencies, agencies), (t.services, services), (t.counters, counters)):
        await conn.execute(update(table).where(table.c.site_id == site_id,
                                               table.c.id.not_in(list(ids.values())))
                           .values(active=False))
    links = [{"counter_id": counters[c.code], "service_id": services[s]}
             for c in site.counters for s in c.services]
    cs = t.counter_services
    kept = [(link["counter_id"], link["service_id"]) for link in links]
    stale = [cs.c.counter_id.in_(list(counters.values()))]
    if kept:
        stale.append(tuple_(cs.c.counter_id, cs.c.service_id).not_in(kept))
    await conn.execute(delete(cs).where(*stale))
    if links:
        await conn.execute(upsert(conn, cs, None, key=["counter_id", "service_id"]), links)
    return Ids(site_id, agencies, services, counters)
