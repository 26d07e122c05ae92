"""``loket config check`` and ``loket serve`` give the same answer about a site file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from queue_server.cli import main
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.servers import start_server

SITE = SITE_FILE.read_text(encoding="utf-8")
# The three edits of the issue: reversed, past midnight, without minutes.
BROKEN = (SITE.replace('monday = "08:00-14:00"', 'monday = "14:00-08:00"')
          .replace('tuesday = "08:00-14:00"', 'tuesday = "08:00-25:00"')
          .replace('friday = "08:00-11:00"', 'friday = "8-11"'))
# NPWP loses its only counter: allowed, with a warning.
UNSERVED = SITE.replace('services = ["NPWP"]', 'services = ["JKN"]')


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_lists_every_error_with_field_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert BROKEN != SITE
    assert main(["config", "check", str(write(tmp_path, BROKEN))]) == 1
    err = capsys.readouterr().err
    assert "3 kesalahan" in err
    for field, line in (("hours.monday", 12), ("hours.tuesday", 13), ("hours.friday", 16)):
        assert f"{field} (baris {line})" in err


def test_config_check_speaks_english_on_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--lang", "en", str(write(tmp_path, BROKEN))]) == 1
    err = capsys.readouterr().err
    assert "3 error(s)" in err and "hours.monday (line 12)" in err
    assert "the opening time must be before the closing time" in err


def test_warnings_pass_the_check_but_fail_it_when_strict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, UNSERVED)
    assert main(["config", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 peringatan" in out and "agencies[1].services[0].code" in out and "OK:" in out
    assert main(["config", "check", "--strict", str(path)]) == 1
    err = capsys.readouterr().err
    assert "--strict" in err and "1 kesalahan" in err and "'NPWP'" in err


def test_a_clean_file_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--strict", str(SITE_FILE)]) == 0
    assert capsys.readouterr().out.startswith("OK: MPP Uji — 3 instansi, 5 layanan")


def test_serve_refuses_an_invalid_site_file_with_the_same_list_and_no_traceback(
        tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)
    database = tmp_path / "loket.db"
    done = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "serve", "--port", "0", "--config", str(path),
         "--database-url", f"sqlite:///{database}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    for field, line in (("hours.monday", 12), ("hours.tuesday", 13), ("hours.friday", 16)):
        assert f"{field} (baris {line})" in done.stderr
    assert not database.exists()  # refused before the database was touched


def test_serve_starts_with_warnings_and_says_them(database_url: str, tmp_path: Path) -> None:
    with start_server(database_url, write(tmp_path, UNSERVED), tmp_path, clock=MONDAY_MORNING,
                      timeout_s=90) as server:
        assert httpx.get(f"{server.url}/healthz", timeout=10).json() == {"status": "ok"}
        assert "peringatan: agencies[1].services[0].code" in server.output()
