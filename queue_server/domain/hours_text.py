"""The weekly opening hours as a visitor reads them on a sign: days with the same hours run
together ("Senin–Kamis 08.00–14.00 WIB", "Sabtu–Minggu Tutup")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from queue_server.domain.schedule import DayHours, Lang, Schedule, zone_abbreviation

_DAY_NAMES: dict[Lang, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_CLOSED: dict[Lang, str] = {"id": "Tutup", "en": "Closed"}
# A reference Monday, only to name the zone (WIB) of a clock time; no clock is read.
_A_MONDAY = dt.date(2024, 7, 1)


@dataclass(frozen=True)
class HoursLine:
    days: str
    hours: str
    open: bool


def weekly_hours(schedule: Schedule, lang: Lang = "id") -> list[HoursLine]:
    """Monday to Sunday, consecutive days with equal hours joined with an en dash."""
    names = _DAY_NAMES[lang]
    zone = zone_abbreviation(dt.datetime.combine(_A_MONDAY, dt.time(9), tzinfo=schedule.tz))
    runs: list[tuple[int, int, DayHours | None]] = []
    for day in range(7):
        hours = schedule.weekly.get(day)
        if runs and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    lines = []
    for first, last, hours in runs:
        days = names[first] if first == last else f"{names[first]}\u2013{names[last]}"
        if hours is None:
            lines.append(HoursLine(days, _CLOSED[lang], False))
        else:
            lines.append(HoursLine(days, f"{_clock(hours.open, lang)}\u2013"
                                         f"{_clock(hours.close, lang)} {zone}", True))
    return lines


def _clock(moment: dt.time, lang: Lang) -> str:
    return moment.strftime("%H.%M" if lang == "id" else "%H:%M")
