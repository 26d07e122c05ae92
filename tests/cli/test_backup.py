"""``loket db backup`` copies a running SQLite database without losing an acknowledged ticket."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import start_server

CLIENTS = 16
SERVICES = ("KTP", "KK")


def _issue_until(url: str, stop: threading.Event, acknowledged: list[tuple[float, str]],
                 errors: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(2000):  # bounded in count as well as in time
            if stop.is_set():
                return
            answer = client.post("/api/v1/tickets", json={"service": SERVICES[n % 2]})
            if answer.status_code != 201:
                errors.append(answer.text)
                return
            acknowledged.append((time.monotonic(), answer.json()["ticket"]["id"]))


def test_a_backup_taken_while_16_clients_issue_holds_every_ticket_acknowledged_before_it(
        tmp_path: Path) -> None:
    db_file = tmp_path / "loket.db"
    url = f"sqlite:///{db_file}"
    target = tmp_path / "backup" / "loket-copy.db"
    target.parent.mkdir()
    acknowledged: list[tuple[float, str]] = []
    errors: list[str] = []
    stop = threading.Event()
    with start_server(url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as server:
        clients = [threading.Thread(target=_issue_until, args=(server.url, stop, acknowledged,
                                                               errors)) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            deadline = time.monotonic() + 60
            while len(acknowledged) < 100 and not errors:
                assert time.monotonic() < deadline, "no tickets were issued"
                time.sleep(0.05)
            began = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "queue_server.cli", "db", "backup", str(target),
                 "--database-url", url], capture_output=True, text=True, timeout=120)
            issued_during = sum(1 for at, _ in acknowledged if at > began)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
    assert not errors, errors[:3]
    assert done.returncode == 0, done.stderr
    assert "utuh" in done.stdout
    before = {ticket for at, ticket in acknowledged if at < began}
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = {row[0] for row in copy.execute("SELECT id FROM tickets")}
    finally:
        copy.close()
    assert before <= kept, f"{len(before - kept)} acknowledged tickets missing from the backup"
    assert issued_during > 0, "the clients should still be issuing while the backup runs"


def test_a_backup_never_overwrites_an_existing_file(tmp_path: Path, sqlite_url: str) -> None:
    url = sqlite_url
    target = tmp_path / "exists.db"
    target.write_bytes(b"an older backup")
    done = subprocess.run([sys.executable, "-m", "queue_server.cli", "db", "backup",
                           str(target), "--database-url", url], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "sudah ada" in done.stderr
    assert target.read_bytes() == b"an older backup"


def test_for_postgresql_the_backup_command_names_pg_dump(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "queue_server.cli", "db", "backup",
                           str(tmp_path / "x.dump"), "--database-url",
                           "postgresql://loket:geheim@db/loket"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pg_dump --format=custom" in done.stdout
    assert "geheim" not in done.stdout
