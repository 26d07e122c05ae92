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
