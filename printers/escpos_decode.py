"""A strict decoder for the ESC/POS subset that :mod:`printers.slips` emits.

Tests and the TCP 9100 test sink use it to read back what a printer would print. Anything
outside the subset raises :class:`EscposDecodeError`, so a layout change that emits a new
command fails loudly instead of being silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

ESC, GS, DLE, EOT, LF = 0x1B, 0x1D, 0x10, 0x04, 0x0A

CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_ONE_ARG_ESC = {ord("@"): 0, ord("t"): 1, ord("a"): 1, ord("E"): 1, ord("!"): 1, ord("d"): 1}
_CUT_MODES_SHORT = {0, 1, 48, 49}
_CUT_MODES_FEED = {65, 66}
_QR_FUNCTIONS = {65, 67, 69, 80, 81}


class EscposDecodeError(ValueError):
    """The bytes are not in the supported subset; ``offset`` points at the offending byte."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset}")
        self.offset = offset


class IncompleteCommand(EscposDecodeError):
    """The data ends in the middle of a command (a stream may bring the rest later)."""


@dataclass(frozen=True)
class Command:
    """One command, or one run of printable text bytes (``name == "text"``)."""

    name: str
    args: bytes
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool
    width: int
    height: int

    @property
    def large(self) -> bool:
        return self.width > 1 or self.height > 1


@dataclass(frozen=True)
class Line:
    spans: tuple[Span, ...]
    align: str

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def columns(self) -> int:
        """Width in font-A columns, counting magnified characters as wide as they print."""
        return sum(len(span.text) * span.width for span in self.spans)


@dataclass(frozen=True)
class Decoded:
    lines: tuple[Line, ...]
    qr_codes: tuple[str, ...]
    cuts: int
    feeds: int
    status_requests: tuple[int, ...]

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def spans(self) -> list[Span]:
        return [span for line in self.lines for span in line.spans]

    @property
    def large_texts(self) -> list[str]:
        return [span.text for span in self.spans if span.large]


def iter_commands(data: bytes) -> Iterator[Command]:
    """Split ``data`` into commands; raises :class:`IncompleteCommand` on a truncated tail."""
    pos = 0
    while pos < len(data):
        byte = data[pos]
        if byte >= 0x20 and byte != 0x7F:
            end = pos
            while end < len(data) and data[end] >= 0x20 and data[end] != 0x7F:
                end += 1
            yield Command("text", data[pos:end], pos, end)
        elif byte == LF:
            end = pos + 1
            yield Command("LF", b"", pos, end)
        elif byte == ESC:
            end = _esc_end(data, pos)
            yield Command("ESC " + chr(data[pos + 1]), data[pos + 2 : end], pos, end)
        elif byte == GS:
            end = _gs_end(data, pos)
            yield Command("GS " + chr(data[pos + 1]), data[pos + 2 : end], pos, end)
        elif byte == DLE:
            end = _need(data, pos, 3)
            if data[pos + 1] != EOT:
                raise EscposDecodeError(f"unknown command DLE 0x{data[pos + 1]:02x}", pos)
            yield Command("DLE EOT", data[pos + 2 : end], pos, end)
        else:
            raise EscposDecodeError(f"unexpected control byte 0x{byte:02x}", pos)
        pos = end


def _need(data: bytes, pos: int, length: int) -> int:
    if pos + length > len(data):
        raise IncompleteCommand("command cut short", pos)
    return pos + length


def _esc_end(data: bytes, pos: int) -> int:
    _need(data, pos, 2)
    arity = _ONE_ARG_ESC.get(data[pos + 1])
    if arity is None:
        raise EscposDecodeError(f"unknown command ESC 0x{data[pos + 1]:02x}", pos)
    return _need(data, pos, 2 + arity)


