"""Servers for lobby tests (display, kiosk) that may start after Chromium is already open."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from queue_server.site import DEMO_SITE, load_site
from tests.support.staff import add_users, sign_in


def migrated(tmp_path: Path) -> str:
    """A fresh SQLite database. Alembic runs its own event loop, and Playwright's sync API
    already has one running in this thread, so migrate in another thread."""
    from queue_server.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'loket.db'}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(upgrade, url).result()
    return url


def open_counters(base_url: str, database_url: str, codes: list[str],
                  site_file: Path = DEMO_SITE) -> dict[str, dict[str, str]]:
    """Sign one officer in at each counter (which opens it) → Bearer headers per counter."""
    add_users(database_url, site_file, {f"o-{code.lower()}": "officer" for code in codes})
    return {code: sign_in(base_url, f"o-{code.lower()}", code) for code in codes}


def counter_numbers(site_file: Path = DEMO_SITE) -> dict[str, int]:
    return {c.code: c.number for c in load_site(site_file).counters}


def issue(base_url: str, service: str) -> dict[str, object]:
    answer = httpx.post(f"{base_url}/api/v1/tickets", json={"service": service}, timeout=10)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, object] = answer.json()["ticket"]
    return ticket
