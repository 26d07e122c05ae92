"""``[[agencies]]`` with their services and counters, and the shared ``[[counters]]``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from queue_server.domain.numbering import is_valid_prefix
from queue_server.sitecheck.facts import CounterFact, Facts, ServiceFact
from queue_server.sitecheck.fields import Reader

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}\Z")
ALL_SERVICES = "*"
_AGENCY_KEYS = ("code", "name", "short_name", "kind", "queue", "logo", "services", "counters")
_LOGO = re.compile(r"^[^\x00-\x1f]+\.(svg|png|jpe?g|webp)\Z", re.IGNORECASE)
_SERVICE_KEYS = ("code", "name", "name_en", "queue", "daily_quota", "target_wait_minutes",
                 "service_minutes", "standard", "active")
_STANDARD_LISTS = ("persyaratan", "mekanisme")
_STANDARD_TEXTS = ("jangka_waktu", "biaya", "produk", "pengaduan")
_COUNTER_KEYS = ("code", "number", "name", "services", "priority_only", "active")
_KINDS = ("daerah", "vertikal")


_CODE_RULE = ("hanya huruf besar, angka dan '-' (maks. 32)",
              "only upper-case letters, digits and '-' (at most 32)")


def _code(read: Reader, item: Mapping[str, Any], path: str, seen: set[str],
          what: tuple[str, str]) -> str | None:
    return read.code(item, path, seen, what, CODE, _CODE_RULE)


def _prefix(read: Reader, item: Mapping[str, Any], path: str, *, required: bool) -> str | None:
    queue = read.text(item, "queue", path, required=required, longest=3)
    if queue is not None and not is_valid_prefix(queue):
        read.findings.error(f"{path}.queue", "awalan nomor harus 1-3 huruf besar, mis. \"A\"",
                            "the number prefix must be 1-3 upper-case letters, e.g. \"A\"")
        return None
    return queue


def check_agencies(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    agencies = read.tables(data, "agencies", "", "agencies", required=True)
    if "agencies" in data and isinstance(data["agencies"], list) and not data["agencies"]:
        read.findings.error("agencies", "minimal satu instansi", "at least one agency")
    codes: set[str] = set()
    service_codes: set[str] = set()
    for path, item in agencies:
        read.unknown_keys(item, _AGENCY_KEYS, path)
        code = _code(read, item, path, codes, ("instansi", "agency"))
        read.text(item, "name", path, required=True)
        read.text(item, "short_name", path, longest=100)
        kind = read.text(item, "kind", path, longest=16)
        if kind is not None and kind not in _KINDS:
            read.findings.error(f"{path}.kind", "harus \"daerah\" atau \"vertikal\"",
                                "must be \"daerah\" or \"vertikal\"")
        queue = _prefix(read, item, path, required=True)
        logo = read.text(item, "logo", path, longest=500)
        if logo is not None and not _LOGO.match(logo):
            read.findings.error(f"{path}.logo", "berkas gambar .svg, .png, .jpg atau .webp",
                                "an image file: .svg, .png, .jpg or .webp")
        services = read.tables(item, "services", path, "agencies.services", required=True)
        if "services" in item and not services and not read.findings.errors_under(
                f"{path}.services"):
            read.findings.warning(f"{path}.services", "instansi tanpa layanan: tidak tampil "
                                  "di kios", "an agency without services: not shown at the kiosk")
        for s_path, service in services:
            _service(read, service, s_path, service_codes, facts, code, queue)


def _service(read: Reader, item: Mapping[str, Any], path: str, seen: set[str], facts: Facts,
             agency: str | None, agency_queue: str | None) -> None:
    read.unknown_keys(item, _SERVICE_KEYS, path)
    code = _code(read, item, path, seen, ("layanan", "service"))
    read.text(item, "name", path, required=True)
    read.text(item, "name_en", path)
    queue = _prefix(read, item, path, required=False) if "queue" in item else agency_queue
    read.integer(item, "daily_quota", path, low=1, high=100_000)
    read.integer(item, "target_wait_minutes", path, low=1, high=1440, unit=("menit", "minutes"))
    read.integer(item, "service_minutes", path, low=1, high=1440, unit=("menit", "minutes"))
    read.boolean(item, "active", path)
    standard = read.table(item, "standard", path)
    if standard is not None:
        where = f"{path}.standard"
        read.unknown_keys(standard, (*_STANDARD_LISTS, *_STANDARD_TEXTS), where)
        for key, value in standard.items():
            if key in _STANDARD_LISTS or isinstance(value, list):
                read.texts(standard, key, where)
            else:
                read.text(standard, key, where, longest=2000)
    if code is not None and agency is not None and queue is not None:
        queue_path = f"{path}.queue" if "queue" in item else f"{path.rsplit('.', 1)[0]}.queue"
        facts.services.append(ServiceFact(path, code, agency, queue, queue_path))


def check_counters(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    """Counters of every agency and the shared ones: codes and numbers unique in the site,
    each serving services that exist."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for index, agency in enumerate(_list(data.get("agencies"))):
        if isinstance(agency, dict):
            rows += read.tables(agency, "counters", f"agencies[{index}]", "agencies.counters")
    rows += read.tables(data, "counters", "", "counters")
    known = {s.code for s in facts.services}
    # A service whose own entry has an error is not "unknown" to a counter naming it.
    written = _written_service_codes(data)
    codes: set[str] = set()
    numbers: set[int] = set()
    for path, item in rows:
        read.unknown_keys(item, _COUNTER_KEYS, path)
        code = _code(read, item, path, codes, ("loket", "counter"))
        number = read.integer(item, "number", path, required=True, low=1, high=9999)
        if number is not None and number in numbers:
            read.findings.error(f"{path}.number", f"nomor loket {number} sudah dipakai",
                                f"counter number {number} is already used")
        elif number is not None:
            numbers.add(number)
        read.text(item, "name", path)
        priority_only = read.boolean(item, "priority_only", path)
        read.boolean(item, "active", path)
        served = _served(read, item, path, known, written)
        if served is not None:
            facts.counters.append(CounterFact(path, code or "", served, bool(priority_only)))


