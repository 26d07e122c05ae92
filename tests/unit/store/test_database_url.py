"""The PostgreSQL driver is optional: nothing needs it until a PostgreSQL URL is used."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from queue_server.cli import main
from queue_server.store import db


def test_the_server_and_the_cli_load_without_asyncpg() -> None:
    code = ("import sys; import queue_server.cli, queue_server.web.app; "
            "print('asyncpg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_postgresql_url_without_asyncpg_says_which_extra_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def without_asyncpg(name: str, *args: object) -> object:
        return None if name == "asyncpg" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(db.importlib.util, "find_spec", without_asyncpg)
    with pytest.raises(db.DatabaseUrlError, match=r"pip install 'loket\[postgres\]'"):
        db.async_url("postgresql://loket@db/loket")


def test_the_cli_answers_a_missing_driver_with_one_sentence(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(db.importlib.util, "find_spec", lambda name, *a: None)
    assert main(["db", "upgrade", "--database-url", "postgresql://loket@db/loket"]) == 2
    err = capsys.readouterr().err
    assert "loket[postgres]" in err
    assert "Traceback" not in err


def test_an_unsupported_database_is_named() -> None:
    with pytest.raises(db.DatabaseUrlError, match="mysql"):
        db.async_url("mysql://root@localhost/loket")
