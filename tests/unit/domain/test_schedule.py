from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from queue_server.domain.schedule import (
    DayHours,
    Override,
    Schedule,
    business_day,
    closed_message,
    format_next_open,
    holiday_name,
    hours_on,
    issuing_status,
    parse_hours,
    quota_left,
    schedule_from_config,
    wait_fits_before_close,
)

WIB = ZoneInfo("Asia/Jakarta")

PROBOLINGGO: dict[str, Any] = {
    "monday": "08:00-14:00",
    "tuesday": "08:00-14:00",
    "wednesday": "08:00-14:00",
    "thursday": "08:00-14:00",
    "friday": "08:00-11:00",
    "kiosk_opens_minutes_before": 15,
    "cutoff_minutes_before_close": 30,
    "holidays": True,
}


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=WIB)


def schedule(**extra: Any) -> Schedule:
    return schedule_from_config({**PROBOLINGGO, **extra})


def test_friday_after_closing_reopens_on_monday_morning() -> None:
    status = issuing_status(schedule(), at(2025, 11, 21, 11, 5))
    assert not status.open
    assert status.reason == "closed"
    assert status.next_open == at(2025, 11, 24, 8, 0)
    assert status.next_open is not None and status.next_open.tzinfo == WIB
    assert closed_message(status) == (
        "Layanan dibuka kembali Senin, 24 November 2025 pukul 08.00 WIB"
    )
    assert closed_message(status, "en") == (
        "Service reopens on Monday, 24 November 2025 at 08:00 WIB"
    )


def test_christmas_day_is_a_holiday_with_its_indonesian_name() -> None:
    status = issuing_status(schedule(), at(2025, 12, 25, 9, 0))
    assert status.reason == "holiday"
    assert status.holiday_name == holiday_name(dt.date(2025, 12, 25))
    assert status.holiday_name is not None and "Natal" in status.holiday_name
    # 26 December is cuti bersama, then the weekend.
    assert status.next_open == at(2025, 12, 29, 8, 0)
    assert closed_message(status) == (
        f"Hari ini libur nasional ({status.holiday_name}). "
        "Layanan dibuka kembali Senin, 29 Desember 2025 pukul 08.00 WIB"
    )
    assert closed_message(status, "en").startswith("Today is a public holiday (Christmas")


def test_a_cuti_bersama_day_from_the_holidays_package_closes_the_site() -> None:
    # 2025-12-26 is "Cuti Bersama Hari Raya Natal" in the government category.
    name = holiday_name(dt.date(2025, 12, 26))
    assert name is not None and "Cuti Bersama" in name
    status = issuing_status(schedule(), at(2025, 12, 26, 9, 0))
    assert status.reason == "holiday"
    assert status.holiday_kind == "government"
    assert closed_message(status).startswith(f"Hari ini libur ({name}).")


