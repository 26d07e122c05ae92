"""The site file: one MPP described in TOML (see docs/site-file.md).

``load_site`` parses the file and runs the one site check (``queue_server.sitecheck``, shared
with ``loket config check`` and the admin pages), failing with every error at once, each naming
the field and the line, so the IT person fixes the file in one pass. Only a checked document is
turned into a ``Site``, so building it trusts the types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal

from queue_server.domain.booking import BookingPolicy
from queue_server.domain.ordering import OrderingPolicy
from queue_server.sitecheck import Finding, check_site_text, report

DEMO_SITE = Path(__file__).parent / "sites" / "probolinggo.toml"

#: A finding of the site check; the old name stays for callers that catch load errors.
SiteError = Finding


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
    #: an inactive service is not offered at the kiosk; its waiting tickets are still served
    active: bool = True


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    short_name: str
    kind: str
    queue: str
    services: tuple[Service, ...]
    #: An image file (SVG, PNG, JPEG, WebP) shown on the kiosk; relative to the site file.
    logo: str | None = None


@dataclass(frozen=True)
class Counter:
    code: str
    number: int
    name: str
    agency: str | None
    services: tuple[str, ...]
    priority_only: bool
    #: an inactive counter cannot be signed in at
    active: bool = True


@dataclass(frozen=True)
class PriorityCategory:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Kiosk:
    code: str
    name: str
    printer: str | None


@dataclass(frozen=True)
class VoiceSettings:
    """How the lobby says a call: ``[voice]`` in the site file (docs/voice.md)."""

    #: Times each call is said in a row (1-3).
    repeat: int = 2
    #: The breath between phrases, in milliseconds (250-600 sounds natural).
    pause_ms: int = 400
    #: A voice pack folder (``manifest.json`` + clips); ``None`` = the bundled espeak-ng pack.
    pack: str | None = None


@dataclass(frozen=True)
class WhatsAppTemplate:
    """``[whatsapp.templates]``: one template approved at Meta and the languages it was
    approved in (the first is used for a visitor whose language it lacks)."""

    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class WhatsAppSettings:
    """The office's WhatsApp number: ``[whatsapp]`` in the site file (docs/whatsapp.md). The
    access token and secrets come from the environment, never from here."""

    #: ``cloud`` (Meta's WhatsApp Business Cloud API) or ``http`` (a plain JSON gateway)
    provider: str = "cloud"
    #: e.g. ``https://graph.facebook.com/v21.0``; a test points it at a local fake
    api_base_url: str = ""
    #: the Cloud API's id of the sending number
    phone_number_id: str = ""
    #: the number visitors write to, digits only with country code (for wa.me links)
    number: str = ""
    #: outbound messages per second at most (the provider's rate limit)
    messages_per_second: int = 20
    #: approved templates by purpose (``booking_messages.TEMPLATE_PURPOSES``); only the Cloud
    #: API uses them
    templates: dict[str, WhatsAppTemplate] = field(default_factory=dict)


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
    kiosks: tuple[Kiosk, ...]
    ordering: OrderingPolicy
    no_show_after_recalls: int
    hours: dict[str, Any]
    breaks: dict[str, Any]
    services_by_code: dict[str, Service] = field(repr=False)
    #: what the check allowed but flagged; ``loket serve`` prints them at start-up
    warnings: tuple[Finding, ...] = ()
    #: the checked document this site was built from (JSON-ready: dates as ISO text), which
    #: the database keeps as the live configuration and ``loket config export`` writes out
    document: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    #: ``None`` when the site has no ``[whatsapp]`` table: the channel is off
    whatsapp: WhatsAppSettings | None = None
    booking: BookingPolicy = field(default_factory=BookingPolicy)

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(s for a in self.agencies for s in a.services)

    def counter(self, code: str) -> Counter | None:
        return next((c for c in self.counters if c.code == code), None)


class SiteFileInvalid(Exception):
    """The site has errors; ``errors`` lists them (and ``warnings`` what else was found)."""

    def __init__(self, source: str, findings: list[Finding]) -> None:
        self.source = source
        self.errors = [f for f in findings if f.is_error]
        self.warnings = [f for f in findings if not f.is_error]
        super().__init__(f"{source}: {len(self.errors)} kesalahan")

    def describe(self, lang: Literal["id", "en"] = "id") -> str:
        head = (f"{self.source}: berkas situs tidak sah" if lang == "id"
                else f"{self.source}: the site file is not valid")
        return f"{head}\n{report([*self.errors, *self.warnings], lang)}"

    def __str__(self) -> str:
        return self.describe("id")


def load_site(path: Path | str) -> Site:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        error = Finding("error", "", f"tidak dapat dibaca: {exc}", f"cannot be read: {exc}")
        raise SiteFileInvalid(str(path), [error]) from exc
    return parse_site(text, source=str(path))


def beside(site_file: Path | str, name: str) -> Path:
    """A file the site file names (a logo, a voice pack), relative to the site file. Kept as
    written in the site (and in the stored configuration) and resolved only where it is read,
    so the database copy never holds one machine's absolute paths."""
    return (Path(site_file).parent / name).resolve()


