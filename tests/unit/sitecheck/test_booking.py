"""``[booking]`` in the site file: checked field by field, built into the site's policy."""

from __future__ import annotations

from pathlib import Path

from queue_server.domain.booking import BookingPolicy
from queue_server.site import DEMO_SITE, parse_site
from queue_server.sitecheck import check_site_text

SITE = (Path(__file__).parents[2] / "fixtures" / "site.toml").read_text(encoding="utf-8")


def with_booking(body: str) -> str:
    return SITE + "\n[booking]\n" + body


def test_without_a_booking_section_the_office_takes_no_bookings() -> None:
    assert parse_site(SITE).booking == BookingPolicy(enabled=False)


def test_a_booking_section_switches_booking_on_with_the_defaults() -> None:
    policy = parse_site(with_booking("seats_per_slot = 4\n")).booking
    assert policy == BookingPolicy(enabled=True, seats_per_slot=4)
    assert (policy.checkin_before_minutes, policy.checkin_after_minutes) == (30, 15)
    assert parse_site(with_booking("enabled = false\n")).booking.enabled is False


def test_the_demo_site_takes_bookings() -> None:
    assert parse_site(DEMO_SITE.read_text(encoding="utf-8")).booking.enabled


def test_wrong_booking_fields_are_errors_naming_field_and_line() -> None:
    text = with_booking('slot_minutes = 2\nonline_share_percent = 150\nseats = 3\n'
                        'enabled = "ya"\n')
    _, found = check_site_text(text)
    by_path = {f.path: f for f in found if f.is_error}
    assert set(by_path) == {"booking.slot_minutes", "booking.online_share_percent",
                            "booking.enabled"}
    assert [f.path for f in found if not f.is_error] == ["booking.seats"]  # a typo: warned
    first_line = SITE.count("\n") + 3
    assert by_path["booking.slot_minutes"].line == first_line
    assert "5 sampai 240" in by_path["booking.slot_minutes"].message_id
