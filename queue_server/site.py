"""The site file: one MPP described in TOML (see docs/site-file.md).

``load_site`` parses and validates it once, failing with every error at once, each naming the
field and the line, so the IT person fixes the file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.domain.numbering import is_valid_prefix
from queue_server.domain.ordering import OrderingPolicy

DEMO_SITE = Path(__file__).parent / "sites" / "probolinggo.toml"

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
_SITE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_PRINTER_KINDS = {"network", "usb", "serial", "file", "dummy"}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    agency: str
    queue: str
    daily_quota: int | None
    target_wait_s: int
    service_s: int
    standard: dict[str, Any]


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    short_name: str
    kind: str
    queue: str
    services: tuple[Service, ...]


@dataclass(frozen=True)
class Counter:
    code: str
    number: int
    name: str
    agency: str | None
    services: tuple[str, ...]
    priority_only: bool


@dataclass(frozen=True)
class PriorityCategory:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    address: str
    timezone: str
    google_review_url: str | None
    maklumat: str
    notices: tuple[str, ...]
    data_retention_days: int
    agencies: tuple[Agency, ...]
    counters: tuple[Counter, ...]
    priority_categories: tuple[PriorityCategory, ...]
    printers: tuple[dict[str, Any], ...]
    ordering: OrderingPolicy
    no_show_after_recalls: int
    hours: dict[str, Any]
    breaks: dict[str, Any]
    services_by_code: dict[str, Service] = field(repr=False)

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(s for a in self.agencies for s in a.services)

    def counter(self, code: str) -> Counter | None:
        return next((c for c in self.counters if c.code == code), None)


@dataclass(frozen=True)
class SiteError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"baris {self.line}" if self.line else "berkas"
        return f"{self.path} ({where}): {self.message}"


class SiteFileInvalid(Exception):
    def __init__(self, source: str, errors: list[SiteError]) -> None:
        super().__init__(f"{source}: {len(errors)} kesalahan")
        self.source = source
        self.errors = errors

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.errors)} kesalahan"]
        lines += [f"  - {e}" for e in self.errors]
        return "\n".join(lines)


def load_site(path: Path | str) -> Site:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        error = SiteError("", None, f"tidak dapat dibaca: {exc}")
        raise SiteFileInvalid(str(path), [error]) from exc
    return parse_site(text, source=str(path))


def parse_site(text: str, *, source: str = "<site>") -> Site:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's error has no lineno attribute, only "(at line N, column M)".
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise SiteFileInvalid(source, [SiteError("", line, f"bukan TOML yang sah: {exc}")]) from exc
    checker = _Checker(_line_index(text))
    site = checker.site(data)
    if checker.errors or site is None:
        raise SiteFileInvalid(source, checker.errors)
    return site


# --- validation -----------------------------------------------------------------------------


class _Checker:
    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.errors: list[SiteError] = []

    def fail(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        parent = path
        while line is None and "." in parent:
            parent = parent.rsplit(".", 1)[0]
            line = self.lines.get(parent)
        self.errors.append(SiteError(path, line, message))

    def get(self, table: dict[str, Any], key: str, path: str, kind: type, *, required: bool = True,
            default: Any = None) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                self.fail(full, "wajib diisi")
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            names = {str: "teks", int: "bilangan bulat", bool: "true/false", list: "daftar",
                     dict: "tabel"}
            self.fail(full, f"harus berupa {names.get(kind, kind.__name__)}")
            return default
        return value

    def site(self, data: dict[str, Any]) -> Site | None:
        head = self.get(data, "site", "", dict, default={})
        code = self.get(head, "code", "site", str, default="")
        if code and not _SITE_CODE.match(code):
            self.fail("site.code", "hanya huruf kecil, angka dan '-'")
        tz = self.get(head, "timezone", "site", str, default="Asia/Jakarta")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("site.timezone", f"zona waktu tidak dikenal: {tz!r}")
        agencies = self.agencies(self.get(data, "agencies", "", list, default=[]))
        services = {s.code: s for a in agencies for s in a.services}
        counters = [
            *self.counters(data, agencies, services),
        ]
        categories = self.categories(
            self.get(data, "priority_categories", "", list, required=False, default=[]))
        ordering_t = self.get(data, "ordering", "", dict, required=False, default={})
        every = self.get(ordering_t, "priority_every", "ordering", int, required=False, default=3)
        max_wait = self.get(ordering_t, "max_normal_wait_minutes", "ordering", int,
                            required=False, default=30)
        recalls = self.get(ordering_t, "no_show_after_recalls", "ordering", int,
                           required=False, default=2)
        if every < 1:
            self.fail("ordering.priority_every", "minimal 1")
        if max_wait < 1:
            self.fail("ordering.max_normal_wait_minutes", "minimal 1")
        if recalls < 0:
            self.fail("ordering.no_show_after_recalls", "tidak boleh negatif")
        printers = self.printers(self.get(data, "printers", "", list, required=False, default=[]))
        retention = self.get(head, "data_retention_days", "site", int, required=False, default=365)
        notices = self.get(head, "notices", "site", list, required=False, default=[])
        if self.errors:
            return None
        return Site(
            code=code,
            name=self.get(head, "name", "site", str, default=""),
            address=self.get(head, "address", "site", str, required=False, default=""),
            timezone=tz,
            google_review_url=self.get(head, "google_review_url", "site", str, required=False),
            maklumat=self.get(head, "maklumat", "site", str, required=False, default=""),
            notices=tuple(str(n) for n in notices),
            data_retention_days=retention,
            agencies=tuple(agencies),
            counters=tuple(counters),
            priority_categories=tuple(categories),
            printers=tuple(printers),
            ordering=OrderingPolicy(priority_every=max(every, 1),
                                    max_normal_wait=timedelta(minutes=max(max_wait, 1))),
            no_show_after_recalls=recalls,
            hours=self.get(data, "hours", "", dict, required=False, default={}),
            breaks=self.get(data, "breaks", "", dict, required=False, default={}),
            services_by_code=services,
        )

    def agencies(self, items: list[Any]) -> list[Agency]:
        out: list[Agency] = []
        seen: set[str] = set()
        seen_services: set[str] = set()
        for i, item in enumerate(items):
            path = f"agencies[{i}]"
            if not isinstance(item, dict):
                self.fail(path, "harus berupa tabel [[agencies]]")
                continue
            code = self.get(item, "code", path, str, default="")
            if code and not _CODE.match(code):
                self.fail(f"{path}.code", "hanya huruf besar, angka dan '-'")
            if code in seen:
                self.fail(f"{path}.code", f"kode instansi {code!r} sudah dipakai")
            seen.add(code)
            kind = self.get(item, "kind", path, str, required=False, default="daerah")
            if kind not in {"daerah", "vertikal"}:
                self.fail(f"{path}.kind", "harus 'daerah' atau 'vertikal'")
            queue = self.get(item, "queue", path, str, default="A")
            if not is_valid_prefix(queue):
                self.fail(f"{path}.queue", "awalan nomor harus 1-3 huruf besar")
            services = []
            for j, s in enumerate(self.get(item, "services", path, list, default=[])):
                service = self.service(s, f"{path}.services[{j}]", code, queue)
                if service is None:
                    continue
                if service.code in seen_services:
                    self.fail(f"{path}.services[{j}].code",
                              f"kode layanan {service.code!r} sudah dipakai")
                seen_services.add(service.code)
                services.append(service)
            out.append(Agency(
                code=code,
                name=self.get(item, "name", path, str, default=""),
                short_name=self.get(item, "short_name", path, str, required=False,
                                    default=item.get("name", "")),
                kind=kind,
                queue=queue,
                services=tuple(services),
            ))
        return out

    def service(self, item: Any, path: str, agency: str, agency_queue: str) -> Service | None:
        if not isinstance(item, dict):
            self.fail(path, "harus berupa tabel [[agencies.services]]")
            return None
        code = self.get(item, "code", path, str, default="")
        if code and not _CODE.match(code):
            self.fail(f"{path}.code", "hanya huruf besar, angka dan '-'")
        queue = self.get(item, "queue", path, str, required=False, default=agency_queue)
        if "queue" in item and not is_valid_prefix(queue):
            self.fail(f"{path}.queue", "awalan nomor harus 1-3 huruf besar")
        quota = self.get(item, "daily_quota", path, int, required=False)
        if quota is not None and quota < 1:
            self.fail(f"{path}.daily_quota",
                      "kuota harian minimal 1 (hapus baris ini bila tanpa kuota)")
        target = self.get(item, "target_wait_minutes", path, int, required=False, default=30)
        minutes = self.get(item, "service_minutes", path, int, required=False, default=10)
        for key, value in (("target_wait_minutes", target), ("service_minutes", minutes)):
            if value < 1:
                self.fail(f"{path}.{key}", "minimal 1 menit")
        standard = self.get(item, "standard", path, dict, required=False, default={})
        name = self.get(item, "name", path, str, default="")
        return Service(
            code=code,
            name=name,
            name_en=self.get(item, "name_en", path, str, required=False, default=name),
            agency=agency,
            queue=queue,
            daily_quota=quota,
            target_wait_s=target * 60,
            service_s=minutes * 60,
            standard=standard,
        )

    def counters(self, data: dict[str, Any], agencies: list[Agency],
                 services: dict[str, Service]) -> list[Counter]:
        rows: list[tuple[str, dict[str, Any], str | None]] = []
        raw_agencies = data.get("agencies", [])
        for i, item in enumerate(raw_agencies if isinstance(raw_agencies, list) else []):
            if not isinstance(item, dict):
                continue
            for j, c in enumerate(self.get(item, "counters", f"agencies[{i}]", list,
                                           required=False, default=[])):
                rows.append((f"agencies[{i}].counters[{j}]", c, item.get("code")))
        for j, c in enumerate(self.get(data, "counters", "", list, required=False, default=[])):
            rows.append((f"counters[{j}]", c, None))
        out: list[Counter] = []
        codes: set[str] = set()
        numbers: set[int] = set()
        for path, item, agency in rows:
            if not isinstance(item, dict):
                self.fail(path, "harus berupa tabel")
                continue
            code = self.get(item, "code", path, str, default="")
            if code and not _CODE.match(code):
                self.fail(f"{path}.code", "hanya huruf besar, angka dan '-'")
            if code in codes:
                self.fail(f"{path}.code", f"kode loket {code!r} sudah dipakai")
            codes.add(code)
            number = self.get(item, "number", path, int, default=0)
            if number < 1 or number > 9999:
                self.fail(f"{path}.number", "nomor loket 1-9999")
            elif number in numbers:
                self.fail(f"{path}.number", f"nomor loket {number} sudah dipakai")
            numbers.add(number)
            listed = self.get(item, "services", path, list, default=[])
            if listed == ["*"]:
                served = tuple(services)
            else:
                served = tuple(str(s) for s in listed)
                for s in served:
                    if s not in services:
                        self.fail(f"{path}.services", f"layanan {s!r} tidak ada di berkas ini")
                if not served:
                    self.fail(f"{path}.services", "loket harus melayani minimal satu layanan")
            out.append(Counter(
                code=code,
                number=number,
                name=self.get(item, "name", path, str, required=False, default=f"Loket {number}"),
                agency=agency,
                services=served,
                priority_only=self.get(item, "priority_only", path, bool, required=False,
                                       default=False),
            ))
        served_somewhere = {s for c in out if not c.priority_only for s in c.services}
        for a_index, agency_obj in enumerate(agencies):
            for s_index, service in enumerate(agency_obj.services):
                if service.code not in served_somewhere:
                    self.fail(f"agencies[{a_index}].services[{s_index}].code",
                              f"layanan {service.code!r} tidak dilayani loket mana pun")
        return out

    def categories(self, items: list[Any]) -> list[PriorityCategory]:
        out = []
        for i, item in enumerate(items):
            path = f"priority_categories[{i}]"
            if not isinstance(item, dict):
                self.fail(path, "harus berupa tabel")
                continue
            code = self.get(item, "code", path, str, default="")
            if not re.match(r"^[a-z][a-z0-9_]{0,31}$", code):
                self.fail(f"{path}.code", "huruf kecil, angka dan '_'")
            name = self.get(item, "name", path, str, default=code)
            out.append(PriorityCategory(code, name,
                                        self.get(item, "name_en", path, str, required=False,
                                                 default=name)))
        return out

    def printers(self, items: list[Any]) -> list[dict[str, Any]]:
        out = []
        for i, item in enumerate(items):
            path = f"printers[{i}]"
            if not isinstance(item, dict):
                self.fail(path, "harus berupa tabel")
                continue
            self.get(item, "code", path, str)
            kind = self.get(item, "kind", path, str, default="dummy")
            if kind not in _PRINTER_KINDS:
                self.fail(f"{path}.kind", f"harus salah satu dari {sorted(_PRINTER_KINDS)}")
            if kind == "network":
                self.get(item, "host", path, str)
            paper = self.get(item, "paper_mm", path, int, required=False, default=80)
            if paper not in (58, 80):
                self.fail(f"{path}.paper_mm", "lebar kertas 58 atau 80")
            out.append(dict(item))
        return out


# --- line numbers ---------------------------------------------------------------------------

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _line_index(text: str) -> dict[str, int]:
    """Map paths like ``agencies[2].services[5].code`` to their line, for error messages.

    Handles the subset of TOML that site files use: tables, arrays of tables and plain keys.
    """
    index: dict[str, int] = {}
    counts: dict[str, int] = {}
    current = ""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY_HEADER.match(line):
            current = _resolve(m.group(1), counts, new_item=True)
            index.setdefault(current, lineno)
        elif m := _TABLE_HEADER.match(line):
            current = _resolve(m.group(1), counts, new_item=False)
            index.setdefault(current, lineno)
        elif m := _KEY.match(line):
            index.setdefault(f"{current}.{m.group(1)}" if current else m.group(1), lineno)
    return index


def _resolve(dotted: str, counts: dict[str, int], *, new_item: bool) -> str:
    parts = dotted.split(".")
    path = ""
    for k, part in enumerate(parts):
        path = f"{path}.{part}" if path else part
        is_last = k == len(parts) - 1
        if is_last and new_item:
            counts[path] = counts.get(path, -1) + 1
            for key in [key for key in counts if key.startswith(path + "[")]:
                del counts[key]
        if path in counts and not (is_last and not new_item and path not in counts):
            path = f"{path}[{counts[path]}]"
    return path
