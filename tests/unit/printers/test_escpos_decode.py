from __future__ import annotations

import pytest

from printers.escpos_decode import EscposDecodeError, IncompleteCommand, decode, iter_commands


def test_styles_become_spans_on_their_lines() -> None:
    decoded = decode(b"\x1b@\x1ba\x01\x1bE\x01Judul\n\x1bE\x00\x1d!\x11A-1\x1b!\x00 x\n")
    assert decoded.text_lines == ["Judul", "A-1 x"]
    title, number_line = decoded.lines
    assert title.align == "center" and title.spans[0].bold
    assert [(s.text, s.width, s.height) for s in number_line.spans] == [("A-1", 2, 2), (" x", 1, 1)]
    assert number_line.columns == 8
    assert decoded.large_texts == ["A-1"]


def test_esc_bang_sets_double_size_and_resets_bold() -> None:
    decoded = decode(b"\x1bE\x01\x1b!\x30big\n")
    [span] = decoded.spans
    assert (span.width, span.height, span.bold) == (2, 2, False)


def test_qr_codes_cuts_and_feeds_are_counted() -> None:
    payload = b"https://x/t/1"
    store = b"\x1d(k" + bytes((len(payload) + 3, 0)) + b"1P0" + payload
    data = b"\x1d(k\x03\x001C\x05" + store + b"\x1d(k\x03\x001Q0\x1bd\x06\x1dV\x00\x1dVA\x03"
    decoded = decode(data)
    assert decoded.qr_codes == ("https://x/t/1",)
    assert (decoded.cuts, decoded.feeds) == (2, 6)


def test_high_bytes_follow_the_selected_code_page() -> None:
    assert decode(b"\x1bt\x00\xf1 5\n").text_lines == ["± 5"]
    assert decode(b"\x1bt\x10\xb1 5\n").text_lines == ["± 5"]


@pytest.mark.parametrize(
    "data",
    [
        b"\x1b-\x01underline\n",  # ESC - is not part of the layout
        b"\x1dB\x01inverted\n",
        b"\x07",  # bell
        b"\x1bt\x63",  # unknown code page
        b"\x1d(k\x03\x001Q0",  # QR print without data
        b"\x1dV\x07",
    ],
)
def test_anything_outside_the_layout_subset_is_an_error(data: bytes) -> None:
    with pytest.raises(EscposDecodeError):
        decode(data)


def test_a_truncated_command_says_where_it_starts() -> None:
    data = b"ok\n\x1d(k\x10\x001P0abc"
    with pytest.raises(IncompleteCommand) as caught:
        list(iter_commands(data))
    assert caught.value.offset == 3


def test_status_requests_are_recognised() -> None:
    assert decode(b"\x10\x04\x01\x10\x04\x04").status_requests == (1, 4)