def test_cuti_bersama_of_2026_is_known() -> None:
    assert holiday_name(dt.date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert holiday_name(dt.date(2026, 3, 20), "en") == "Eid al-Fitr Joint Holiday"


def test_holidays_can_be_switched_off() -> None:
    status = issuing_status(schedule(holidays=False), at(2025, 12, 25, 9, 0))
    assert status.open


def test_monday_ten_to_eight_is_open_when_the_kiosk_opens_fifteen_minutes_early() -> None:
    status = issuing_status(schedule(), at(2025, 11, 24, 7, 50))
    assert status.open and status.reason == "open"
    assert status.closes_at == at(2025, 11, 24, 14, 0)
    assert status.issuing_until == at(2025, 11, 24, 13, 30)


def test_before_the_kiosk_opens_next_open_is_todays_service_opening() -> None:
    status = issuing_status(schedule(), at(2025, 11, 24, 7, 44))
    assert status.reason == "closed"
    assert status.next_open == at(2025, 11, 24, 8, 0)


def test_after_the_cutoff_the_reason_is_cutoff() -> None:
    status = issuing_status(schedule(), at(2025, 11, 24, 13, 35))
    assert not status.open and status.reason == "cutoff"
    assert status.next_open == at(2025, 11, 25, 8, 0)
    assert closed_message(status) == (
        "Pengambilan nomor antrean hari ini sudah ditutup pukul 13.30 WIB. "
        "Layanan dibuka kembali Selasa, 25 November 2025 pukul 08.00 WIB"
    )


def test_the_cutoff_moment_itself_no_longer_issues() -> None:
    assert issuing_status(schedule(), at(2025, 11, 24, 13, 29, 59)).open
    assert issuing_status(schedule(), at(2025, 11, 24, 13, 30)).reason == "cutoff"
    assert issuing_status(schedule(), at(2025, 11, 24, 14, 0)).reason == "closed"


def test_a_special_saturday_override_opens_a_weekend_day() -> None:
    s = schedule(overrides=[{"date": "2025-11-29", "hours": "08:00-12:00",
                             "reason": "Pelayanan Sabtu"}])
    assert hours_on(s, dt.date(2025, 11, 29)) == DayHours(dt.time(8), dt.time(12))
    assert issuing_status(s, at(2025, 11, 29, 9, 0)).open
    # The Friday before now reopens on Saturday.
    assert issuing_status(s, at(2025, 11, 28, 12, 0)).next_open == at(2025, 11, 29, 8, 0)


def test_a_closed_override_closes_a_working_day_and_says_why() -> None:
    s = schedule(overrides=[{"date": "2025-11-26", "closed": True,
                             "reason": "Pemilihan kepala daerah"}])
    status = issuing_status(s, at(2025, 11, 26, 9, 0))
    assert status.reason == "closed" and status.note == "Pemilihan kepala daerah"
    assert closed_message(status) == (
        "Hari ini layanan tutup (Pemilihan kepala daerah). "
        "Layanan dibuka kembali Kamis, 27 November 2025 pukul 08.00 WIB"
    )


def test_ramadan_override_shortens_the_hours_for_the_whole_range() -> None:
    s = schedule(overrides=[{"date": "2026-03-02", "to": "2026-03-19", "hours": "08:00-12:00",
                             "reason": "Jam pelayanan bulan Ramadan"}])
    ramadan = DayHours(dt.time(8), dt.time(12))
    assert hours_on(s, dt.date(2026, 3, 2)) == ramadan
    assert hours_on(s, dt.date(2026, 3, 13)) == ramadan  # a Friday: 12.00, not 11.00
    assert hours_on(s, dt.date(2026, 3, 1)) is None  # Sunday before
    assert hours_on(s, dt.date(2026, 3, 26)) == DayHours(dt.time(8), dt.time(14))
    assert issuing_status(s, at(2026, 3, 3, 11, 35)).reason == "cutoff"
    assert issuing_status(s, at(2026, 3, 3, 11, 25)).open


def test_an_override_with_from_and_to_is_accepted_too() -> None:
    s = schedule(overrides=[{"from": dt.date(2026, 3, 2), "to": dt.date(2026, 3, 3),
                             "closed": True}])
    assert s.overrides == (Override(dt.date(2026, 3, 2), dt.date(2026, 3, 3), None, True, ""),)


def test_next_open_skips_a_long_weekend_and_the_holidays_around_it() -> None:
    # Thu 2025-05-29 Kenaikan Yesus Kristus, Fri 30 cuti bersama, weekend, Sun 1 June Pancasila.
    status = issuing_status(schedule(), at(2025, 5, 28, 14, 30))
    assert status.next_open == at(2025, 6, 2, 8, 0)
    # Idul Fitri 2025: Mon 31 March .. Mon 7 April are all holidays.
    status = issuing_status(schedule(), at(2025, 3, 27, 15, 0))
    assert status.next_open == at(2025, 4, 8, 8, 0)


def test_issuing_status_uses_the_site_time_zone_for_a_utc_now() -> None:
    now = dt.datetime(2025, 11, 24, 1, 0, tzinfo=dt.UTC)  # 08.00 WIB
    assert issuing_status(schedule(), now).open
    assert business_day(dt.datetime(2025, 11, 23, 17, 30, tzinfo=dt.UTC), "Asia/Jakarta") == (
        dt.date(2025, 11, 24)
    )


def test_a_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        issuing_status(schedule(), dt.datetime(2025, 11, 24, 9, 0))


def test_next_open_is_formatted_for_each_indonesian_time_zone() -> None:
    moment = dt.datetime(2025, 11, 24, 8, 0)
    assert format_next_open(moment.replace(tzinfo=ZoneInfo("Asia/Makassar"))) == (
        "Senin, 24 November 2025 pukul 08.00 WITA"
    )
    assert format_next_open(moment.replace(tzinfo=ZoneInfo("Asia/Jayapura")), "en") == (
        "Monday, 24 November 2025 at 08:00 WIT"
    )


def test_wait_that_runs_past_closing_does_not_fit() -> None:
    s = schedule()
    assert wait_fits_before_close(s, at(2025, 11, 24, 13, 0), 3600)
    assert not wait_fits_before_close(s, at(2025, 11, 24, 13, 0), 3601)
    # Before opening the wait starts at 08.00.
    assert not wait_fits_before_close(s, at(2025, 11, 24, 7, 50), 6 * 3600 + 1)
    assert not wait_fits_before_close(s, at(2025, 11, 22, 9, 0), 0)  # Saturday


def test_quota_left_never_goes_below_zero() -> None:
    assert quota_left(None, 500) is None
    assert quota_left(100, 40) == 60
    assert quota_left(50, 51) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("08:00", "must look like"),
        ("8-14", "not a time"),
        ("14:00-08:00", "before closing"),
        ("08:00-24:30", "not a valid time"),
    ],
)
def test_bad_hours_are_rejected_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_parse_hours_accepts_the_indonesian_dot() -> None:
    assert parse_hours("08.00-11.00") == DayHours(dt.time(8), dt.time(11))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"firday": "08:00-11:00"}, r"hours: unknown key\(s\) firday"),
        ({"friday": "8-11"}, r"hours\.friday: "),
        ({"cutoff_minutes_before_close": -1}, r"hours\.cutoff_minutes_before_close"),
        ({"cutoff_minutes_before_close": 180}, r"hours\.friday: cutoff"),
        ({"overrides": [{"date": "2026-03-02"}]}, r"overrides\[0\]: give exactly one"),
        ({"overrides": [{"date": "2026-03-05", "to": "2026-03-02", "closed": True}]},
         r"overrides\[0\]\.to"),
        ({"overrides": [{"date": "2026-02-30", "closed": True}]}, r"overrides\[0\]\.date"),
        ({"overrides": [{"to": "2026-03-02", "closed": True}]}, r"overrides\[0\]: give either"),
        ({"overrides": [{"date": "2026-03-02", "to": "2026-03-04", "closed": True},
                        {"date": "2026-03-04", "closed": True}]},
         r"overrides\[1\]: overlaps hours\.overrides\[0\]"),
    ],
)
def test_bad_hours_tables_name_the_field(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule_from_config({**PROBOLINGGO, **extra})


def test_an_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="time zone"):
        schedule_from_config(PROBOLINGGO, timezone="Asia/Atlantis")


def test_closures_and_special_hours_of_the_coming_week_are_announced_in_advance() -> None:
    from queue_server.domain.schedule import Override, override_notice, upcoming_overrides

    tomorrow_closed = Override(dt.date(2026, 12, 2), dt.date(2026, 12, 2), None, True,
                               "cuti bersama")
    ramadan = Override(dt.date(2026, 12, 7), dt.date(2026, 12, 31),
                       DayHours(dt.time(8), dt.time(12)), False, "Ramadan")
    far = Override(dt.date(2027, 1, 20), dt.date(2027, 1, 20), None, True, "")
    today = Override(dt.date(2026, 12, 1), dt.date(2026, 12, 1), None, True, "")
    schedule = Schedule("Asia/Jakarta", {0: DayHours(dt.time(8), dt.time(14))},
                        (ramadan, far, tomorrow_closed, today))
    now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert upcoming_overrides(schedule, now) == [tomorrow_closed, ramadan]
    assert override_notice(tomorrow_closed) == "Rabu, 2 Desember 2026: layanan tutup (cuti bersama)"
    assert override_notice(ramadan, "en") == (
        "Monday, 7 December 2026 to Thursday, 31 December 2026: opening hours 08:00–12:00 "
        "(Ramadan)")
