"""Reading one field of the parsed site file: present, of the right type, in range.

Each reader records a finding naming the field when something is wrong and returns ``None``,
so the checker carries on and reports every problem of the file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from queue_server.sitecheck.findings import Findings

_KINDS: dict[type, tuple[str, str]] = {
    str: ("teks dalam tanda petik", "text in quotes"),
    int: ("bilangan bulat", "a whole number"),
    bool: ("true atau false", "true or false"),
    list: ("daftar [ ... ]", "a list [ ... ]"),
    dict: ("tabel", "a table"),
}


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Reader:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings

    def value(self, table: Mapping[str, Any], key: str, path: str, kind: type, *,
              required: bool = False) -> Any:
        """The value when present and of ``kind`` (``int`` excludes booleans), else None."""
        where = join(path, key)
        if key not in table:
            if required:
                self.findings.error(where, "wajib diisi", "is required")
            return None
        value = table[key]
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        name_id, name_en = _KINDS.get(kind, (kind.__name__, kind.__name__))
        self.findings.error(where, f"harus berupa {name_id}, bukan {_shown(value)}",
                            f"must be {name_en}, not {_shown(value)}")
        return None

    def table(self, parent: Mapping[str, Any], key: str, path: str, *,
              required: bool = False) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.value(parent, key, path, dict, required=required)
        return found

    def tables(self, parent: Mapping[str, Any], key: str, path: str, header: str, *,
               required: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """The items of an array of tables (``[[header]]``) with their paths."""
        items = self.value(parent, key, path, list, required=required)
        out: list[tuple[str, dict[str, Any]]] = []
        for index, item in enumerate(items or []):
            where = f"{join(path, key)}[{index}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.findings.error(where, f"harus berupa tabel [[{header}]]",
                                    f"must be a table [[{header}]]")
        return out

    def text(self, table: Mapping[str, Any], key: str, path: str, *, required: bool = False,
             longest: int = 200, blank_ok: bool = False) -> str | None:
        value: str | None = self.value(table, key, path, str, required=required)
        if value is None:
            return None
        where = join(path, key)
        if not blank_ok and not value.strip():
            self.findings.error(where, "tidak boleh kosong", "must not be empty")
            return None
        if len(value) > longest:
            self.findings.error(where, f"paling panjang {longest} karakter (ada {len(value)})",
                                f"at most {longest} characters (has {len(value)})")
            return None
        return value

    def integer(self, table: Mapping[str, Any], key: str, path: str, *, low: int, high: int,
                required: bool = False, unit: tuple[str, str] = ("", "")) -> int | None:
        value: int | None = self.value(table, key, path, int, required=required)
        if value is None:
            return None
        if not low <= value <= high:
            unit_id = f" {unit[0]}" if unit[0] else ""
            unit_en = f" {unit[1]}" if unit[1] else ""
            self.findings.error(join(path, key),
                                f"harus dari {low} sampai {high}{unit_id} (bukan {value})",
                                f"must be from {low} to {high}{unit_en} (not {value})")
            return None
        return value

    def boolean(self, table: Mapping[str, Any], key: str, path: str) -> bool | None:
        value: bool | None = self.value(table, key, path, bool)
        return value

    def texts(self, table: Mapping[str, Any], key: str, path: str, *, required: bool = False,
              longest: int = 1000) -> list[str] | None:
        """A list of non-empty strings."""
        items = self.value(table, key, path, list, required=required)
        if items is None:
            return None
        ok = True
        for index, item in enumerate(items):
            where = f"{join(path, key)}[{index}]"
            if not isinstance(item, str) or not item.strip():
                self.findings.error(where, "setiap isi daftar harus teks yang tidak kosong",
                                    "every item of the list must be non-empty text")
                ok = False
            elif len(item) > longest:
                self.findings.error(where, f"paling panjang {longest} karakter",
                                    f"at most {longest} characters")
                ok = False
        return [str(i) for i in items] if ok else None

    def unknown_keys(self, table: Mapping[str, Any], known: Iterable[str], path: str, *,
                     refuse: bool = False) -> None:
        """A misspelt key is otherwise silently ignored; ``refuse`` where ignoring it would
        change what the office gets (a misspelt ``firday`` would close Friday)."""
        allowed = set(known)
        for key in table:
            if key in allowed:
                continue
            where = join(path, key)
            message_id = f"kunci {key!r} tidak dikenal (salah ketik?)"
            message_en = f"unknown key {key!r} (a typo?)"
            if refuse:
                self.findings.error(where, message_id, message_en)
            else:
                self.findings.warning(where, message_id + "; diabaikan",
                                      message_en + "; ignored")

    def code(self, item: Mapping[str, Any], path: str, seen: set[str], what: tuple[str, str],
             pattern: re.Pattern[str], rule: tuple[str, str]) -> str | None:
        """The entry's ``code``: present, of the form ``pattern`` (``rule`` says it in words)
        and not used before (``seen`` collects them; ``what`` names the kind of entry)."""
        code = self.text(item, "code", path, required=True, longest=32)
        if code is None:
            return None
        if not pattern.match(code):
            self.findings.error(f"{path}.code", *rule)
            return None
        if code in seen:
            self.findings.error(f"{path}.code", f"kode {what[0]} {code!r} sudah dipakai",
                                f"{what[1]} code {code!r} is already used")
            return None
        seen.add(code)
        return code


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
