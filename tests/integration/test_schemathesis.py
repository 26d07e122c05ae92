"""A bounded schemathesis run (its CLI, as CI would run it) against a real server: no server
error, no answer outside the schema, 405 with Allow, schema-valid requests not refused with
400/422 and schema-violating ones refused; anonymous, then as a supervisor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from queue_server.store.migrate import upgrade
from tests.conftest import FIXTURES, MONDAY_MORNING, SITE_FILE
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

#: Examples per operation: enough to find what the audit found, small enough for CI.
EXAMPLES = 15
CONFIG = FIXTURES / "schemathesis.toml"


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{folder / 'loket.db'}"
    upgrade(url)
    add_users(url, SITE_FILE, {"kepala": "supervisor"})
    with start_server(url, SITE_FILE, folder, clock=MONDAY_MORNING) as server:
        yield server


def _schemathesis(server: Server, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a test dependency (pip install -e '.[test]')"
    return subprocess.run(
        [command, "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
         "--max-examples", str(EXAMPLES), "--seed", "11", "--workers", "1",
         "--request-timeout", "60", *extra],
        cwd=workdir, capture_output=True, text=True, timeout=900)


def _secured(server: Server) -> list[str]:
    """``METHOD /path`` of every operation that needs a session."""
    doc = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    return [f"{method.upper()} {path}" for path, item in doc["paths"].items()
            for method, op in item.items() if isinstance(op, dict) and op.get("security")]


def test_schemathesis_finds_nothing_as_an_anonymous_client(api_server: Server,
                                                            tmp_path: Path) -> None:
    # Without a session the secured operations can only answer 401 (schemathesis says so
    # itself); the supervisor run below fuzzes them, and tests/web/test_openapi.py checks
    # each one's anonymous 401 against the document. Here: the public operations.
    secured = _secured(api_server)
    assert len(secured) >= 30
    result = _schemathesis(api_server, tmp_path,
                           *(arg for name in secured for arg in ("--exclude-name", name)))
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def test_schemathesis_finds_nothing_as_a_supervisor(api_server: Server, tmp_path: Path) -> None:
    headers = sign_in(api_server.url, "kepala", None)
    result = _schemathesis(api_server, tmp_path, "-H",
                           f"Authorization: {headers['Authorization']}",
                           # signing out would end the run's own session half-way
                           "--exclude-name", "DELETE /api/v1/session")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
