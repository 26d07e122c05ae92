"""One validation of a site, for ``loket config check``, ``loket serve`` and admin edits.

``check_site(data, lines)`` takes the parsed site (the TOML document as a dict, or the same
shape built by the admin pages) and returns every finding at once: errors refuse the site,
warnings are allowed. ``check_site_text`` does the same for the text of a site file, naming
the line of each finding. The rules are listed in docs/site-file.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

from queue_server.sitecheck.booking import check_booking
from queue_server.sitecheck.catalogue import check_agencies, check_counters
from queue_server.sitecheck.devices import check_kiosks, check_printers
from queue_server.sitecheck.facts import Facts
from queue_server.sitecheck.fields import Reader
from queue_server.sitecheck.findings import Finding, Findings, errors, report, warnings
from queue_server.sitecheck.general import (
    check_ordering,
    check_priority_categories,
    check_site_table,
    check_top_level,
    check_voice,
    check_whatsapp,
)
from queue_server.sitecheck.lines import line_index
from queue_server.sitecheck.rules import check_rules
from queue_server.sitecheck.timing import check_breaks, check_hours

__all__ = ["Finding", "check_site", "check_site_text", "errors", "line_index", "report",
           "warnings"]


def check_site(data: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> list[Finding]:
    """Every problem of ``data``, errors and warnings, in the order of the file's sections.

    ``lines`` maps field paths to source lines (see :func:`line_index`); without it findings
    carry no line, which is what an edit from the admin pages needs.
    """
    found = Findings(lines or {})
    read = Reader(found)
    facts = Facts()
    check_top_level(read, data)
    check_site_table(read, data)
    check_hours(read, data, facts)
    check_breaks(read, data, facts)
    check_ordering(read, data)
    check_voice(read, data)
    check_whatsapp(read, data)
    check_booking(read, data)
    check_priority_categories(read, data, facts)
    check_agencies(read, data, facts)
    check_counters(read, data, facts)
    check_printers(read, data, facts)
    check_kiosks(read, data, facts)
    check_rules(found, facts, _written_printers(data))
    return found.found


def check_site_text(text: str) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Parse and check a site file's text: the document (None when it is not TOML) and the
    findings, each with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's error has no lineno attribute, only "(at line N, column M)".
        match = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(match.group(1)) if match else None)
        return None, [Finding("error", "", f"bukan TOML yang sah: {exc}",
                              f"not valid TOML: {exc}", line)]
    return data, check_site(data, line_index(text))


def _written_printers(data: Mapping[str, Any]) -> set[str]:
    items = data.get("printers")
    return {p["code"] for p in items if isinstance(p, dict) and isinstance(p.get("code"), str)
            } if isinstance(items, list) else set()