def _served(read: Reader, item: Mapping[str, Any], path: str, known: set[str],
            written: set[str]) -> tuple[str, ...] | None:
    listed = read.value(item, "services", path, list, required=True)
    if listed is None:
        return None
    where = f"{path}.services"
    if not listed:
        read.findings.error(where, "loket harus melayani minimal satu layanan (\"*\" = semua)",
                            "a counter serves at least one service (\"*\" = all)")
        return None
    if ALL_SERVICES in listed and len(listed) > 1:
        read.findings.error(where, "\"*\" (semua layanan) ditulis sendirian",
                            "\"*\" (every service) stands alone")
        return None
    seen: set[str] = set()
    for index, code in enumerate(listed):
        if code == ALL_SERVICES:
            continue
        if not isinstance(code, str):
            read.findings.error(f"{where}[{index}]", f"kode layanan berupa teks, bukan {code!r}",
                                f"a service code is text, not {code!r}")
        elif code in seen:
            read.findings.error(f"{where}[{index}]", f"layanan {code!r} tertulis dua kali",
                                f"service {code!r} is listed twice")
        elif code not in known and code not in written:
            read.findings.error(f"{where}[{index}]", f"layanan {code!r} tidak ada di berkas ini",
                                f"service {code!r} is not in this file")
        if isinstance(code, str):
            seen.add(code)
    # The codes it does serve, so a typo in one does not also report the others unserved.
    return tuple(c for c in listed if isinstance(c, str) and (c in known or c == ALL_SERVICES))


def _written_service_codes(data: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for agency in _list(data.get("agencies")):
        if isinstance(agency, dict) and isinstance(agency.get("services"), list):
            out |= {s["code"] for s in agency["services"]
                    if isinstance(s, dict) and isinstance(s.get("code"), str)}
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
