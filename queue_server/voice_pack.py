"""Voice packs: a folder of announcement clips with a ``manifest.json`` (docs/voice.md).

The bundled pack (espeak-ng, ``display_ui/static/voice/``) is the default; an office points
``[voice] pack`` in its site file at a folder of its own recordings. A pack is checked when the
server starts, so a missing clip is a clear error at start-up, not a silent word in the lobby.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from queue_server.domain.speech import CLIP_NAMES

DEFAULT_PACK = Path(__file__).resolve().parents[1] / "display_ui" / "static" / "voice"
MANIFEST = "manifest.json"
#: Browsers decode these with Web Audio everywhere we run (Chromium, Firefox).
_FILE = re.compile(r"^[A-Za-z0-9_.-]{1,64}\.(mp3|ogg|opus|wav|m4a)\Z")


class VoicePackInvalid(ValueError):
    pass


@dataclass(frozen=True)
class VoicePack:
    folder: Path
    name: str
    clips: dict[str, str]  # clip name → file name inside ``folder``

    def file(self, name: str) -> Path | None:
        """The path of a file of this pack, or ``None`` for anything it does not list."""
        if name == MANIFEST or name not in self.clips.values():
            return None
        return self.folder / name


def load_pack(folder: Path | str | None) -> VoicePack:
    """Read and check a pack: every clip the announcer may ask for must be there."""
    root = Path(folder) if folder else DEFAULT_PACK
    where = root / MANIFEST
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoicePackInvalid(f"{where}: tidak dapat dibaca ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise VoicePackInvalid(f'{where}: harus objek JSON dengan "format": 1')
    clips = data.get("clips")
    if not isinstance(clips, dict):
        raise VoicePackInvalid(f'{where}: "clips" harus objek nama klip → berkas')
    problems = []
    for name in sorted(CLIP_NAMES):
        file = clips.get(name)
        if not isinstance(file, str) or not _FILE.match(file):
            problems.append(f"{name}: belum ada (atau nama berkas tidak sah)")
        elif not (root / file).is_file():
            problems.append(f"{name}: berkas {file} tidak ditemukan")
    if problems:
        raise VoicePackInvalid(f"{where}: " + "; ".join(problems))
    return VoicePack(root, str(data.get("name") or root.name),
                     {name: str(clips[name]) for name in sorted(CLIP_NAMES)})
