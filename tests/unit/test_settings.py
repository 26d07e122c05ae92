"""Settings parsed once: the reverse proxy's path prefix."""

from __future__ import annotations

import pytest

from queue_server.settings import Settings, SettingsError


def test_the_root_path_is_empty_unless_given_and_loses_a_trailing_slash(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOKET_ROOT_PATH", raising=False)
    assert Settings.from_env().root_path == ""
    monkeypatch.setenv("LOKET_ROOT_PATH", "/layanan/antrean/")
    assert Settings.from_env().root_path == "/layanan/antrean"
    assert Settings.from_env(root_path="/antrean").root_path == "/antrean"


@pytest.mark.parametrize("bad", ["antrean", "/antrean?x=1", "/an trean", '/"><script>'])
def test_a_root_path_that_is_not_a_plain_path_stops_the_start(bad: str) -> None:
    with pytest.raises(SettingsError, match="root-path"):
        Settings.from_env(root_path=bad)
