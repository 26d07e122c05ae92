"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from queue_server.store.db import async_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str | None) -> None:
    """From inside a running loop: Alembic's env runs its own loop, so give it a thread."""
    await asyncio.to_thread(upgrade, url)
