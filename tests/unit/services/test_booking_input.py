"""What /openapi.json promises for a booking's name and phone is what the server takes: a
schema-valid request is never refused for them (schemathesis relies on it)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.errors import Invalid
from queue_server.domain.phones import normalise_phone
from queue_server.services.booking import _name
from queue_server.web.booking import NAME_PATTERN, PHONE_PATTERN


@given(st.from_regex(NAME_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 100))
def test_every_name_the_schema_allows_is_taken(name: str) -> None:
    assert _name(name) == name.strip()


@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_every_phone_the_schema_allows_is_an_indonesian_mobile_number(phone: str) -> None:
    assert normalise_phone(phone).startswith("+628")


@pytest.mark.parametrize("name", ["", "   ", "Budi\x00", "\x98", "x" * 101])
def test_names_the_schema_refuses_are_refused(name: str) -> None:
    assert not (re.search(NAME_PATTERN, name) and len(name) <= 100)
    with pytest.raises(Invalid):
        _name(name)
