"""Every sentence the server says is in ``messages.py``, in both languages, and every
``invalid`` detail the code names exists there."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from queue_server.messages import INVALID_DETAILS, MESSAGES, invalid_detail, message

SOURCE = Path(__file__).parents[2] / "queue_server"


def _placeholders(template: str) -> set[str]:
    # a parameter may come in each language (status_id / status_en, detail / detail_en)
    return {re.sub(r"_(id|en)$", "", name)
            for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("table", [MESSAGES, INVALID_DETAILS], ids=["codes", "details"])
def test_both_languages_take_the_same_parameters(table: dict[str, tuple[str, str]]) -> None:
    for key, (indonesian, english) in table.items():
        assert _placeholders(indonesian) == _placeholders(english), key
        assert indonesian != english, key


def test_every_detail_the_code_names_is_in_the_table() -> None:
    named: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'\bwhat="([a-z_]+)"', text))
        named |= set(re.findall(r'"what": "([a-z_]+)"', text))
        named |= set(re.findall(r'InvalidSkmResponse\([^,]+, "([a-z_]+)"', text))
        named |= set(re.findall(r'_WRONG_TYPE = \{([^}]*)\}', text)[0].split('"')[1::2]
                     if "_WRONG_TYPE = {" in text else [])
    assert len(named) >= 20, named  # the scan found the call sites
    assert named <= set(INVALID_DETAILS), named - set(INVALID_DETAILS)


def test_no_sentence_is_written_inline_outside_the_text_modules() -> None:
    # Sentences pairs live in messages.py (errors) or a text module of their own; a
    # handler or a use case names a code.
    inline = re.compile(r'''(message_en|message_id|detail)=f?["'][A-Za-z]''')
    found = [f"{path.relative_to(SOURCE)}:{n}" for path in SOURCE.rglob("*.py")
             if "sitecheck" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if inline.search(line)]
    assert found == []


def test_an_invalid_answer_says_its_detail_in_the_asked_language() -> None:
    params = {"field": "to", "what": "range_too_long", "days": 366}
    assert message("invalid", "id", params) == "Data tidak sah: rentang maksimal 366 hari"
    assert message("invalid", "en", params) == "Invalid data: at most 366 days"
    assert invalid_detail("nope", "en", params) is None
    # a parameter missing: the sentence's start rather than a crash
    assert message("invalid", "en", {"what": "required"}).startswith("Invalid data")
