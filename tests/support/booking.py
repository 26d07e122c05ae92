"""The test site with online booking switched on, and a few helpers for booking tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SITE_FILE

BOOKING = """
[booking]
slot_minutes = 30
seats_per_slot = 3
days_ahead = 7
online_share_percent = 50
checkin_before_minutes = 30
checkin_after_minutes = 15
max_per_phone_per_day = 2
"""


def booking_site(directory: Path) -> Path:
    """``tests/fixtures/site.toml`` plus ``[booking]`` (3 seats a slot, AKTA: 1 a day)."""
    path = directory / "site-booking.toml"
    path.write_text(SITE_FILE.read_text(encoding="utf-8") + BOOKING, encoding="utf-8")
    return path


def phone(n: int) -> str:
    """A distinct valid mobile number per ``n``."""
    return f"0812{n:08d}"
