"""What the site-file checker found: one ``Finding`` per problem, each naming its field.

A finding is either an ``error`` (the server refuses to start, an admin edit is refused) or a
``warning`` (allowed, but probably not what the office meant). Every message is written in
Bahasa Indonesia and English so the command line, the server log and the admin pages can show
the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
Lang = Literal["id", "en"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    path: str
    message_id: str
    message_en: str
    line: int | None = None

    @property
    def message(self) -> str:
        """The Indonesian sentence (the default language everywhere)."""
        return self.message_id

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self, lang: Lang = "id") -> str:
        return self.message_id if lang == "id" else self.message_en

    def describe(self, lang: Lang = "id") -> str:
        """``agencies[0].queue (baris 9): ...``: the field, where it is, what is wrong."""
        if lang == "id":
            where = f"baris {self.line}" if self.line else "berkas"
        else:
            where = f"line {self.line}" if self.line else "file"
        return f"{self.path or '(berkas)'} ({where}): {self.text(lang)}"

    def __str__(self) -> str:
        return self.describe("id")

    def as_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "path": self.path, "line": self.line,
                "message": {"id": self.message_id, "en": self.message_en}}


def errors(findings: Iterable[Finding], *, strict: bool = False) -> list[Finding]:
    """The findings that refuse the file; ``strict`` (for an office's CI) counts warnings too."""
    return [f for f in findings if f.is_error or strict]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_error]


def report(findings: Iterable[Finding], lang: Lang = "id", *, strict: bool = False) -> str:
    """Errors first, then warnings, each under its own heading, one finding a line."""
    found = list(findings)
    refused = errors(found, strict=strict)
    advised = [f for f in found if f not in refused]
    lines: list[str] = []
    for title_id, title_en, group in (("kesalahan", "error(s)", refused),
                                      ("peringatan", "warning(s)", advised)):
        if group:
            lines.append(f"{len(group)} {title_id if lang == 'id' else title_en}:")
            lines += [f"  - {f.describe(lang)}" for f in group]
    return "\n".join(lines)


@dataclass
class Findings:
    """Collects findings while the checker walks the file, looking up each field's line.

    ``lines`` maps field paths (``agencies[2].services[0].code``) to their line; a field that
    is not written in the file (a missing key) takes the line of the nearest table above it.
    """

    lines: Mapping[str, int] = field(default_factory=dict)
    found: list[Finding] = field(default_factory=list)

    def line_of(self, path: str) -> int | None:
        probe = path
        while True:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            if cut <= 0:
                return None
            probe = probe[:cut]

    def error(self, path: str, message_id: str, message_en: str) -> None:
        self.found.append(Finding("error", path, message_id, message_en, self.line_of(path)))

    def warning(self, path: str, message_id: str, message_en: str) -> None:
        self.found.append(Finding("warning", path, message_id, message_en, self.line_of(path)))

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.found)

    def errors_under(self, prefix: str) -> bool:
        """Whether some error was already found at ``prefix`` or inside it."""
        return any(f.is_error and (f.path == prefix or f.path.startswith((prefix + ".",
                                                                          prefix + "[")))
                   for f in self.found)
