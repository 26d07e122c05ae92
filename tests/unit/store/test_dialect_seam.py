"""SQL that SQLite and PostgreSQL spell differently is written once, in ``store/dialect.py``:
no other module imports a dialect's ``insert`` or locks rows by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SEAM = ROOT / "queue_server" / "store" / "dialect.py"
MIGRATIONS = ROOT / "queue_server" / "store" / "migrations"
SOURCES = sorted(p for package in ("queue_server", "printers")
                 for p in (ROOT / package).rglob("*.py")
                 if p != SEAM and MIGRATIONS not in p.parents)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_store_seam_speaks_a_dialect(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("sqlalchemy.dialects"), \
                f"{path.name} imports {node.module}: use queue_server.store.dialect"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("sqlalchemy.dialects"), path.name
        elif isinstance(node, ast.Attribute):
            assert node.attr != "with_for_update", \
                f"{path.name} locks rows by hand: use dialect.locking or dialect.skip_locked"
