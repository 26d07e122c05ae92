"""What a server does at start-up (migrate, then sync the site), as a separate process for
tests that start several at once. ``python -m tests.support.fresh_start URL DIR NAME PEERS``:
waits for ``DIR/go``, migrates, writes ``DIR/NAME.migrated``, waits until ``PEERS`` such files
exist, then opens the demo site as ``create_app`` does."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from queue_server.services.admin_config import open_site_at_start
from queue_server.site import DEMO_SITE, load_site
from queue_server.store.db import create_engine
from queue_server.store.migrate import upgrade

WAIT_S = 120.0


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.01)


async def _sync(url: str) -> None:
    engine = create_engine(url)
    try:
        # what create_app does: seed the stored configuration once, sync its rows
        await open_site_at_start(engine, load_site(DEMO_SITE), datetime.now(UTC))
    finally:
        await engine.dispose()


def main(url: str, folder: str, name: str, peers: str) -> None:
    where = Path(folder)
    _wait_for(lambda: (where / "go").exists(), "go")
    upgrade(url)
    (where / f"{name}.migrated").touch()
    _wait_for(lambda: len(list(where.glob("*.migrated"))) >= int(peers), "peers")
    asyncio.run(_sync(url))


if __name__ == "__main__":
    main(*sys.argv[1:5])
