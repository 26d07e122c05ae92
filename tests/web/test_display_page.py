"""The lobby TV's HTTP surface: the page, its opening status and its voice pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE


def test_the_display_page_carries_voice_and_paging_settings(client: TestClient) -> None:
    page = client.get("/display?sound=on&repeat=1&page_s=5")
    assert page.status_code == 200
    assert 'data-sound="on"' in page.text and 'data-repeat="1"' in page.text
    assert 'data-page-s="5"' in page.text and 'data-pause-ms="400"' in page.text
    assert "Senin\u2013Kamis" in page.text  # the weekly hours, ready for a closed day
    defaults = client.get("/display?repeat=9&page_s=x").text
    assert 'data-repeat="2"' in defaults and 'data-page-s="8"' in defaults


def test_an_agency_screen_and_a_bad_agency(client: TestClient) -> None:
    page = client.get("/display?agency=DUKCAPIL")
    assert page.status_code == 200 and 'data-agency="DUKCAPIL"' in page.text
    assert client.get("/display?agency=NOPE").status_code == 422


def test_on_a_working_morning_the_lobby_is_open(client: TestClient) -> None:
    assert client.get("/display/status").json() == {"open": True, "reason": "open"}


def test_the_voice_manifest_points_at_clips_the_server_serves(client: TestClient) -> None:
    manifest = client.get("/display/voice/manifest.json").json()
    assert manifest["clips"]["dua"] == "/display/voice/dua.mp3"
    clip = client.get(manifest["clips"]["silakan_menuju_loket"])
    assert clip.status_code == 200 and clip.content[:2] == b"\xff\xf3"  # an MPEG audio frame
    assert client.get("/display/voice/manifest.json.bak").status_code == 404
    assert client.get("/display/voice/..%2F..%2Fpyproject.toml").status_code == 404


def test_the_kiosk_status_says_open(client: TestClient) -> None:
    assert client.get("/kiosk/api/status").json()["open"] is True


def test_the_kiosk_ignores_the_browser_language(client: TestClient) -> None:
    page = client.get("/kiosk", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="id" ' in page.text


def test_a_broken_voice_pack_falls_back_to_the_bundled_one(app_db: str, tmp_path: Path,
                                                           caplog: Any) -> None:
    site = tmp_path / "site.toml"
    site.write_text(SITE_FILE.read_text() + '\n[voice]\npack = "suara-kosong"\n')
    (tmp_path / "suara-kosong").mkdir()
    settings = Settings.from_env(database_url=app_db, site_file=site,
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)) as client:
        manifest = client.get("/display/voice/manifest.json").json()
    assert manifest["name"].startswith("espeak-ng")
    assert "suara-kosong" in caplog.text
