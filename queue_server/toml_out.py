"""Write a site document back out as TOML, for ``loket config export``.

Only what a site file holds is supported: tables, arrays of tables, text, whole numbers,
decimals, booleans and lists of those. Reading the output with ``tomllib`` gives the same
document back; the round-trip test holds it to that.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dump(document: Mapping[str, Any], *, header: str = "") -> str:
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _table(document, (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(table: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    # TOML needs a table's own keys before any sub-table header, or they would land inside it.
    plain = [(k, v) for k, v in table.items()
             if v is not None and not isinstance(v, dict) and not _is_table_list(v)]
    for key, value in plain:
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            lines += ["", f"[{_dotted((*path, key))}]"]
            _table(value, (*path, key), lines)
    for key, value in table.items():
        if _is_table_list(value):
            for item in value:
                lines += ["", f"[[{_dotted((*path, key))}]]"]
                _table(item, (*path, key), lines)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    # fullmatch: "$" would also match before a trailing newline, letting "0\n" pass as bare
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are valid in a TOML basic string; DEL is the one control character JSON
    # leaves raw and TOML refuses.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
