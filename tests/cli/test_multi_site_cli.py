"""``loket serve`` takes several site files: repeated ``--config`` or ``--sites DIR``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from queue_server.cli import _settings, parser
from queue_server.settings import SettingsError
from queue_server.site import DEMO_SITE, load_site
from tests.conftest import FIXTURES, SITE_FILE

EXAMPLE = DEMO_SITE.parent / "contoh_kraksaan.toml"


def test_repeated_config_makes_the_first_the_default_site() -> None:
    args = parser().parse_args(
        ["serve", "--config", str(SITE_FILE), "--config", str(FIXTURES / "site_b.toml")])
    settings = _settings(args)
    assert settings.site_file == SITE_FILE
    assert settings.more_site_files == (FIXTURES / "site_b.toml",)


def test_a_sites_folder_serves_every_site_file_in_name_order(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "site_b.toml", tmp_path / "b.toml")
    shutil.copy(SITE_FILE, tmp_path / "a.toml")
    settings = _settings(parser().parse_args(["serve", "--sites", str(tmp_path)]))
    assert settings.site_file == tmp_path / "a.toml"
    assert settings.more_site_files == (tmp_path / "b.toml",)


def test_a_missing_sites_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        _settings(parser().parse_args(["serve", "--sites", str(tmp_path / "none")]))


def test_the_example_neighbouring_mpp_is_a_valid_site_of_its_own() -> None:
    example = load_site(EXAMPLE)
    assert example.code == "kraksaan" and example.code != load_site(DEMO_SITE).code
    assert "contoh" in example.name.lower()
