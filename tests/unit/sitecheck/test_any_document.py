"""Admin edits will hand the check any JSON-like document: it answers with findings, never an
exception, and a document it accepts always builds a ``Site``."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.site import build_site
from queue_server.sitecheck import check_site, errors
from tests.unit.sitecheck.test_rules import SITE

DOCUMENT = tomllib.loads(SITE)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False), st.text(max_size=8),
                    st.sampled_from(["*", "KTP", "A", "08:00-12:00", "kiosk-1", "lansia"]),
                    st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _places(node: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key or index of the document, as a trail from the top."""
    found = [trail] if trail else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _places(child, (*trail, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _places(child, (*trail, index))
    return found


PLACES = _places(DOCUMENT)


@settings(max_examples=150, deadline=None)
@given(place=st.sampled_from(PLACES), value=values, drop=st.booleans())
def test_any_edit_gives_findings_and_an_accepted_edit_builds(
        place: tuple[Any, ...], value: Any, drop: bool) -> None:
    document = copy.deepcopy(DOCUMENT)
    parent = document
    for step in place[:-1]:
        parent = parent[step]
    if drop:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    found = check_site(document)
    assert all(f.line is None and f.message_id and f.message_en for f in found)
    if not errors(found):
        build_site(document)


def test_dropping_any_single_field_is_refused_or_builds() -> None:
    for place in PLACES:
        document = copy.deepcopy(DOCUMENT)
        parent = document
        for step in place[:-1]:
            parent = parent[step]
        del parent[place[-1]]
        if not errors(check_site(document)):
            build_site(document)
