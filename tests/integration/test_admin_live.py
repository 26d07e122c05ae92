"""An edit made through one server process is live on another, without a restart: through
PostgreSQL NOTIFY and the event feed, or (SQLite) the feed's poll of the events table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import start_server
from tests.support.staff import add_users, sign_in
from tests.support.waiting import wait_until


def _services(base: str) -> dict[str, dict[str, Any]]:
    data = httpx.get(f"{base}/api/v1/services", timeout=10).json()
    return {s["code"]: s for a in data["agencies"] for s in a["services"]}


def test_an_edit_on_one_process_is_live_on_the_other(database_url: str, tmp_path: Path) -> None:
    add_users(database_url, SITE_FILE, {"admin1": "admin", "siti": "officer"})
    with start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as a, \
            start_server(database_url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as b:
        admin = sign_in(a.url, "admin1", None)
        made = httpx.put(f"{a.url}/api/v1/admin/services/PINDAH", headers=admin, timeout=10,
                         json={"agency": "DUKCAPIL", "name": "Surat Pindah"})
        assert made.status_code == 201, made.text
        assigned = httpx.put(f"{a.url}/api/v1/admin/counters/A3", headers=admin, timeout=10,
                             json={"services": ["PINDAH", "KTP"]})
        assert assigned.status_code == 200, assigned.text

        wait_until(lambda: "PINDAH" in _services(b.url), what="the new service on B")
        ticket = httpx.post(f"{b.url}/api/v1/tickets", json={"service": "PINDAH"}, timeout=10)
        assert ticket.status_code == 201, ticket.text
        officer = sign_in(b.url, "siti", "A3")

        def call() -> httpx.Response | None:
            answer = httpx.post(f"{b.url}/api/v1/counters/A3/call", headers=officer, timeout=10)
            return answer if answer.status_code == 200 else None

        called = wait_until(call, what="A3 on B calls the new service")
        assert called.json()["ticket"]["id"] == ticket.json()["ticket"]["id"]

        # And back the other way: B switches the service off, A stops offering it.
        off = httpx.put(f"{b.url}/api/v1/admin/services/PINDAH", headers=sign_in(
            b.url, "admin1", None), json={"active": False}, timeout=10)
        assert off.status_code == 200, off.text
        wait_until(lambda: "PINDAH" not in _services(a.url), what="the service gone on A")
