"""A real site is not the demo: demo passwords stop ``loket serve``, weak passwords are refused."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from queue_server import cli
from queue_server.services import staff
from queue_server.settings import Settings
from queue_server.store import tables as t
from queue_server.store.db import create_engine
from queue_server.web.app import create_app
from tests.support.servers import start_server
from tests.support.staff import CHEAP_HASHER

GOOD = "kopi-pagi-di-mayangan"


def run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(argv)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """What these tests prove (which passwords stop ``serve``, which are refused) does not
    depend on argon2's cost: the accounts made here (demo, ``user add``, ``user passwd``)
    are hashed cheaply, like every test account, and checking them is cheap too since a
    hash carries its parameters. The real server keeps production cost."""
    monkeypatch.setattr(staff, "HASHER", CHEAP_HASHER)
    kwdefaults = staff.add_user.__kwdefaults__
    assert kwdefaults is not None and "hasher" in kwdefaults
    monkeypatch.setitem(kwdefaults, "hasher", CHEAP_HASHER)


@pytest.fixture
def demo_database(sqlite_url: str) -> str:
    """A database that a demo ran on: the published demo accounts exist."""
    url = sqlite_url
    settings = Settings.from_env(database_url=url, demo=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    return url


def test_serve_refuses_while_demo_passwords_remain_and_names_the_fix(
        demo_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--database-url", demo_database]) == 1
    err = capsys.readouterr().err
    for name in cli.DEMO_USERS:
        assert f"loket user passwd {name}" in err


def test_serve_starts_once_every_demo_password_is_changed(
        demo_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name in cli.DEMO_USERS[:-1]:
        assert run(["user", "passwd", name, "--password-stdin", "--database-url",
                    demo_database], GOOD + "\n", monkeypatch) == 0
    assert cli.main(["serve", "--database-url", demo_database]) == 1
    assert "loket user passwd admin" in capsys.readouterr().err
    assert run(["user", "passwd", "admin", "--password-stdin", "--database-url",
                demo_database], GOOD + "\n", monkeypatch) == 0
    with start_server(demo_database, cli.DEMO_SITE, tmp_path) as server:
        assert server.process.poll() is None


@pytest.mark.parametrize(("password", "says"), [
    ("rahasia", "minimal 10 karakter"),
    ("loket-demo", "terlalu umum"),
    ("Password123", "terlalu umum"),
    ("siti.rahma", "sama dengan nama pengguna"),
])
def test_weak_passwords_are_refused_by_user_add_and_passwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        password: str, says: str) -> None:
    url = f"sqlite:///{tmp_path / 'loket.db'}"
    assert run(["user", "add", "siti.rahma", "--role", "officer", "--password-stdin",
                "--database-url", url], password + "\n", monkeypatch) == 1
    assert says in capsys.readouterr().err
    assert _usernames(url) == []
    assert run(["user", "add", "siti.rahma", "--role", "officer", "--password-stdin",
                "--database-url", url], GOOD + "\n", monkeypatch) == 0
    before = _password_hash(url, "siti.rahma")
    assert run(["user", "passwd", "siti.rahma", "--password-stdin", "--database-url", url],
               password + "\n", monkeypatch) == 1
    assert says in capsys.readouterr().err
    assert _password_hash(url, "siti.rahma") == before


def test_passwd_for_an_unknown_user_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'loket.db'}"
    assert run(["user", "passwd", "nobody", "--password-stdin", "--database-url", url],
               GOOD + "\n", monkeypatch) == 1
    assert "tidak dikenal" in capsys.readouterr().err


def test_serving_beyond_loopback_without_public_url_warns_about_qr_codes(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'loket.db'}"
    with start_server(url, cli.DEMO_SITE, tmp_path, host="0.0.0.0") as server:
        assert "--public-url" in server.output()


def _rows(url: str, query: object) -> list[object]:
    async def fetch() -> list[object]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(query)).scalars())  # type: ignore[call-overload]
        finally:
            await engine.dispose()
    return asyncio.run(fetch())


def _usernames(url: str) -> list[object]:
    return _rows(url, select(t.users.c.username))


def _password_hash(url: str, name: str) -> object:
    return _rows(url, select(t.users.c.password_hash).where(t.users.c.username == name))[0]
