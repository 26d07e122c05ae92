"""``[booking]``: online booking (docs/site-file.md, domain/booking.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from queue_server.sitecheck.fields import Reader

BOOKING_KEYS = ("enabled", "slot_minutes", "seats_per_slot", "days_ahead",
                "online_share_percent", "checkin_before_minutes", "checkin_after_minutes",
                "max_per_phone_per_day")


def check_booking(read: Reader, data: Mapping[str, Any]) -> None:
    table = read.table(data, "booking", "")
    if table is None:
        return
    read.unknown_keys(table, BOOKING_KEYS, "booking")
    read.boolean(table, "enabled", "booking")
    minutes = ("menit", "minutes")
    read.integer(table, "slot_minutes", "booking", low=5, high=240, unit=minutes)
    read.integer(table, "seats_per_slot", "booking", low=1, high=500)
    read.integer(table, "days_ahead", "booking", low=0, high=90, unit=("hari", "days"))
    read.integer(table, "online_share_percent", "booking", low=0, high=100,
                 unit=("persen", "percent"))
    read.integer(table, "checkin_before_minutes", "booking", low=0, high=240, unit=minutes)
    read.integer(table, "checkin_after_minutes", "booking", low=0, high=240, unit=minutes)
    read.integer(table, "max_per_phone_per_day", "booking", low=1, high=20)
