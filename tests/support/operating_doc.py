"""The fenced blocks of docs/operating.md, which tests run as printed."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "operating.md"


def block(language: str, containing: str = "") -> str:
    """The first fenced block of ``language`` in docs/operating.md (that has ``containing``)."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if containing in b]
    assert found, f"no {language} block with {containing!r} in {DOC}"
    return str(found[0])
