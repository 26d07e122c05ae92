"""A site file that the check accepts always serves: for any mutation of a valid file, either
``config check`` names the mutated field in an error, or the app starts and answers /healthz.

The mutations are the ones an office's IT person makes by hand: a line deleted, a value of the
wrong type, a time out of range, a code that names nothing. The app is built in-process with
the mutated file and run through its lifespan (tests/integration has the real ``loket serve``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.sitecheck import Finding, check_site_text, errors, line_index
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE, SqliteTemplate

# The test site plus date overrides, so their fields are mutated too.
BASE = SITE_FILE.read_text(encoding="utf-8").replace("holidays = true\n", """holidays = true

[[hours.overrides]]
from = 2026-03-02
to = 2026-03-05
hours = "08:00-12:00"
reason = "Ramadan"

[[hours.overrides]]
date = "2026-03-20"
closed = true
""", 1)

_KEY_LINE = re.compile(r"^(\s*[A-Za-z0-9_-]+\s*=\s*)(.+)$")
_SPAN = re.compile(r'"\d{1,2}:\d{2}-\d{1,2}:\d{2}"')
WRONG_VALUES = ('"teks"', "42", "-5", "0", "true", "[1, 2]", '["A", "B"]', "2026-01-01",
                "2026-01-01T08:00:00", "{ a = 1 }", "3.5", '""')
BAD_TIMES = ("24:00", "23:60", "25:00", "8", "08", "-1:00", "08:5", "jam 8")
MISSING = '"TIDAK-ADA"'


@dataclass(frozen=True)
class KeyLine:
    index: int  # 0-based line number in BASE
    path: str
    prefix: str  # "key = "
    value: str


def _key_lines() -> list[KeyLine]:
    by_line = {line: path for path, line in line_index(BASE).items()}
    out = []
    for index, text in enumerate(BASE.splitlines()):
        found = _KEY_LINE.match(text)
        if found and not text.lstrip().startswith("#"):
            out.append(KeyLine(index, by_line[index + 1], found.group(1), found.group(2)))
    return out


KEY_LINES = _key_lines()
SPANS = [k for k in KEY_LINES if _SPAN.search(k.value)]
REFERENCES = [k for k in KEY_LINES if k.path.endswith((".services", ".printer"))
              and '"*"' not in k.value]


def _with_line(key: KeyLine, new: str | None) -> str:
    lines = BASE.splitlines()
    if new is None:
        del lines[key.index]
    else:
        lines[key.index] = new
    return "\n".join(lines) + "\n"


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(what was done, the field's path, its value before, the mutated file)."""
    kind = draw(st.sampled_from(["removed", "wrong type", "time out of range", "missing code"]))
    if kind == "removed":
        key = draw(st.sampled_from(KEY_LINES))
        return kind, key.path, key.value, _with_line(key, None)
    if kind == "wrong type":
        key = draw(st.sampled_from(KEY_LINES))
        value = draw(st.sampled_from(WRONG_VALUES))
        return f"{kind} {value}", key.path, key.value, _with_line(key, key.prefix + value)
    if kind == "time out of range":
        key = draw(st.sampled_from(SPANS))
        times = re.findall(r"\d{1,2}:\d{2}", key.value)
        which = draw(st.sampled_from(times))
        bad = draw(st.sampled_from((*BAD_TIMES, "swap")))
        value = (f'"{times[1]}-{times[0]}"' if bad == "swap"
                 else key.value.replace(which, bad, 1))
        return f"{kind} {value}", key.path, key.value, _with_line(key, key.prefix + value)
    key = draw(st.sampled_from(REFERENCES))
    quoted = re.findall(r'"[^"]*"', key.value)
    target = draw(st.sampled_from(quoted))
    value = key.value.replace(target, MISSING, 1)
    return f"{kind} {value}", key.path, key.value, _with_line(key, key.prefix + value)


def _names(error: Finding, field: str, old_value: str) -> bool:
    """The error is on the field (or inside its value), or on a sibling whose message names
    it ("write hours or closed = true" after ``closed`` was removed), or, for a code changed
    to another valid code, on a reference that still names the old one."""
    if error.path == field or error.path.startswith((field + ".", field + "[")):
        return True
    if field.endswith(".code") and old_value.strip("\"") in error.message_id:
        return True
    parent, _, key = field.rpartition(".")
    return error.path.rpartition(".")[0] == parent and re.search(
        rf"\b{re.escape(key)}\b", error.message_id) is not None


@pytest.fixture(scope="module")
def template_db(sqlite_template: SqliteTemplate) -> Path:
    return sqlite_template.path


def _serves(text: str, template_db: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        site_file = Path(work) / "site.toml"
        site_file.write_text(text, encoding="utf-8")
        db = Path(work) / "loket.db"
        shutil.copy(template_db, db)
        app = create_app(Settings.from_env(database_url=f"sqlite:///{db}", site_file=site_file,
                                           clock_start=MONDAY_MORNING))
        with TestClient(app) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            assert client.get("/api/v1/services").status_code == 200


def test_the_base_file_is_clean_and_serves(template_db: Path) -> None:
    assert check_site_text(BASE)[1] == []
    assert SPANS and REFERENCES
    _serves(BASE, template_db)


@settings(max_examples=100, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
def test_a_mutated_site_file_is_refused_naming_the_field_or_it_serves(
        template_db: Path, mutation: tuple[str, str, str, str]) -> None:
    what, field, before, text = mutation
    _, found = check_site_text(text)
    refused = errors(found)
    event("refused" if refused else "served")
    if refused:
        assert any(_names(e, field, before) for e in refused), (what, field, refused)
        assert all(e.line is not None for e in refused), refused
        return
    _serves(text, template_db)
