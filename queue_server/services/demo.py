"""The demo's published accounts: created by ``loket serve --demo``, refused by a real server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.services.access import Role
from queue_server.services.staff import add_user
from queue_server.store import tables as t

#: Printed by ``loket serve --demo`` and in the README, so known to everyone.
DEMO_PASSWORD = "loket-demo"
DEMO_USERS = (*(f"petugas{i}" for i in range(1, 6)), "supervisor", "admin")


async def ensure_demo_accounts(conn: AsyncConnection, site_id: int, now: datetime) -> None:
    """Create whichever demo account is missing (officers petugas1…5, supervisor, admin)."""
    existing = set((await conn.execute(select(t.users.c.username).where(
        t.users.c.site_id == site_id))).scalars())
    for name in DEMO_USERS:
        if name in existing:
            continue
        role = Role.OFFICER if name.startswith("petugas") else Role(name)
        await add_user(conn, site_id, name, DEMO_PASSWORD, role, now,
                       full_name=name.replace("petugas", "Petugas ").title(),
                       check_password=False)
