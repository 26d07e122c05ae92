"""``[[printers]]`` and ``[[kiosks]]`` (which printer each kiosk prints on)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from printers import device_from_config, paper_mm_from_config
from printers.devices import COMMON_FIELDS, KIND_FIELDS, KINDS, PAPER_WIDTHS
from queue_server.sitecheck.facts import Facts
from queue_server.sitecheck.fields import Reader

DEVICE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}\Z")
_SPOOL_NUMBERS = {"attempts": 20, "timeout_s": 600, "retry_s": 600}
_CODE_RULE = ("huruf, angka, '-' dan '_' (maks. 32)", "letters, digits, '-' and '_' (at most 32)")


def _device_code(read: Reader, item: Mapping[str, Any], path: str, seen: set[str],
                 what: tuple[str, str]) -> str | None:
    return read.code(item, path, seen, what, DEVICE_CODE, _CODE_RULE)


def check_printers(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    seen: set[str] = set()
    for path, item in read.tables(data, "printers", "", "printers"):
        code = _device_code(read, item, path, seen, ("printer", "printer"))
        kind = read.text(item, "kind", path, required=True, longest=16)
        if kind is not None and kind not in KINDS:
            read.findings.error(f"{path}.kind", f"harus salah satu dari {', '.join(KINDS)}",
                                f"must be one of {', '.join(KINDS)}")
            kind = None
        needs = KIND_FIELDS.get(kind or "", {})
        read.unknown_keys(item, (*COMMON_FIELDS, *needs) if kind else item.keys(), path)
        for key, (required, top) in needs.items():
            if top is None:
                read.text(item, key, path, required=required, longest=500)
            else:
                _whole_or_hex(read, item, key, path, top, required=required)
        read.boolean(item, "status", path)
        paper = read.integer(item, "paper_mm", path, low=1, high=1000)
        if paper is not None and paper not in PAPER_WIDTHS:
            read.findings.error(f"{path}.paper_mm", "lebar kertas 58 atau 80",
                                "paper width 58 or 80")
        for key, top in _SPOOL_NUMBERS.items():
            _positive(read, item, key, path, top)
        if code is not None and not read.findings.errors_under(path):
            facts.printers.add(code)
            _as_the_server_does(read, item, path)


def _whole_or_hex(read: Reader, item: Mapping[str, Any], key: str, path: str, top: int, *,
                  required: bool) -> None:
    if key not in item:
        if required:
            read.findings.error(f"{path}.{key}", "wajib diisi untuk printer jenis ini",
                                "is required for this kind of printer")
        return
    value = item[key]
    if isinstance(value, str):  # USB ids are written in hex as lsusb shows them: "0x0416"
        try:
            value = int(value, 0)
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= top:
        read.findings.error(f"{path}.{key}", f"harus bilangan bulat 1 sampai {top}",
                            f"must be a whole number from 1 to {top}")


def _positive(read: Reader, item: Mapping[str, Any], key: str, path: str, top: int) -> None:
    if key not in item:
        return
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= top:
        read.findings.error(f"{path}.{key}", f"harus bilangan lebih dari 0 sampai {top}",
                            f"must be a number above 0 and at most {top}")


def _as_the_server_does(read: Reader, item: Mapping[str, Any], path: str) -> None:
    try:
        device_from_config(item)
        paper_mm_from_config(item)
    except ValueError as exc:  # a rule above does not know yet: still refuse, in English
        read.findings.error(path, f"printer ditolak: {exc}", f"printer refused: {exc}")


def check_kiosks(read: Reader, data: Mapping[str, Any], facts: Facts) -> None:
    seen: set[str] = set()
    for path, item in read.tables(data, "kiosks", "", "kiosks"):
        read.unknown_keys(item, ("code", "name", "printer"), path)
        _device_code(read, item, path, seen, ("kios", "kiosk"))
        read.text(item, "name", path)
        printer = read.text(item, "printer", path, longest=32)
        if printer is not None:
            facts.kiosk_printers.append((f"{path}.printer", printer))
