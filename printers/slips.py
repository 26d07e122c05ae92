"""Ticket slip layout: a :class:`TicketSlip` becomes ESC/POS bytes for a 58 or 80 mm printer.

Pure: no I/O, no clock. Every text field is reduced to printable ASCII first, so the printer
never has to switch code pages and a visitor's input can never smuggle in a control byte.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

COLUMNS = {58: 32, 80: 48}
"""Characters per line in font A for each supported paper width."""

_NUMBER_SCALE = {58: 3, 80: 4}
_QR_DOT_SIZE = {58: 5, 80: 7}

_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}

# Letters that NFKD does not split into an ASCII base plus marks.
_LATIN_EXTRA = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
        "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ı": "i",
        "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
        "–": "-", "—": "-", "‐": "-", "…": "...", "•": "*", "·": "-",
        "±": "+/-", "°": " ", "×": "x",
    }
)  # fmt: skip


@dataclass(frozen=True)
class TicketSlip:
    """What a printed ticket says. ``issued_at`` is aware and already in the site's zone."""

    site_name: str
    site_address: str
    number: str
    agency_name: str
    service_name: str
    priority_label: str | None
    ahead: int
    estimated_wait_s: int | None
    issued_at: datetime
    track_url: str
    footer: str
    #: Where the service is given, e.g. "Loket 1-4": the visitor knows where to look.
    counters: str = ""
    #: A short reminder printed above the footer (prepare the requirements, where to complain).
    reminder: str = ""


def to_ascii(text: str) -> str:
    """Transliterate to printable ASCII: accents dropped, other scripts and controls removed.

    Runs of whitespace (including newlines and tabs) collapse to one space.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN_EXTRA))
    kept = []
    for char in decomposed:
        if char.isspace():
            kept.append(" ")
        elif " " <= char <= "~":
            kept.append(char)
    return " ".join("".join(kept).split())


def format_issued_at(moment: datetime) -> str:
    """``Senin, 24 November 2025 08.15 WIB`` — Indonesian names, dot between hour and minute."""
    day = _DAYS[moment.weekday()]
    month = _MONTHS[moment.month - 1]
    return f"{day}, {moment.day} {month} {moment.year} {moment:%H.%M} {_zone_name(moment)}"


def _zone_name(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("issued_at must be timezone-aware")
    hours, rest = divmod(offset, timedelta(hours=1))
    if not rest and hours in _ZONES:
        return _ZONES[hours]
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_wait(estimated_wait_s: int) -> str:
    """Whole minutes, rounded up, as a visitor reads it."""
    minutes = math.ceil(max(estimated_wait_s, 0) / 60)
    if minutes < 1:
        return "Perkiraan tunggu: < 1 menit"
    return f"Perkiraan tunggu: \u00b1 {minutes} menit"


def wrap(text: str, width: int) -> list[str]:
    """Wrap ASCII text to ``width`` columns, breaking words longer than a line."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True)


def number_scale(number: str, paper_mm: int) -> int:
    """The largest character magnification that keeps the ticket number on one line."""
    columns = COLUMNS[paper_mm]
    fits = columns // max(len(number), 1)
    return max(1, min(_NUMBER_SCALE[paper_mm], fits))


def preload() -> None:
    """Import python-escpos now (in a worker thread) so the first slip is not the slow one."""
    import escpos.printer  # type: ignore[import-untyped]  # noqa: F401


def render_slip(slip: TicketSlip, paper_mm: int) -> bytes:
    """ESC/POS bytes for one ticket, ending with a feed and a full cut."""
    if paper_mm not in COLUMNS:
        raise ValueError(f"paper_mm must be one of {sorted(COLUMNS)}, not {paper_mm}")
    columns = COLUMNS[paper_mm]
    # Imported on first use: python-escpos reads its printer profiles at import (0.2–0.7 s),
    # which would otherwise delay every start-up; ``preload`` warms it in the background.
    from escpos.printer import Dummy

    printer = Dummy()
    printer.hw("INIT")
    printer.charcode("CP437")

    def lines(text: str, *, width: int = columns) -> None:
        for line in wrap(to_ascii(text), width):
            printer.text(line + "\n")

    printer.set(align="center", bold=True)
    lines(slip.site_name)
    printer.set(bold=False)
    lines(slip.site_address)
    printer.text("-" * columns + "\n")
    printer.text("NOMOR ANTREAN\n")

    number = to_ascii(slip.number)
    scale = number_scale(number, paper_mm)
    printer.set(custom_size=True, width=scale, height=scale)
    lines(number, width=columns // scale)
    printer.set(normal_textsize=True)

    printer.set(bold=True)
    lines(slip.agency_name)
    printer.set(bold=False)
    lines(slip.service_name)
    if slip.priority_label:
        printer.set(bold=True)
        lines(f"PRIORITAS: {slip.priority_label}")
        printer.set(bold=False)
    if slip.counters:
        printer.set(bold=True)
        lines(f"Dilayani di {slip.counters}")
        printer.set(bold=False)
    printer.text("-" * columns + "\n")

    printer.text(f"Di depan Anda: {max(slip.ahead, 0)} orang\n")
    if slip.estimated_wait_s is not None:
        printer.text(format_wait(slip.estimated_wait_s) + "\n")
    issued = format_issued_at(slip.issued_at)
    if len(issued) <= columns:
        printer.text(issued + "\n")
    else:
        date_part, clock, zone = issued.rsplit(" ", 2)
        lines(date_part)
        printer.text(f"{clock} {zone}\n")

    if slip.track_url:
        printer.text("\n")
        printer.qr(slip.track_url, native=True, size=_QR_DOT_SIZE[paper_mm])
        printer.text("\nPindai untuk memantau antrean\n")
    if slip.reminder:
        printer.text("\n")
        lines(slip.reminder)
    if slip.footer:
        printer.text("\n")
        lines(slip.footer)
    printer.cut()
    output: bytes = printer.output
    return output
