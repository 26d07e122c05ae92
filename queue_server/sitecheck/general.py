"""``[site]``, ``[ordering]``, ``[[priority_categories]]`` and the file's top-level keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.domain.booking_messages import TEMPLATE_PURPOSES
from queue_server.sitecheck.facts import Facts
from queue_server.sitecheck.fields import Reader

SITE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}\Z")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}\Z")

TOP_LEVEL = ("site", "hours", "breaks", "ordering", "priority_categories", "agencies",
             "counters", "printers", "kiosks", "voice", "whatsapp",
             "booking")
_SITE_KEYS = ("code", "name", "address", "timezone", "google_review_url", "maklumat",
              "notices", "data_retention_days")


def check_top_level(read: Reader, data: Mapping[str, Any]) -> None:
    read.unknown_keys(data, TOP_LEVEL, "")


def check_site_table(read: Reader, data: Mapping[str, Any]) -> None:
    head = read.table(data, "site", "", required=True)
    if head is None:
        return
    read.unknown_keys(head, _SITE_KEYS, "site")
    code = read.text(head, "code", "site", required=True, longest=32)
    if code is not None and not SITE_CODE.match(code):
        read.findings.error("site.code", "hanya huruf kecil, angka dan '-' (maks. 32)",
                            "only lower-case letters, digits and '-' (at most 32)")
    read.text(head, "name", "site", required=True)
    read.text(head, "address", "site", blank_ok=True, longest=500)
    zone = read.text(head, "timezone", "site", longest=64)
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            read.findings.error("site.timezone",
                                f"zona waktu tidak dikenal: {zone!r} (mis. Asia/Jakarta)",
                                f"unknown time zone {zone!r} (e.g. Asia/Jakarta)")
    url = read.text(head, "google_review_url", "site", longest=500)
    if url is not None and not url.startswith(("https://", "http://")):
        read.findings.error("site.google_review_url", "harus alamat web (https://...)",
                            "must be a web address (https://...)")
    read.text(head, "maklumat", "site", blank_ok=True, longest=5000)
    read.texts(head, "notices", "site")
    read.integer(head, "data_retention_days", "site", low=1, high=3650,
                 unit=("hari", "days"))


def check_ordering(read: Reader, data: Mapping[str, Any]) -> None:
    table = read.table(data, "ordering", "")
    if table is None:
        return
    read.unknown_keys(table, ("priority_every", "max_normal_wait_minutes",
                              "no_show_after_recalls"), "ordering")
    read.integer(table, "priority_every", "ordering", low=1, high=100)
    read.integer(table, "max_normal_wait_minutes", "ordering", low=1, high=1440,
                 unit=("menit", "minutes"))
    read.integer(table, "no_show_after_recalls", "ordering", low=0, high=10)


def check_priority_categories(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    for path, item in read.tables(data, "priority_categories", "", "priority_categories"):
        read.unknown_keys(item, ("code", "name", "name_en"), path)
        code = read.text(item, "code", path, required=True, longest=32)
        if code is not None and not CATEGORY_CODE.match(code):
            read.findings.error(f"{path}.code", "huruf kecil, angka dan '_', diawali huruf",
                                "lower-case letters, digits and '_', starting with a letter")
        elif code is not None and code in facts.categories:
            read.findings.error(f"{path}.code", f"kategori {code!r} sudah dipakai",
                                f"category {code!r} is already used")
        elif code is not None:
            facts.categories.add(code)
        read.text(item, "name", path, required=True)
        read.text(item, "name_en", path)


def check_voice(read: Reader, data: Mapping[str, Any]) -> None:
    """``[voice]``: how the lobby TV says a call (docs/voice.md). The pack folder itself is
    checked when the server loads it, where its clips can be read."""
    table = read.table(data, "voice", "")
    if table is None:
        return
    read.unknown_keys(table, ("repeat", "pause_ms", "pack"), "voice")
    read.integer(table, "repeat", "voice", low=1, high=3, unit=("kali", "times"))
    read.integer(table, "pause_ms", "voice", low=100, high=1500,
                 unit=("milidetik", "milliseconds"))
    read.text(table, "pack", "voice", longest=500)


WHATSAPP_PROVIDERS = ("cloud", "http")
_DIGITS = re.compile(r"^[0-9]{6,20}\Z")
#: Meta's rule for template names, and its language codes (``id``, ``en``, ``en_US``, ``fil``)
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}\Z")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?\Z")


def check_whatsapp(read: Reader, data: Mapping[str, Any]) -> None:
    """``[whatsapp]``: the office's number (docs/whatsapp.md). Secrets are refused here: they
    belong in the environment, where a copied site file cannot leak them."""
    table = read.table(data, "whatsapp", "")
    if table is None:
        return
    for secret in ("token", "access_token", "app_secret", "verify_token"):
        if secret in table:
            read.findings.error(f"whatsapp.{secret}",
                                "rahasia tidak boleh di berkas situs: pakai variabel lingkungan "
                                "LOKET_WHATSAPP_*",
                                "secrets do not belong in the site file: use the "
                                "LOKET_WHATSAPP_* environment variables")
    read.unknown_keys(table, ("provider", "api_base_url", "phone_number_id", "number",
                              "messages_per_second", "templates", "token", "access_token",
                              "app_secret", "verify_token"), "whatsapp")
    provider = read.text(table, "provider", "whatsapp", longest=16)
    if provider is not None and provider not in WHATSAPP_PROVIDERS:
        read.findings.error("whatsapp.provider", "harus \"cloud\" atau \"http\"",
                            "must be \"cloud\" or \"http\"")
    url = read.text(table, "api_base_url", "whatsapp", required=True, longest=500)
    if url is not None and not url.startswith(("https://", "http://")):
        read.findings.error("whatsapp.api_base_url", "harus alamat web (https://...)",
                            "must be a web address (https://...)")
    read.text(table, "phone_number_id", "whatsapp", longest=64)
    if (provider or "cloud") == "cloud" and "phone_number_id" not in table:
        read.findings.error("whatsapp.phone_number_id",
                            "wajib untuk provider cloud (lihat WhatsApp Manager)",
                            "required for the cloud provider (see WhatsApp Manager)")
    number = read.text(table, "number", "whatsapp", longest=20)
    if number is not None and not _DIGITS.match(number):
        read.findings.error("whatsapp.number", "hanya angka dengan kode negara, mis. 6281234567890",
                            "digits only with the country code, e.g. 6281234567890")
    read.integer(table, "messages_per_second", "whatsapp", low=1, high=1000,
                 unit=("pesan/detik", "messages/second"))
    check_whatsapp_templates(read, table, provider or "cloud")


def check_whatsapp_templates(read: Reader, whatsapp: Mapping[str, Any], provider: str) -> None:
    """``[whatsapp.templates]``: the templates the office had approved at Meta, by purpose.
    A misspelt purpose or name would not be noticed until visitors silently got nothing, so
    everything wrong here is an error."""
    path = "whatsapp.templates"
    templates = read.table(whatsapp, "templates", "whatsapp")
    if templates is None:
        return
    read.unknown_keys(templates, TEMPLATE_PURPOSES, path, refuse=True)
    if templates and provider != "cloud":
        read.findings.warning(path, "template hanya dipakai provider cloud; gateway http "
                                    "mengirim teks biasa",
                              "templates are used by the cloud provider only; the http "
                              "gateway sends plain text")
    for purpose in TEMPLATE_PURPOSES:
        where = f"{path}.{purpose}"
        item = read.table(templates, purpose, path)
        if item is None:
            continue
        read.unknown_keys(item, ("name", "languages"), where, refuse=True)
        name = read.text(item, "name", where, required=True, longest=512)
        if name is not None and not _TEMPLATE_NAME.match(name):
            read.findings.error(f"{where}.name",
                                "nama template hanya huruf kecil, angka dan '_', persis seperti "
                                "di WhatsApp Manager",
                                "a template name has only lower-case letters, digits and '_', "
                                "exactly as in WhatsApp Manager")
        languages = read.texts(item, "languages", where, required=True, longest=16)
        if languages is None:
            continue
        if not languages:
            read.findings.error(f"{where}.languages",
                                "sebutkan minimal satu bahasa, mis. [\"id\", \"en\"]",
                                "name at least one language, e.g. [\"id\", \"en\"]")
        for index, code in enumerate(languages):
            if not _LANGUAGE_CODE.match(code):
                read.findings.error(f"{where}.languages[{index}]",
                                    f"kode bahasa Meta tidak sah: {code!r} (mis. id, en, en_US)",
                                    f"not a Meta language code: {code!r} (e.g. id, en, en_US)")
            elif code in languages[:index]:
                read.findings.error(f"{where}.languages[{index}]",
                                    f"bahasa {code!r} disebut dua kali",
                                    f"language {code!r} is named twice")
