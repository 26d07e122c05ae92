"""Bring the structural rows (site, agencies, services, counters) in line with the site file.

The file is the source of truth for structure; rows are never deleted (tickets point at them),
only marked inactive when they leave the file.
"""

from __future__ import annotations

from sqlalchemy import delete, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from queue_server.site import Site
from queue_server.store import tables as t


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


async def _upsert(conn: AsyncConnection, table: t.Table, key: dict[str, object],
                  values: dict[str, object]) -> int:
    """Insert or update in one statement: two servers starting together on a fresh database
    both reach here, and a select-then-insert lets both insert (a unique violation)."""
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = dialect_insert(table).values(**key, **values)
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=values)
    return int((await conn.execute(stmt.returning(table.c.id))).scalar_one())


async def sync_site(conn: AsyncConnection, site: Site) -> Ids:
    site_id = await _upsert(conn, t.sites, {"code": site.code},
                            {"name": site.name, "timezone": site.timezone})
    agencies: dict[str, int] = {}
    services: dict[str, int] = {}
    for agency in site.agencies:
        agencies[agency.code] = await _upsert(
            conn, t.agencies, {"site_id": site_id, "code": agency.code},
            {"name": agency.name, "short_name": agency.short_name, "kind": agency.kind,
             "queue": agency.queue, "active": True})
        for s in agency.services:
            services[s.code] = await _upsert(
                conn, t.services, {"site_id": site_id, "code": s.code},
                {"agency_id": agencies[agency.code], "name": s.name, "name_en": s.name_en,
                 "queue": s.queue, "daily_quota": s.daily_quota, "target_wait_s": s.target_wait_s,
                 "service_s": s.service_s, "standard": s.standard, "active": True})
    counters: dict[str, int] = {}
    for c in site.counters:
        counters[c.code] = await _upsert(
            conn, t.counters, {"site_id": site_id, "code": c.code},
            {"agency_id": agencies.get(c.agency) if c.agency else None, "number": c.number,
             "name": c.name, "priority_only": c.priority_only, "active": True})
    for table, ids in ((t.agencies, agencies), (t.services, services), (t.counters, counters)):
        await conn.execute(update(table).where(table.c.site_id == site_id,
                                               table.c.id.not_in(list(ids.values())))
                           .values(active=False))
    links = [{"counter_id": counters[c.code], "service_id": services[s]}
             for c in site.counters for s in c.services]
    cs = t.counter_services
    kept = [(link["counter_id"], link["service_id"]) for link in links]
    stale = cs.c.counter_id.in_(list(counters.values()))
    if kept:
        stale &= tuple_(cs.c.counter_id, cs.c.service_id).not_in(kept)
    await conn.execute(delete(cs).where(stale))
    if links:
        dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        await conn.execute(dialect_insert(cs).on_conflict_do_nothing(), links)
    return Ids(site_id, agencies, services, counters)


async def sync_site_at_start(engine: AsyncEngine, site: Site) -> Ids:
    """``sync_site`` in a transaction that writes from its first statement (SQLite
    ``BEGIN IMMEDIATE``), so a second process starting at the same moment waits its turn."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(loket_write=True)
        async with conn.begin():
            return await sync_site(conn, site)
