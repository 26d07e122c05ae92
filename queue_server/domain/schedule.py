"""Opening hours, holidays and when the kiosk may issue tickets.

Pure: the current time is always passed in as an aware ``datetime``; nothing here reads the
clock. All wall-clock reasoning happens in the site's time zone.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from babel.dates import format_date, format_time

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOURS_KEYS = frozenset(WEEKDAYS) | {
    "kiosk_opens_minutes_before",
    "cutoff_minutes_before_close",
    "holidays",
    "overrides",
}
_OVERRIDE_KEYS = frozenset({"date", "from", "to", "hours", "closed", "reason"})
# How far ahead next_open looks before giving up (a site closed for a whole year has no answer).
_LOOKAHEAD_DAYS = 400

Lang = Literal["id", "en"]
HolidayKind = Literal["public", "government"]
Reason = Literal["open", "closed", "holiday", "cutoff"]
_T = TypeVar("_T")


@dataclass(frozen=True)
class DayHours:
    open: dt.time
    close: dt.time

    def __post_init__(self) -> None:
        if self.open >= self.close:
            raise ValueError(
                f"opening time {self.open:%H:%M} must be before closing time {self.close:%H:%M}"
            )


@dataclass(frozen=True)
class Override:
    """Hours for the days ``start``..``end`` (inclusive): either ``hours`` or ``closed``."""

    start: dt.date
    end: dt.date
    hours: DayHours | None
    closed: bool
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"override ends ({self.end}) before it starts ({self.start})")
        if self.closed == (self.hours is not None):
            raise ValueError("an override needs exactly one of hours or closed")

    def covers(self, d: dt.date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True)
class Schedule:
    timezone: str
    weekly: Mapping[int, DayHours]  # 0 = Monday; a missing day is closed
    overrides: tuple[Override, ...] = ()
    kiosk_opens_minutes_before: int = 0
    cutoff_minutes_before_close: int = 0
    use_holidays: bool = True
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tz", ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        if any(day not in range(7) for day in self.weekly):
            raise ValueError("weekly hours are keyed by weekday number 0 (Monday) .. 6 (Sunday)")
        if self.kiosk_opens_minutes_before < 0 or self.cutoff_minutes_before_close < 0:
            raise ValueError("kiosk_opens_minutes_before and cutoff must not be negative")


@dataclass(frozen=True)
class IssuingStatus:
    """Whether the kiosk may issue tickets now, and if not, why and until when.

    ``next_open`` is the *service* opening time the visitor understands (Monday 08.00), not the
    earlier moment the kiosk starts issuing. ``closes_at`` is today's closing time when the site
    is open today and has not closed yet; ``issuing_until`` is the cut-off for new tickets.
    """

    open: bool
    reason: Reason
    holiday_name: str | None = None
    holiday_kind: HolidayKind | None = None
    holiday_name_en: str | None = None
    next_open: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    issuing_until: dt.datetime | None = None
    note: str | None = None  # the override's reason when an override closed the day


def parse_hours(text: str) -> DayHours:
    """``"08:00-14:00"`` (or ``08.00-14.00``) → DayHours."""
    if not isinstance(text, str):
        raise ValueError(f"hours must be a string like '08:00-14:00', got {text!r}")
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(f"hours {text!r} must look like '08:00-14:00'")
    open_, close = (_parse_time(p, text) for p in parts)
    if open_ >= close:
        raise ValueError(f"hours {text!r}: opening time must be before closing time")
    return DayHours(open_, close)


def _parse_time(part: str, whole: str) -> dt.time:
    hh, sep, mm = part.replace(".", ":").partition(":")
    if not sep or not (hh.isdigit() and mm.isdigit()) or len(mm) != 2 or len(hh) > 2:
        raise ValueError(f"hours {whole!r}: {part!r} is not a time like 08:00")
    if int(hh) > 23 or int(mm) > 59:
        raise ValueError(f"hours {whole!r}: {part!r} is not a valid time of day")
    return dt.time(int(hh), int(mm))


def schedule_from_config(
    hours_table: Mapping[str, Any], timezone: str = "Asia/Jakarta"
) -> Schedule:
    """Build a Schedule from the site file's ``[hours]`` table (see docs/site-file.md).

    Errors name the field, e.g. ``hours.overrides[1].to: ...``. Unknown keys are errors, so a
    misspelt ``firday`` does not silently close Friday.
    """
    unknown = sorted(set(hours_table) - _HOURS_KEYS)
    if unknown:
        raise ValueError(f"hours: unknown key(s) {', '.join(unknown)}")
    weekly: dict[int, DayHours] = {}
    for number, name in enumerate(WEEKDAYS):
        if name in hours_table:
            weekly[number] = _field(f"hours.{name}", parse_hours, hours_table[name])
    kiosk = _int_field(hours_table, "kiosk_opens_minutes_before", 0)
    cutoff = _int_field(hours_table, "cutoff_minutes_before_close", 0)
    use_holidays = hours_table.get("holidays", True)
    if not isinstance(use_holidays, bool):
        raise ValueError("hours.holidays: must be true or false")
    raw_overrides = hours_table.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ValueError("hours.overrides: must be an array of tables ([[hours.overrides]])")
    overrides = tuple(_override(i, o) for i, o in enumerate(raw_overrides))
    for i, a in enumerate(overrides):
        for j in range(i):
            b = overrides[j]
            if a.start <= b.end and b.start <= a.end:
                raise ValueError(f"hours.overrides[{i}]: overlaps hours.overrides[{j}]")
    for label, hours in [*((WEEKDAYS[n], h) for n, h in weekly.items()),
                         *((f"overrides[{i}]", o.hours) for i, o in enumerate(overrides))]:
        if hours is not None and _minutes(hours.close) - _minutes(hours.open) <= cutoff:
            raise ValueError(f"hours.{label}: cutoff_minutes_before_close leaves no issuing time")
    return Schedule(timezone, weekly, overrides, kiosk, cutoff, use_holidays)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _field(name: str, parse: Callable[[Any], _T], value: Any) -> _T:
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _int_field(table: Mapping[str, Any], key: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 720:
        raise ValueError(f"hours.{key}: must be a whole number of minutes from 0 to 720")
    return value


def _override(index: int, raw: Any) -> Override:
    name = f"hours.overrides[{index}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{name}: must be a table")
    unknown = sorted(set(raw) - _OVERRIDE_KEYS)
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {', '.join(unknown)}")
    if ("date" in raw) == ("from" in raw):
        raise ValueError(f"{name}: give either date (optionally with to) or from and to")
    first_key = "date" if "date" in raw else "from"
    if first_key == "from" and "to" not in raw:
        raise ValueError(f"{name}: from needs a matching to")
    start = _field(f"{name}.{first_key}", _as_date, raw[first_key])
    end = _field(f"{name}.to", _as_date, raw["to"]) if "to" in raw else start
    closed = raw.get("closed", False)
    if not isinstance(closed, bool):
        raise ValueError(f"{name}.closed: must be true or false")
    if closed == ("hours" in raw):
        raise ValueError(f"{name}: give exactly one of hours = \"08:00-12:00\" or closed = true")
    hours = _field(f"{name}.hours", parse_hours, raw["hours"]) if "hours" in raw else None
    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        raise ValueError(f"{name}.reason: must be a string")
    if end < start:
        raise ValueError(f"{name}.to: {end} is before {start}")
    return Override(start, end, hours, closed, reason)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value!r} must be a date without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date like 2026-03-02")


# --- holidays -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _holidays_in(year: int, lang: Lang) -> Mapping[dt.date, tuple[str, HolidayKind]]:
    # Public holidays win over cuti bersama (government category) on the same day.
    language = "id" if lang == "id" else "en_US"
    found: dict[dt.date, tuple[str, HolidayKind]] = {}
    kinds: tuple[HolidayKind, ...] = ("government", "public")
    for kind in kinds:
        calendar = holidays.country_holidays(
            "ID", years=year, categories=(kind,), language=language
        )
        for day, name in calendar.items():
            found[day] = (name, kind)
    return types.MappingProxyType(found)


def holiday(d: dt.date, lang: Lang = "id") -> tuple[str, HolidayKind] | None:
    """Name and kind ("public" = libur nasional, "government" = cuti bersama) of a holiday."""
    return _holidays_in(d.year, lang).get(d)


def holiday_name(d: dt.date, lang: Lang = "id") -> str | None:
    """The national holiday or cuti bersama on ``d`` (Indonesian name by default), or None."""
    found = holiday(d, lang)
    return found[0] if found else None


# --- hours and issuing ----------------------------------------------------------------------


def _override_on(schedule: Schedule, d: dt.date) -> Override | None:
    return next((o for o in schedule.overrides if o.covers(d)), None)


def hours_on(schedule: Schedule, d: dt.date) -> DayHours | None:
    """Opening hours on a date: an override wins (it may open a weekend day or a holiday),
    then a holiday closes, then the weekly hours apply."""
    override = _override_on(schedule, d)
    if override is not None:
        return override.hours
    if schedule.use_holidays and holiday(d) is not None:
        return None
    return schedule.weekly.get(d.weekday())


def _local(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(tz)


def business_day(now: dt.datetime, tz: str) -> dt.date:
    """The date in the site's time zone: tickets are numbered per business day."""
    return _local(now, ZoneInfo(tz)).date()


