"""An edit made through one server process is live on another, without a restart: through
PostgreSQL NOTIFY and the event feed, or (SQLite) the feed's poll of the events table."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import start_server
from tests.support.staff import add_users, sign_in


def _wait_for(what: str, check: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout_s}s: {what}")
        time.sleep(0.2)


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

        _wait_for("the new service on B", lambda: "PINDAH" in _services(b.url))
        ticket = httpx.post(f"{b.url}/api/v1/tickets", json={"service": "PINDAH"}, timeout=10)
        assert ticket.status_code == 201, ticket.text
        officer = sign_in(b.url, "siti", "A3")

        def call() -> httpx.Response | None:
            answer = httpx.post(f"{b.url}/api/v1/counters/A3/call", headers=officer, timeout=10)
            return answer if answer.status_code == 200 else None

        called = _wait_for("A3 on B calls the new service", call)
        assert called.json()["ticket"]["id"] == ticket.json()["ticket"]["id"]

        # And back the other way: B switches the service off, A stops offering it.
        off = httpx.put(f"{b.url}/api/v1/admin/services/PINDAH", headers=sign_in(
            b.url, "admin1", None), json={"active": False}, timeout=10)
        assert off.status_code == 200, off.text
        _wait_for("the service gone on A", lambda: "PINDAH" not in _services(a.url))
