from __future__ import annotations

from queue_server.domain.hours_text import HoursLine, weekly_hours
from queue_server.domain.schedule import schedule_from_config

WEEK = {"monday": "08:00-14:00", "tuesday": "08:00-14:00", "wednesday": "08:00-14:00",
        "thursday": "08:00-14:00", "friday": "08:00-11:00"}


def test_days_with_the_same_hours_run_together() -> None:
    assert weekly_hours(schedule_from_config(WEEK)) == [
        HoursLine("Senin\u2013Kamis", "08.00\u201314.00 WIB", True),
        HoursLine("Jumat", "08.00\u201311.00 WIB", True),
        HoursLine("Sabtu\u2013Minggu", "Tutup", False),
    ]


def test_english_and_another_zone() -> None:
    schedule = schedule_from_config({**WEEK, "saturday": "08:00-12:00"}, "Asia/Makassar")
    assert weekly_hours(schedule, "en") == [
        HoursLine("Monday\u2013Thursday", "08:00\u201314:00 WITA", True),
        HoursLine("Friday", "08:00\u201311:00 WITA", True),
        HoursLine("Saturday", "08:00\u201312:00 WITA", True),
        HoursLine("Sunday", "Closed", False),
    ]
