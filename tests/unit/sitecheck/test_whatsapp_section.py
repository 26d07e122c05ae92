"""``[whatsapp]`` in the site file: checked like every section, secrets refused, and it
round-trips through ``loket config export``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from queue_server.site import parse_site
from queue_server.sitecheck import check_site_text
from queue_server.toml_out import dump

SITE = (Path(__file__).parents[2] / "fixtures" / "site.toml").read_text(encoding="utf-8")
GOOD = """
[whatsapp]
api_base_url = "https://graph.facebook.com/v21.0/"
phone_number_id = "109876543210"
number = "6281234567890"
messages_per_second = 10
"""


def errors_of(extra: str) -> dict[str, str]:
    _, found = check_site_text(SITE + extra)
    return {f.path: f.message_en for f in found if f.is_error}


def test_a_complete_whatsapp_table_is_accepted_and_built() -> None:
    assert errors_of(GOOD) == {}
    site = parse_site(SITE + GOOD)
    assert site.whatsapp is not None
    assert site.whatsapp.api_base_url == "https://graph.facebook.com/v21.0"
    assert site.whatsapp.phone_number_id == "109876543210"
    assert site.whatsapp.provider == "cloud" and site.whatsapp.messages_per_second == 10


def test_without_the_table_whatsapp_is_off() -> None:
    assert parse_site(SITE).whatsapp is None


def test_a_secret_in_the_site_file_is_an_error_naming_the_environment() -> None:
    found = errors_of(GOOD + 'token = "EAAG…"\n')
    assert "LOKET_WHATSAPP_" in found["whatsapp.token"]


def test_bad_values_name_their_field() -> None:
    found = errors_of('\n[whatsapp]\napi_base_url = "ftp://x"\nnumber = "+62 812"\n'
                      'provider = "sms"\nmessages_per_second = 0\n')
    assert set(found) >= {"whatsapp.api_base_url", "whatsapp.number", "whatsapp.provider",
                          "whatsapp.messages_per_second"}


def test_the_cloud_provider_needs_a_phone_number_id_but_a_gateway_does_not() -> None:
    assert "whatsapp.phone_number_id" in errors_of('\n[whatsapp]\napi_base_url = "https://x"\n')
    assert errors_of('\n[whatsapp]\nprovider = "http"\napi_base_url = "https://x"\n') == {}


def test_config_export_round_trips_the_whatsapp_table() -> None:
    site = parse_site(SITE + GOOD)
    text = dump(site.document)
    assert tomllib.loads(text)["whatsapp"] == site.document["whatsapp"]
    assert parse_site(text).whatsapp == site.whatsapp


TEMPLATES = """
[whatsapp.templates]
booking = { name = "loket_booking_confirmed", languages = ["id", "en"] }
reminder = { name = "loket_booking_reminder", languages = ["id"] }
cancelled = { name = "loket_booking_cancelled", languages = ["id", "en_US"] }
"""


def test_approved_templates_are_accepted_built_and_exported() -> None:
    assert errors_of(GOOD + TEMPLATES) == {}
    site = parse_site(SITE + GOOD + TEMPLATES)
    assert site.whatsapp is not None
    booking = site.whatsapp.templates["booking"]
    assert (booking.name, booking.languages) == ("loket_booking_confirmed", ("id", "en"))
    assert site.whatsapp.templates["cancelled"].languages == ("id", "en_US")
    text = dump(site.document)
    assert parse_site(text).whatsapp == site.whatsapp


def test_a_malformed_templates_table_is_refused_naming_the_field_in_indonesian_first() -> None:
    _, found = check_site_text(SITE + GOOD + """
[whatsapp.templates]
booking = { name = "Loket Booking", languages = ["id", "id"] }
reminder = { name = "loket_booking_reminder", languages = ["indonesian"] }
cancelled = { name = "loket_booking_cancelled", languages = [] }
confirmation = { name = "loket_x", languages = ["id"] }
""")
    errors = {f.path: f for f in found if f.is_error}
    assert set(errors) == {"whatsapp.templates.booking.name",
                           "whatsapp.templates.booking.languages[1]",
                           "whatsapp.templates.reminder.languages[0]",
                           "whatsapp.templates.cancelled.languages",
                           "whatsapp.templates.confirmation"}
    name = errors["whatsapp.templates.booking.name"]
    assert name.message_id.startswith("nama template hanya huruf kecil, angka dan '_'")
    assert "lower-case letters, digits and '_'" in name.message_en
    assert "'indonesian'" in errors["whatsapp.templates.reminder.languages[0]"].message_id
    assert "salah ketik" in errors["whatsapp.templates.confirmation"].message_id


def test_a_template_without_its_name_or_languages_or_not_a_table_is_refused() -> None:
    found = errors_of(GOOD + '\n[whatsapp.templates]\nbooking = "loket_booking_confirmed"\n'
                      'reminder = { languages = ["id"] }\ncancelled = { name = "x" }\n')
    assert set(found) == {"whatsapp.templates.booking", "whatsapp.templates.reminder.name",
                          "whatsapp.templates.cancelled.languages"}
    assert "must be a table" in found["whatsapp.templates.booking"]
    assert errors_of(GOOD + 'templates = ["loket_booking_confirmed"]\n') == {
        "whatsapp.templates": "must be a table, not ['loket_booking_confirmed']"}


def test_templates_for_a_gateway_are_a_warning_that_it_sends_plain_text() -> None:
    _, found = check_site_text(SITE + '\n[whatsapp]\nprovider = "http"\n'
                                      'api_base_url = "https://x"\n' + TEMPLATES)
    (warning,) = [f for f in found if "whatsapp" in f.path]
    assert (warning.path, warning.is_error) == ("whatsapp.templates", False)
    assert warning.message_id.startswith("template hanya dipakai provider cloud")
    assert "the http gateway sends plain text" in warning.message_en
