"""Where each field of a site file is written, so a finding can name its line.

``tomllib`` keeps no positions, so the text is read once more, line by line. Site files use
plain TOML: ``[table]`` and ``[[array.of.tables]]`` headers and ``key = value`` lines; a field
inside an inline value (``services = ["A", "B"]``) takes the line of its key.
"""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def line_index(text: str) -> dict[str, int]:
    """Paths like ``agencies[2].services[5].code`` → the line (from 1) they are written on."""
    index: dict[str, int] = {}
    # The index of the latest item of each array of tables, by its resolved path.
    arrays: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if found := _ARRAY_HEADER.match(line):
            table = _resolve(found.group(1), arrays, new_item=True)
            index.setdefault(table, number)
        elif found := _TABLE_HEADER.match(line):
            table = _resolve(found.group(1), arrays, new_item=False)
            index.setdefault(table, number)
        elif found := _KEY.match(line):
            index.setdefault(f"{table}.{found.group(1)}" if table else found.group(1), number)
    return index


def _resolve(dotted: str, arrays: dict[str, int], *, new_item: bool) -> str:
    """A header's dotted name → its path, each array part naming its latest item."""
    parts = dotted.split(".")
    path = ""
    for position, part in enumerate(parts):
        path = f"{path}.{part}" if path else part
        if new_item and position == len(parts) - 1:
            arrays[path] = arrays.get(path, -1) + 1
        if path in arrays:
            path = f"{path}[{arrays[path]}]"
    return path
