"""The systemd unit and the nginx block in docs/operating.md work as printed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import MONDAY_MORNING, SITE_FILE, missing
from tests.support.nginx import nginx_binary, running_nginx
from tests.support.operating_doc import block
from tests.support.servers import Server, free_port, start_server

LOKET = Path(sys.executable).parent / "loket"


def _service_settings(unit: str) -> list[tuple[str, str]]:
    section, pairs = "", []
    for line in unit.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            pairs.append((key, value))
    return pairs


def _local_unit(tmp_path: Path, port: int) -> str:
    """The documented unit with this machine's paths: the venv's loket, a scratch state folder,
    the test site and a free port."""
    return (block("ini")
            .replace("/opt/loket/.venv/bin/loket", str(LOKET))
            .replace("/var/lib/loket", str(tmp_path))
            .replace("/etc/loket/site.toml", str(SITE_FILE))
            .replace("--port 8000", f"--port {port}"))


def test_the_documented_systemd_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        missing("systemd-analyze")
    unit = tmp_path / "loket.service"
    unit.write_text(_local_unit(tmp_path, 8000))
    checked = subprocess.run([str(analyze), "verify", str(unit)], capture_output=True,
                             text=True, timeout=60)
    # verify exits 0 on values it ignores; what it says is the finding.
    problems = [line for line in checked.stderr.splitlines() if str(unit) in line
                or unit.name in line]
    assert checked.returncode == 0 and not problems, checked.stderr


def test_the_documented_unit_starts_loket(tmp_path: Path) -> None:
    port = free_port()
    settings = _service_settings(_local_unit(tmp_path, port))
    env = dict(os.environ)
    for key, value in settings:
        if key == "Environment":
            name, _, val = value.partition("=")
            env[name] = val
    env.pop("LOKET_PORT", None)
    [command] = [value for key, value in settings if key == "ExecStart"]
    [workdir] = [value for key, value in settings if key == "WorkingDirectory"]
    log = tmp_path / "unit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command.split(), cwd=workdir, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert (tmp_path / "loket-data" / "loket.db").is_file()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[tuple[str, Server]]:
    nginx_binary()
    url = f"sqlite:///{tmp_path / 'loket.db'}"
    with start_server(url, SITE_FILE, tmp_path, clock=MONDAY_MORNING) as server:
        port = free_port()
        upstream = server.url.removeprefix("http://")
        site = re.sub(r"    server 127\.0\.0\.1:800\d;\n", "", block("nginx"))
        site = (site.replace("keepalive 32;", f"server {upstream};\n    keepalive 32;")
                .replace("listen 80;", f"listen 127.0.0.1:{port};"))
        with running_nginx(site, port, tmp_path) as proxy:
            yield proxy, server


def test_the_documented_nginx_block_passes_websockets_through(
        nginx_in_front: tuple[str, Server]) -> None:
    proxy, _server = nginx_in_front
    assert httpx.get(f"http://{proxy}/healthz", timeout=10).json() == {"status": "ok"}
    with connect(f"ws://{proxy}/ws?topics=display", open_timeout=30) as ws:
        snapshot = json.loads(ws.recv(timeout=30))
        assert snapshot["type"] == "snapshot"
        issued = httpx.post(f"http://{proxy}/api/v1/tickets", json={"service": "KTP"},
                            timeout=30)
        assert issued.status_code == 201, issued.text
        deadline = time.monotonic() + 30
        while True:
            event = json.loads(ws.recv(timeout=30))
            if event.get("type") == "ticket.issued":
                break
            assert time.monotonic() < deadline
