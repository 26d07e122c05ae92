from __future__ import annotations

import pytest

from queue_server.domain.counter_text import counters_text


@pytest.mark.parametrize(("numbers", "text"), [
    ([], ""),
    ([3], "Loket 3"),
    ([1, 2], "Loket 1, 2"),
    ([4, 2, 1, 3], "Loket 1\u20134"),
    ([1, 2, 3, 4, 7, 9, 10, 11], "Loket 1\u20134, 7, 9\u201311"),
    ([5, 5, 6], "Loket 5, 6"),
])
def test_counters_read_like_a_sign(numbers: list[int], text: str) -> None:
    assert counters_text(numbers) == text


def test_a_printer_can_ask_for_a_plain_hyphen() -> None:
    assert counters_text([1, 2, 3], dash="-") == "Loket 1-3"
