"""``loket config export`` writes the live configuration as a site file that ``config check``
accepts, and ``config import`` (the same check first) makes a file live: the round trip gives
the same site."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from queue_server.cli import main
from queue_server.settings import Settings
from queue_server.site import load_site
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import PASSWORD, add_users


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    url = sqlite_url
    add_users(url, SITE_FILE, {"admin1": "admin"})
    return url


def _cli(*args: str) -> int:
    return main(list(args))


def _export(db_url: str, out: Path) -> Path:
    assert _cli("config", "export", "--database-url", db_url, "--config", str(SITE_FILE),
                "-o", str(out)) == 0
    return out


def _app(db_url: str) -> TestClient:
    return TestClient(create_app(Settings.from_env(database_url=db_url, site_file=SITE_FILE,
                                                   clock_start=MONDAY_MORNING)))


def _service_names(client: TestClient) -> dict[str, str]:
    data = client.get("/api/v1/services").json()
    return {s["code"]: s["name"] for a in data["agencies"] for s in a["services"]}


def test_export_of_a_new_database_is_the_seed_and_passes_the_check(
        db_url: str, tmp_path: Path) -> None:
    out = _export(db_url, tmp_path / "export.toml")
    assert out.read_text(encoding="utf-8").startswith("# Loket: konfigurasi situs uji, versi 0")
    assert _cli("config", "check", str(out)) == 0
    assert load_site(out).document == load_site(SITE_FILE).document


def test_an_admin_edit_round_trips_through_export_and_import(db_url: str,
                                                              tmp_path: Path) -> None:
    with _app(db_url) as client:
        token = client.post("/api/v1/session", json={
            "username": "admin1", "password": PASSWORD, "counter": None}).json()["token"]
        answer = client.put("/api/v1/admin/services/PINDAH", json={
            "agency": "DUKCAPIL", "name": "Surat Pindah", "persyaratan": ["KTP-el"]},
            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
    first = _export(db_url, tmp_path / "first.toml")
    assert "versi 2" in first.read_text(encoding="utf-8").splitlines()[0]
    assert _cli("config", "check", str(first)) == 0
    assert 'code = "PINDAH"' in first.read_text(encoding="utf-8")

    # The office edits the exported file and loads it back.
    edited = tmp_path / "edited.toml"
    edited.write_text(first.read_text(encoding="utf-8").replace('"Surat Pindah"',
                                                                '"Surat Pindah Datang"'),
                      encoding="utf-8")
    assert _cli("config", "import", "--database-url", db_url, "--config", str(SITE_FILE),
                str(edited)) == 0
    second = _export(db_url, tmp_path / "second.toml")
    assert "versi 3" in second.read_text(encoding="utf-8").splitlines()[0]
    assert load_site(second).document == load_site(edited).document
    with _app(db_url) as client:
        assert _service_names(client)["PINDAH"] == "Surat Pindah Datang"
        audit = client.get("/api/v1/admin/audit", headers={"Authorization": "Bearer " + (
            client.post("/api/v1/session", json={"username": "admin1", "password": PASSWORD,
                                                 "counter": None}).json()["token"])})
        actions = [e["action"] for e in audit.json()["entries"]]
        assert actions[:2] == ["config.import", "service.put"]


def test_an_invalid_file_is_not_imported(db_url: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(SITE_FILE.read_text(encoding="utf-8").replace(
        'services = ["NPWP"]', 'services = ["NPWP", "SIM"]'), encoding="utf-8")
    assert _cli("config", "import", "--database-url", db_url, "--config", str(SITE_FILE),
                str(broken)) == 1
    err = capsys.readouterr().err
    assert "agencies[1].counters[0].services[1]" in err and "SIM" in err
    out = _export(db_url, tmp_path / "after.toml")
    assert "versi 0" in out.read_text(encoding="utf-8").splitlines()[0]