def parse_site(text: str, *, source: str = "<site>") -> Site:
    data, findings = check_site_text(text)
    if data is None or any(f.is_error for f in findings):
        raise SiteFileInvalid(source, findings)
    return build_site(data, warnings=tuple(findings))


# --- building (the document has passed the check) -------------------------------------------


def build_site(data: dict[str, Any], *, warnings: tuple[Finding, ...] = ()) -> Site:
    head = data["site"]
    agencies = tuple(_agency(a) for a in data["agencies"])
    services = {s.code: s for a in agencies for s in a.services}
    counter_rows = [(c, a["code"]) for a in data["agencies"] for c in a.get("counters", [])]
    counter_rows += [(c, None) for c in data.get("counters", [])]
    ordering = data.get("ordering", {})
    return Site(
        code=head["code"],
        name=head["name"],
        address=head.get("address", ""),
        timezone=head.get("timezone", "Asia/Jakarta"),
        google_review_url=head.get("google_review_url"),
        maklumat=head.get("maklumat", ""),
        notices=tuple(head.get("notices", [])),
        data_retention_days=head.get("data_retention_days", 365),
        agencies=agencies,
        counters=tuple(_counter(c, agency, services) for c, agency in counter_rows),
        priority_categories=tuple(
            PriorityCategory(c["code"], c["name"], c.get("name_en", c["name"]))
            for c in data.get("priority_categories", [])),
        printers=tuple(dict(p) for p in data.get("printers", [])),
        kiosks=tuple(Kiosk(k["code"], k.get("name", k["code"]), k.get("printer"))
                     for k in data.get("kiosks", [])),
        ordering=OrderingPolicy(
            priority_every=ordering.get("priority_every", 3),
            max_normal_wait=timedelta(minutes=ordering.get("max_normal_wait_minutes", 30))),
        no_show_after_recalls=ordering.get("no_show_after_recalls", 2),
        hours=data.get("hours", {}),
        breaks=data.get("breaks", {}),
        services_by_code=services,
        warnings=warnings,
        document=json_ready(data),
        voice=_voice(data.get("voice", {})),
        whatsapp=_whatsapp(data.get("whatsapp")),
        booking=_booking(data.get("booking")),
    )


def _booking(table: dict[str, Any] | None) -> BookingPolicy:
    # No [booking] section: the office takes no online bookings. A section switches them on
    # with these defaults unless it says enabled = false.
    if table is None:
        return BookingPolicy()
    fields = {k: v for k, v in table.items() if k in BookingPolicy.__dataclass_fields__}
    return BookingPolicy(**{"enabled": True, **fields})


def _voice(table: dict[str, Any]) -> VoiceSettings:
    return VoiceSettings(repeat=table.get("repeat", 2), pause_ms=table.get("pause_ms", 400),
                         pack=table.get("pack") or None)


def _whatsapp(table: dict[str, Any] | None) -> WhatsAppSettings | None:
    if not table:
        return None
    return WhatsAppSettings(provider=table.get("provider", "cloud"),
                            api_base_url=table["api_base_url"].rstrip("/"),
                            phone_number_id=table.get("phone_number_id", ""),
                            number=table.get("number", ""),
                            messages_per_second=table.get("messages_per_second", 20),
                            templates={purpose: WhatsAppTemplate(
                                item["name"], tuple(item["languages"]))
                                for purpose, item in table.get("templates", {}).items()})


def json_ready(value: Any) -> Any:
    """The document with TOML's dates and times as ISO text, so it can be stored as JSON;
    the check accepts a date written either way."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    if isinstance(value, (date, time)):  # datetime is a date too
        return value.isoformat()
    return value


def _agency(item: dict[str, Any]) -> Agency:
    return Agency(
        code=item["code"],
        name=item["name"],
        short_name=item.get("short_name", item["name"]),
        kind=item.get("kind", "daerah"),
        queue=item["queue"],
        services=tuple(_service(s, item["code"], item["queue"]) for s in item["services"]),
        logo=item.get("logo") or None,
    )


def _service(item: dict[str, Any], agency: str, agency_queue: str) -> Service:
    return Service(
        code=item["code"],
        name=item["name"],
        name_en=item.get("name_en", item["name"]),
        agency=agency,
        queue=item.get("queue", agency_queue),
        daily_quota=item.get("daily_quota"),
        target_wait_s=item.get("target_wait_minutes", 30) * 60,
        service_s=item.get("service_minutes", 10) * 60,
        standard=item.get("standard", {}),
        active=item.get("active", True),
    )


def _counter(item: dict[str, Any], agency: str | None, services: dict[str, Service]) -> Counter:
    listed = item["services"]
    return Counter(
        code=item["code"],
        number=item["number"],
        name=item.get("name", f"Loket {item['number']}"),
        agency=agency,
        services=tuple(services) if listed == ["*"] else tuple(listed),
        priority_only=item.get("priority_only", False),
        active=item.get("active", True),
    )
