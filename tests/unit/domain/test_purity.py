"""The domain is pure: no database, web framework, network or clock reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[3] / "queue_server" / "domain"
FORBIDDEN_MODULES = {"sqlalchemy", "starlette", "asyncio", "socket", "httpx", "websockets",
                     "time", "requests", "asyncpg", "aiosqlite", "queue_server.store",
                     "queue_server.web", "queue_server.services"}
# ``dt.time(8, 0)`` builds a value; these read the clock.
FORBIDDEN_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter"}


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert not any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES), \
                f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in FORBIDDEN_CALLS, \
                f"{path.name}:{node.lineno} calls .{node.func.attr}()"


def test_every_public_domain_function_is_used_by_the_server() -> None:
    """A rule that only the tests call is a second copy of a rule production keeps elsewhere
    (issue 12): the code that runs must be the code that is tested."""
    package = DOMAIN.parent
    server_text = "\n".join(p.read_text() for p in package.rglob("*.py"))
    unused = []
    for path in sorted(DOMAIN.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                uses = len(re.findall(rf"\b{node.name}\b", server_text)) - 1  # minus the def
                if uses == 0:
                    unused.append(f"{path.name}:{node.name}")
    assert not unused, f"domain functions only the tests use: {unused}"