def _gs_end(data: bytes, pos: int) -> int:
    _need(data, pos, 2)
    code = data[pos + 1]
    if code == ord("!"):
        return _need(data, pos, 3)
    if code == ord("V"):
        mode = data[_need(data, pos, 3) - 1]
        if mode in _CUT_MODES_SHORT:
            return pos + 3
        if mode in _CUT_MODES_FEED:
            return _need(data, pos, 4)
        raise EscposDecodeError(f"unknown cut mode {mode}", pos)
    if code == ord("("):
        _need(data, pos, 5)
        if data[pos + 2] != ord("k"):
            raise EscposDecodeError(f"unknown command GS ( 0x{data[pos + 2]:02x}", pos)
        size = data[pos + 3] | data[pos + 4] << 8
        return _need(data, pos, 5 + size)
    raise EscposDecodeError(f"unknown command GS 0x{code:02x}", pos)


@dataclass
class _State:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    code_page: str = "cp437"
    pending: list[Span] = field(default_factory=list)
    pending_align: str | None = None
    lines: list[Line] = field(default_factory=list)
    qr_store: str | None = None
    qr_codes: list[str] = field(default_factory=list)
    cuts: int = 0
    feeds: int = 0
    status_requests: list[int] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        if self.pending_align is None:
            self.pending_align = self.align
        span = Span(text, self.bold, self.width, self.height)
        last = self.pending[-1] if self.pending else None
        if last and (last.bold, last.width, last.height) == (span.bold, span.width, span.height):
            self.pending[-1] = Span(last.text + text, span.bold, span.width, span.height)
        else:
            self.pending.append(span)

    def end_line(self, *, blank_allowed: bool) -> None:
        if self.pending or blank_allowed:
            self.lines.append(Line(tuple(self.pending), self.pending_align or self.align))
        self.pending = []
        self.pending_align = None


def decode(data: bytes) -> Decoded:
    """Interpret ``data`` as a printer would; text not ended by LF, feed or cut is kept."""
    state = _State()
    for command in iter_commands(data):
        _apply(state, command)
    state.end_line(blank_allowed=False)
    return Decoded(
        lines=tuple(state.lines),
        qr_codes=tuple(state.qr_codes),
        cuts=state.cuts,
        feeds=state.feeds,
        status_requests=tuple(state.status_requests),
    )


def _apply(state: _State, command: Command) -> None:
    name, args = command.name, command.args
    value = args[0] if args else 0
    if name == "text":
        state.add_text(args.decode(state.code_page))
    elif name == "LF":
        state.end_line(blank_allowed=True)
    elif name == "ESC @":
        state.align, state.bold, state.width, state.height = "left", False, 1, 1
        state.code_page = "cp437"
    elif name == "ESC t":
        if value not in CODE_PAGES:
            raise EscposDecodeError(f"unsupported code page {value}", command.start)
        state.code_page = CODE_PAGES[value]
    elif name == "ESC a":
        if value not in _ALIGN:
            raise EscposDecodeError(f"bad alignment {value}", command.start)
        state.align = _ALIGN[value]
    elif name == "ESC E":
        state.bold = bool(value & 1)
    elif name == "ESC !":
        state.bold = bool(value & 0x08)
        state.height = 2 if value & 0x10 else 1
        state.width = 2 if value & 0x20 else 1
    elif name == "GS !":
        if value >> 4 > 7 or value & 0x0F > 7:
            raise EscposDecodeError(f"bad character size 0x{value:02x}", command.start)
        state.width, state.height = (value >> 4) + 1, (value & 0x0F) + 1
    elif name == "ESC d":
        state.end_line(blank_allowed=False)
        state.feeds += value
    elif name == "GS V":
        state.end_line(blank_allowed=False)
        state.cuts += 1
    elif name == "GS (":
        _apply_qr(state, command)
    elif name == "DLE EOT":
        state.status_requests.append(value)
    else:  # pragma: no cover - iter_commands only yields the names above
        raise EscposDecodeError(f"unhandled command {name}", command.start)


def _apply_qr(state: _State, command: Command) -> None:
    body = command.args[3:]  # after "k", pL, pH
    if len(body) < 2 or body[0] != ord("1") or body[1] not in _QR_FUNCTIONS:
        raise EscposDecodeError("unsupported GS ( k function", command.start)
    function = body[1]
    if function == 80:
        state.qr_store = body[3:].decode("utf-8")
    elif function == 81:
        if state.qr_store is None:
            raise EscposDecodeError("QR print without stored data", command.start)
        state.end_line(blank_allowed=False)
        state.qr_codes.append(state.qr_store)
