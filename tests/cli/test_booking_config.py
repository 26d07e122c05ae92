"""``[booking]`` survives the round trip: site file → database → ``loket config export`` →
``config check`` → the same policy."""

from __future__ import annotations

from pathlib import Path

from queue_server.cli import main
from queue_server.site import load_site
from tests.support.booking import booking_site


def test_the_booking_section_round_trips_through_export(sqlite_url: str,
                                                        tmp_path: Path) -> None:
    site_file = booking_site(tmp_path)
    out = tmp_path / "export.toml"
    assert main(["config", "export", "--database-url", sqlite_url, "--config", str(site_file),
                 "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "[booking]" in text and "seats_per_slot = 3" in text
    assert main(["config", "check", str(out)]) == 0
    exported = load_site(out)
    assert exported.booking == load_site(site_file).booking
    assert exported.booking.enabled and exported.booking.max_per_phone_per_day == 2
