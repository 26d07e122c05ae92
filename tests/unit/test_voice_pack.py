from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from queue_server.domain.speech import CLIP_NAMES
from queue_server.site import parse_site
from queue_server.voice_pack import DEFAULT_PACK, VoicePackInvalid, load_pack
from tests.conftest import SITE_FILE


def test_the_bundled_pack_has_every_clip_the_announcer_may_ask_for() -> None:
    pack = load_pack(None)
    assert pack.folder == DEFAULT_PACK
    assert set(pack.clips) == CLIP_NAMES
    assert pack.file("dua.mp3") == DEFAULT_PACK / "dua.mp3"


def test_a_pack_serves_only_the_files_its_manifest_lists() -> None:
    pack = load_pack(None)
    assert pack.file("manifest.json") is None
    assert pack.file("../../queue_server/site.py") is None
    assert pack.file("generate_clips.py") is None


def test_a_pack_missing_a_clip_is_refused_with_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "suara"
    shutil.copytree(DEFAULT_PACK, folder)
    (folder / "belas.mp3").unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["clips"]["huruf_q"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VoicePackInvalid) as error:
        load_pack(folder)
    assert "belas: berkas belas.mp3 tidak ditemukan" in str(error.value)
    assert "huruf_q: belum ada" in str(error.value)


def test_a_pack_may_name_its_own_files(tmp_path: Path) -> None:
    folder = tmp_path / "rekaman"
    folder.mkdir()
    clips = {}
    for name in CLIP_NAMES:
        (folder / f"{name}-v2.ogg").write_bytes(b"OggS")
        clips[name] = f"{name}-v2.ogg"
    (folder / "manifest.json").write_text(json.dumps(
        {"format": 1, "name": "Suara petugas", "clips": clips}))
    pack = load_pack(folder)
    assert pack.name == "Suara petugas"
    assert pack.clips["dua"] == "dua-v2.ogg"


def test_voice_settings_come_from_the_site_file_with_checks() -> None:
    text = SITE_FILE.read_text()
    assert parse_site(text).voice.repeat == 2
    site = parse_site(text + '\n[voice]\nrepeat = 1\npause_ms = 300\npack = "suara"\n')
    assert (site.voice.repeat, site.voice.pause_ms, site.voice.pack) == (1, 300, "suara")
    with pytest.raises(Exception) as error:
        parse_site(text + "\n[voice]\nrepeat = 5\n")
    assert "voice.repeat" in str(error.value)
