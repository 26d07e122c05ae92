"""``[hours]`` with its ``[[hours.overrides]]``, and ``[breaks]``.

The checks say in the office's words what ``queue_server.domain.schedule`` would refuse at
start-up; the last step builds the schedule exactly as the server does, so a file that passes
here cannot fail there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from queue_server.domain.breaks import MAX_BREAK_MINUTES, MIN_BREAK_MINUTES
from queue_server.domain.schedule import WEEKDAYS, DayHours, parse_hours, schedule_from_config
from queue_server.sitecheck.facts import Facts
from queue_server.sitecheck.fields import Reader

_HOURS_KEYS = (*WEEKDAYS, "kiosk_opens_minutes_before", "cutoff_minutes_before_close",
               "holidays", "overrides")
_OVERRIDE_KEYS = ("date", "from", "to", "hours", "closed", "reason")
_BREAK_KEYS = ("min_staffed_counters", "window", "default_minutes")
_SHAPE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*\Z")
DAY_NAMES_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def span(read: Reader, value: Any, path: str) -> DayHours | None:
    """``"08:00-14:00"`` → DayHours, or an error naming ``path`` that says what is wrong."""
    try:
        return parse_hours(value)
    except ValueError:
        pass
    error = read.findings.error
    if not isinstance(value, str):
        error(path, f"harus teks seperti \"08:00-14:00\", bukan {value!r}",
              f"must be text like \"08:00-14:00\", not {value!r}")
        return None
    shape = _SHAPE.match(value)
    if shape is None:
        error(path, f"{value!r} harus berbentuk \"08:00-14:00\" (jam:menit-jam:menit)",
              f"{value!r} must look like \"08:00-14:00\" (hour:minute-hour:minute)")
        return None
    h1, m1, h2, m2 = (int(g) for g in shape.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        error(path, f"{value!r}: jam 00-23 dan menit 00-59 (tengah malam ditulis 23:59)",
              f"{value!r}: hours 00-23 and minutes 00-59 (write midnight as 23:59)")
    else:
        error(path, f"{value!r}: jam buka harus sebelum jam tutup",
              f"{value!r}: the opening time must be before the closing time")
    return None


def check_hours(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    table = read.table(data, "hours", "")
    if table is None:
        if "hours" not in data:
            read.findings.warning("hours", "tidak ada [hours]: kios tidak pernah buka",
                                  "no [hours]: the kiosk never opens")
        return
    read.unknown_keys(table, _HOURS_KEYS, "hours", refuse=True)
    weekly: dict[int, DayHours] = {}
    for number, name in enumerate(WEEKDAYS):
        if name in table:
            hours = span(read, table[name], f"hours.{name}")
            if hours is not None:
                weekly[number] = hours
    read.integer(table, "kiosk_opens_minutes_before", "hours", low=0, high=720,
                 unit=("menit", "minutes"))
    cutoff = read.integer(table, "cutoff_minutes_before_close", "hours", low=0, high=720,
                          unit=("menit", "minutes"))
    read.boolean(table, "holidays", "hours")
    overrides = _overrides(read, table)
    for path, hours in [*((f"hours.{WEEKDAYS[n]}", h) for n, h in weekly.items()),
                        *overrides]:
        if cutoff is not None and _length(hours) <= cutoff:
            read.findings.error(
                path, f"jam layanan {_length(hours)} menit habis oleh "
                f"cutoff_minutes_before_close = {cutoff}: tidak ada waktu mengambil nomor",
                f"{_length(hours)} minutes of service are used up by "
                f"cutoff_minutes_before_close = {cutoff}: no time left to issue tickets")
    if not any(name in table for name in WEEKDAYS):
        read.findings.warning("hours", "tidak ada hari buka (monday ... sunday): kios hanya "
                              "buka pada tanggal di [[hours.overrides]]",
                              "no open weekday (monday ... sunday): the kiosk opens only on "
                              "the dates of [[hours.overrides]]")
    if read.findings.errors_under("hours"):
        return
    facts.weekly = weekly
    _as_the_server_does(read, table, data)


def _as_the_server_does(read: Reader, table: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    head = data.get("site")
    zone = head.get("timezone", "Asia/Jakarta") if isinstance(head, dict) else "Asia/Jakarta"
    if read.findings.errors_under("site.timezone"):
        return
    try:
        schedule_from_config(table, zone)
    except ValueError as exc:  # a rule above does not know yet: still refuse, in English
        read.findings.error("hours", f"jam layanan ditolak: {exc}",
                            f"opening hours refused: {exc}")


def _overrides(read: Reader, table: Mapping[str, Any]) -> list[tuple[str, DayHours]]:
    """Check every override; return the hours of those that set hours, with their path."""
    spans: list[tuple[str, dt.date, dt.date]] = []
    hours_out: list[tuple[str, DayHours]] = []
    for path, item in read.tables(table, "overrides", "hours", "hours.overrides"):
        read.unknown_keys(item, _OVERRIDE_KEYS, path, refuse=True)
        if "date" in item and "from" in item:
            read.findings.error(f"{path}.from", "tulis date atau from, tidak keduanya",
                                "write date or from, not both")
            continue
        start: dt.date | None = None
        if "date" not in item and "from" not in item:
            # With a ``to`` written, the missing field is its ``from``.
            read.findings.error(f"{path}.from" if "to" in item else f"{path}.date",
                                "wajib diisi: date (atau from dan to)",
                                "is required: date (or from and to)")
        else:
            first = "date" if "date" in item else "from"
            start = _date(read, item, first, path)
            if first == "from" and "to" not in item:
                read.findings.error(f"{path}.to", "wajib diisi bersama from",
                                    "is required together with from")
        end = _date(read, item, "to", path) if "to" in item else start
        closed = read.boolean(item, "closed", path)
        if closed is True and "hours" in item:
            read.findings.error(f"{path}.hours", "tulis hours atau closed = true, tidak keduanya",
                                "write hours or closed = true, not both")
        elif closed is not True and "hours" not in item and "closed" not in item:
            read.findings.error(f"{path}.hours",
                                "wajib diisi: hours = \"08:00-12:00\" atau closed = true",
                                "is required: hours = \"08:00-12:00\" or closed = true")
        elif closed is False and "hours" not in item:
            read.findings.error(f"{path}.closed", "closed = false tanpa hours tidak berarti "
                                "apa-apa: tulis hours = \"08:00-12:00\" atau closed = true",
                                "closed = false without hours means nothing: write "
                                "hours = \"08:00-12:00\" or closed = true")
        if "hours" in item and closed is not True:
            hours = span(read, item["hours"], f"{path}.hours")
            if hours is not None:
                hours_out.append((f"{path}.hours", hours))
        read.text(item, "reason", path, blank_ok=True, longest=200)
        if start is None or end is None:
            continue
        if end < start:
            read.findings.error(f"{path}.to", f"{end} sebelum tanggal mulai {start}",
                                f"{end} is before the start date {start}")
            continue
        for other, o_start, o_end in spans:
            if start <= o_end and o_start <= end:
                read.findings.error(path, f"tanggalnya bertumpuk dengan {other}",
                                    f"its dates overlap {other}")
        spans.append((path, start, end))
    return hours_out


def _date(read: Reader, item: Mapping[str, Any], key: str, path: str) -> dt.date | None:
    if key not in item:
        return None
    value = item[key]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    read.findings.error(f"{path}.{key}", f"{value!r} bukan tanggal seperti 2026-03-02",
                        f"{value!r} is not a date like 2026-03-02")
    return None


def _length(hours: DayHours) -> int:
    return (hours.close.hour * 60 + hours.close.minute) - (hours.open.hour * 60 + hours.open.minute)


def check_breaks(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    table = read.table(data, "breaks", "")
    if table is None:
        return
    read.unknown_keys(table, _BREAK_KEYS, "breaks")
    facts.min_staffed = read.integer(table, "min_staffed_counters", "breaks", low=0, high=50)
    facts.break_minutes = read.integer(table, "default_minutes", "breaks",
                                       low=MIN_BREAK_MINUTES, high=MAX_BREAK_MINUTES,
                                       unit=("menit", "minutes"))
    if "window" in table:
        facts.break_window = span(read, table["window"], "breaks.window")
