"""Indonesian mobile numbers in every common spelling become one ``+62…`` form."""

from __future__ import annotations

import pytest

from queue_server.domain.phones import normalise_phone


@pytest.mark.parametrize("written", [
    "081234567890", "0812-3456-7890", "0812 3456 7890", "+62 812 3456 7890",
    "62812-3456-7890", "(0812) 3456.7890", "81234567890", " +6281234567890 ",
])
def test_every_common_spelling_of_a_mobile_number_is_the_same_number(written: str) -> None:
    assert normalise_phone(written) == "+6281234567890"


@pytest.mark.parametrize("bad", [
    "", "abc", "0341-421234",  # a landline (Malang) cannot get WhatsApp
    "0812", "08123456789012345", "+1 415 555 0100", "0812３４５６７８９０",  # full-width digits
    "0802345678901", "+62 0812 3456 7890",
])
def test_what_is_not_an_indonesian_mobile_number_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(bad)


def test_short_and_long_operators_numbers_both_pass() -> None:
    assert normalise_phone("0811234567") == "+62811234567"  # 10 digits, old Telkomsel
    assert normalise_phone("0881234567890") == "+62881234567890"  # 13 digits, Smartfren
