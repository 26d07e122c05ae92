"""The booked visitor an officer sees on calling their ticket: name, booking code and slot.
Only in the answer to that counter, never on a topic."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.store import tables as t


async def booked_visitors(conn: AsyncConnection, site_id: int, ticket_ids: Collection[str]
                          ) -> dict[str, dict[str, Any]]:
    """Ticket id → its visitor, for those of ``ticket_ids`` that a booking checked in."""
    if not ticket_ids:
        return {}
    b = t.bookings
    rows = (await conn.execute(select(b.c.ticket_id, b.c.name, b.c.code, b.c.slot).where(
        b.c.site_id == site_id, b.c.ticket_id.in_(ticket_ids)))).all()
    return {row.ticket_id: {"name": row.name, "booking": row.code, "slot": row.slot}
            for row in rows}
