from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.numbering import format_number, parse_number


def test_numbers_have_a_prefix_and_three_digits() -> None:
    assert format_number("A", 12) == "A-012"
    assert format_number("AB", 1) == "AB-001"
    assert format_number("C", 1234) == "C-1234"


@pytest.mark.parametrize(("prefix", "number"), [("a", 1), ("", 1), ("ABCD", 1), ("A", 0)])
def test_bad_prefixes_and_numbers_are_refused(prefix: str, number: int) -> None:
    with pytest.raises(ValueError):
        format_number(prefix, number)


PREFIXES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3)


@given(PREFIXES, st.integers(1, 99_999))
def test_formatting_round_trips(prefix: str, number: int) -> None:
    text = format_number(prefix, number)
    assert parse_number(text) == (prefix, number)
    if number < 1000:
        assert len(text) == len(prefix) + 4


@given(PREFIXES, st.lists(st.integers(1, 999), min_size=2, max_size=30, unique=True))
def test_texts_of_a_queue_sort_like_the_numbers_up_to_999(prefix: str,
                                                          numbers: list[int]) -> None:
    texts = [format_number(prefix, n) for n in numbers]
    assert sorted(texts) == [format_number(prefix, n) for n in sorted(numbers)]


@given(st.sets(st.integers(1, 5000), min_size=2, max_size=50))
def test_distinct_numbers_give_distinct_texts(numbers: set[int]) -> None:
    assert len({format_number("A", n) for n in numbers}) == len(numbers)