def _at(d: dt.date, t: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(d, t, tzinfo=tz)


def _next_open(schedule: Schedule, after: dt.date) -> dt.datetime | None:
    for offset in range(1, _LOOKAHEAD_DAYS + 1):
        d = after + dt.timedelta(days=offset)
        hours = hours_on(schedule, d)
        if hours is not None:
            return _at(d, hours.open, schedule.tz)
    return None


def issuing_status(schedule: Schedule, now: dt.datetime) -> IssuingStatus:
    """May the kiosk issue a ticket at ``now``?

    Tickets are issued from (open - kiosk_opens_minutes_before) until
    (close - cutoff_minutes_before_close). Between the cut-off and closing the reason is
    "cutoff"; after closing, or on a day without hours, "closed" (or "holiday").
    """
    local = _local(now, schedule.tz)
    today = local.date()
    hours = hours_on(schedule, today)
    if hours is None:
        override = _override_on(schedule, today)
        found = holiday(today) if schedule.use_holidays and override is None else None
        return IssuingStatus(
            open=False,
            reason="holiday" if found else "closed",
            holiday_name=found[0] if found else None,
            holiday_kind=found[1] if found else None,
            holiday_name_en=holiday_name(today, "en") if found else None,
            next_open=_next_open(schedule, today),
            note=(override.reason or None) if override else None,
        )
    opens = _at(today, hours.open, schedule.tz)
    closes = _at(today, hours.close, schedule.tz)
    issuing_from = opens - dt.timedelta(minutes=schedule.kiosk_opens_minutes_before)
    issuing_until = closes - dt.timedelta(minutes=schedule.cutoff_minutes_before_close)
    if local < issuing_from:
        return IssuingStatus(False, "closed", next_open=opens, closes_at=closes,
                             issuing_until=issuing_until)
    if local < issuing_until:
        return IssuingStatus(True, "open", closes_at=closes, issuing_until=issuing_until)
    if local < closes:
        return IssuingStatus(False, "cutoff", next_open=_next_open(schedule, today),
                             closes_at=closes, issuing_until=issuing_until)
    return IssuingStatus(False, "closed", next_open=_next_open(schedule, today))


def wait_fits_before_close(schedule: Schedule, now: dt.datetime, estimated_wait_s: float) -> bool:
    """Would a ticket taken now be called before closing? Before opening the wait counts from
    the opening time, since no counter calls earlier. A call exactly at closing still fits."""
    if estimated_wait_s < 0:
        raise ValueError("estimated_wait_s must not be negative")
    local = _local(now, schedule.tz)
    hours = hours_on(schedule, local.date())
    if hours is None:
        return False
    start = max(local, _at(local.date(), hours.open, schedule.tz))
    return start + dt.timedelta(seconds=estimated_wait_s) <= _at(
        local.date(), hours.close, schedule.tz
    )


def quota_left(daily_quota: int | None, issued_today: int) -> int | None:
    """Tickets still available today; None when the service has no quota."""
    if issued_today < 0 or (daily_quota is not None and daily_quota < 0):
        raise ValueError("quota and issued count must not be negative")
    return None if daily_quota is None else max(0, daily_quota - issued_today)


# --- messages -------------------------------------------------------------------------------

# Indonesian zone abbreviations are used in both languages; Babel only knows "WIB".
_ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _zone_abbreviation(moment: dt.datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    if key in _ZONE_ABBREVIATIONS:
        return _ZONE_ABBREVIATIONS[key]
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_abbreviation(moment: dt.datetime) -> str:
    """"WIB", "WITA", "WIT", or "UTC+hh:mm" for other zones."""
    return _zone_abbreviation(moment)


def format_next_open(moment: dt.datetime, lang: Lang = "id") -> str:
    """"Senin, 24 November 2025 pukul 08.00 WIB" / "Monday, 24 November 2025 at 08:00 WIB"."""
    if moment.tzinfo is None:
        raise ValueError("moment must be an aware datetime")
    day = format_date(moment.date(), "EEEE, d MMMM y", locale=lang)
    if lang == "id":
        clock = format_time(moment, "HH.mm", locale="id")
        return f"{day} pukul {clock} {_zone_abbreviation(moment)}"
    clock = format_time(moment, "HH:mm", locale="en")
    return f"{day} at {clock} {_zone_abbreviation(moment)}"


def _format_clock(moment: dt.datetime, lang: Lang) -> str:
    pattern = "HH.mm" if lang == "id" else "HH:mm"
    return f"{format_time(moment, pattern, locale=lang)} {_zone_abbreviation(moment)}"


def closed_message(status: IssuingStatus, lang: Lang = "id") -> str:
    """The sentence the kiosk shows for a status (no trailing full stop, like a sign)."""
    id_ = lang == "id"
    if status.open:
        if status.issuing_until is None:
            return "Layanan buka" if id_ else "Service is open"
        until = _format_clock(status.issuing_until, lang)
        return (f"Layanan buka. Pengambilan nomor antrean sampai pukul {until}" if id_
                else f"Service is open. Tickets are issued until {until}")
    first = ""
    if status.reason == "holiday" and status.holiday_name:
        name = status.holiday_name if id_ else status.holiday_name_en or status.holiday_name
        if status.holiday_kind == "government":  # the name already says "Cuti Bersama ..."
            first = f"Hari ini libur ({name})" if id_ else f"Today is a holiday ({name})"
        else:
            first = (f"Hari ini libur nasional ({name})" if id_
                     else f"Today is a public holiday ({name})")
    elif status.reason == "cutoff" and status.issuing_until is not None:
        until = _format_clock(status.issuing_until, lang)
        first = (f"Pengambilan nomor antrean hari ini sudah ditutup pukul {until}" if id_
                 else f"Ticket issuing for today closed at {until}")
    elif status.note:
        first = (f"Hari ini layanan tutup ({status.note})" if id_
                 else f"The service is closed today ({status.note})")
    if status.next_open is None:
        last = "Layanan tutup" if id_ else "The service is closed"
    else:
        when = format_next_open(status.next_open, lang)
        last = f"Layanan dibuka kembali {when}" if id_ else f"Service reopens on {when}"
    return f"{first}. {last}" if first else last


def upcoming_overrides(schedule: Schedule, now: dt.datetime, days: int = 7) -> list[Override]:
    """Closures and special hours that start after today and within ``days``, earliest first:
    what visitors should hear about before they make the trip."""
    today = business_day(now, schedule.timezone)
    last = today + dt.timedelta(days=days)
    return sorted((o for o in schedule.overrides if today < o.start <= last),
                  key=lambda o: o.start)


def override_notice(override: Override, lang: Lang = "id") -> str:
    """"Rabu, 2 Desember 2026: layanan tutup (cuti bersama)" — one line of running text."""
    def day(d: dt.date) -> str:
        return format_date(d, "EEEE, d MMMM y", locale=lang)

    when = day(override.start)
    if override.end != override.start:
        when = (f"{when} s.d. {day(override.end)}" if lang == "id"
                else f"{when} to {day(override.end)}")
    if override.hours is None:
        what = "layanan tutup" if lang == "id" else "the service is closed"
    else:
        pattern = "HH.mm" if lang == "id" else "HH:mm"
        span = (f"{format_time(override.hours.open, pattern, locale=lang)}–"
                f"{format_time(override.hours.close, pattern, locale=lang)}")
        what = f"jam layanan {span}" if lang == "id" else f"opening hours {span}"
    reason = f" ({override.reason})" if override.reason else ""
    return f"{when}: {what}{reason}"
