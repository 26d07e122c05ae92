"""A booking's messages as Meta-approved templates: the bodies the office submits (quoted in
docs/whatsapp.md) and the parameters Loket fills them with must agree, one line each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.domain.booking_messages import (
    TEMPLATE_BODIES,
    TEMPLATE_PURPOSES,
    closure_cancel_parameters,
    confirmation_parameters,
    one_line,
    reminder_parameters,
)
from queue_server.domain.conversation import Lang
from tests.unit.domain.test_booking_messages import MANAGE, facts

DOCS = Path(__file__).parents[3] / "docs" / "whatsapp.md"
BOOKING_URL = "https://mpp.example/booking?service=KTP-EL"


def parameters(purpose: str, lang: Lang) -> tuple[str, ...]:
    if purpose == "booking":
        return confirmation_parameters(facts(), MANAGE, lang)
    if purpose == "reminder":
        return reminder_parameters(facts(), lang)
    return closure_cancel_parameters(facts(), "Pemadaman listrik", BOOKING_URL, lang)


def filled(body: str, values: tuple[str, ...]) -> str:
    return re.sub(r"\{\{(\d+)\}\}", lambda m: values[int(m.group(1)) - 1], body)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("purpose", TEMPLATE_PURPOSES)
def test_every_body_has_exactly_the_parameters_loket_fills_in_order(purpose: str,
                                                                    lang: Lang) -> None:
    body = TEMPLATE_BODIES[purpose][lang]
    numbers = [int(n) for n in re.findall(r"\{\{(\d+)\}\}", body)]
    values = parameters(purpose, lang)
    assert numbers == list(range(1, len(values) + 1))
    # Meta refuses a body that starts or ends with a parameter, and a parameter with a line
    # break, a tab or more than four spaces in a row.
    assert not body.startswith("{{") and not body.endswith("}}")
    assert all(v and "\n" not in v and "\t" not in v and "     " not in v for v in values)
    assert "{{" not in filled(body, values)


def test_the_filled_confirmation_reads_like_the_free_text() -> None:
    text = filled(TEMPLATE_BODIES["booking"]["id"], parameters("booking", "id"))
    assert "Layanan: Perekaman dan Pencetakan KTP-el" in text
    assert "Waktu: Selasa, 25 November 2025 pukul 09.00 WIB" in text
    assert "Kode pesanan: *K7MX3P*" in text
    assert "pukul 08.30–09.15 WIB dengan kode" in text and MANAGE in text
    english = filled(TEMPLATE_BODIES["booking"]["en"], parameters("booking", "en"))
    assert "Check in at the kiosk from 08:30–09:15 WIB with the code" in english


def test_a_parameter_is_one_line_and_never_empty() -> None:
    assert one_line("Pemadaman\nlistrik\t  mendadak ") == "Pemadaman listrik mendadak"
    assert one_line("  ") == "-"
    assert closure_cancel_parameters(facts(), "", BOOKING_URL, "id")[3] == "-"


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("purpose", TEMPLATE_PURPOSES)
def test_the_docs_quote_every_body_the_office_must_submit(purpose: str, lang: Lang) -> None:
    assert TEMPLATE_BODIES[purpose][lang] in DOCS.read_text(encoding="utf-8")
