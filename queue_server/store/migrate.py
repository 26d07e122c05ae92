"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
    """Apply migrations. Alembic's env runs its own event loop, so it gets a thread of its
    own: callers that already run a loop (async code, Playwright's sync API) work too."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()

