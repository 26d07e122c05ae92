"""Settings, parsed once from the command line and the environment, failing loudly."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from queue_server.site import DEMO_SITE


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class WhatsAppSecrets:
    """``LOKET_WHATSAPP_TOKEN`` (Bearer for outbound), ``LOKET_WHATSAPP_APP_SECRET`` (signs
    inbound webhooks), ``LOKET_WHATSAPP_VERIFY_TOKEN`` (the webhook verification)."""

    token: str = field(default="", repr=False)
    app_secret: str = field(default="", repr=False)
    verify_token: str = field(default="", repr=False)

    @property
    def complete(self) -> bool:
        return bool(self.token and self.app_secret and self.verify_token)


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    site_file: Path = DEMO_SITE
    demo: bool = False
    #: the address visitors' phones reach, for QR codes; empty means "the host they used"
    public_url: str = ""
    #: the path a reverse proxy publishes Loket under (``/antrean``), given to uvicorn as the
    #: ASGI ``root_path`` so pages point their static files, API calls and links under it;
    #: empty when Loket is at the root of its host
    root_path: str = ""
    #: start the clock at this moment (the demo's "working morning", tests' moved clock)
    clock_start: datetime | None = None
    #: print to the virtual printer whatever the site file says (the demo)
    virtual_printer: bool = False
    #: where the virtual printer keeps its slips
    slips_dir: Path = Path("loket-data") / "slips"
    #: seconds a request may queue for a database connection before answering 503 busy
    db_pool_timeout_s: float = 30.0
    #: events a WebSocket client may fall behind before it is cut off (it then replays);
    #: ``None`` keeps the hub's default. Tests and benchmarks make slow clients visible.
    ws_queue_size: int | None = None
    #: seconds one send to a WebSocket client may take before the client counts as too slow
    ws_send_timeout_s: float = 10.0
    #: WhatsApp secrets (docs/whatsapp.md): only ever from the environment, never printed
    whatsapp: WhatsAppSecrets = field(default_factory=lambda: WhatsAppSecrets())
    #: further sites served by this process, each under ``/s/{code}/`` (``site_file`` is the
    #: default site, also served at the unprefixed paths)
    more_site_files: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        clock = overrides.pop("clock_start", None) or env.get("LOKET_CLOCK") or None
        values: dict[str, object] = {
            "database_url": env.get("LOKET_DATABASE_URL") or None,
            "site_file": Path(env["LOKET_SITE_FILE"]) if env.get("LOKET_SITE_FILE") else DEMO_SITE,
            "public_url": env.get("LOKET_PUBLIC_URL", "").rstrip("/"),
            "root_path": env.get("LOKET_ROOT_PATH", ""),
            "db_pool_timeout_s": _seconds(env.get("LOKET_DB_POOL_TIMEOUT"),
                                          "LOKET_DB_POOL_TIMEOUT", 30.0),
            "ws_queue_size": _count(env.get("LOKET_WS_QUEUE"), "LOKET_WS_QUEUE"),
            "ws_send_timeout_s": _seconds(env.get("LOKET_WS_SEND_TIMEOUT"),
                                          "LOKET_WS_SEND_TIMEOUT", 10.0),
            "whatsapp": WhatsAppSecrets(token=env.get("LOKET_WHATSAPP_TOKEN", ""),
                                        app_secret=env.get("LOKET_WHATSAPP_APP_SECRET", ""),
                                        verify_token=env.get("LOKET_WHATSAPP_VERIFY_TOKEN", "")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(clock, str):
            values["clock_start"] = parse_moment(clock)
        elif isinstance(clock, datetime):
            values["clock_start"] = clock
        values["root_path"] = _root_path(str(values["root_path"]))
        site_file = Path(str(values["site_file"]))
        if not site_file.is_file():
            raise SettingsError(f"berkas situs tidak ditemukan: {site_file}")
        values["site_file"] = site_file
        more_given = values.get("more_site_files") or ()
        assert isinstance(more_given, tuple | list)
        values["more_site_files"] = more_files = tuple(Path(str(f)) for f in more_given)
        for more in more_files:
            if not Path(str(more)).is_file():
                raise SettingsError(f"berkas situs tidak ditemukan: {more}")
        return cls(**values)  # type: ignore[arg-type]


#: ``/antrean``, ``/layanan/antrean``: segments of plain URL characters, so the prefix goes
#: into pages and URLs as it is, without escaping.
ROOT_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def _root_path(text: str) -> str:
    path = text.rstrip("/")
    if not ROOT_PATH.fullmatch(path):
        raise SettingsError(f"LOKET_ROOT_PATH/--root-path: harus jalur seperti /antrean "
                            f"(huruf, angka, . _ ~ -), bukan {text!r}")
    return path


def _seconds(text: str | None, name: str, default: float) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}: bukan angka detik: {text!r}") from None
    if not 0 < value <= 600:
        raise SettingsError(f"{name}: harus antara 0 dan 600 detik, bukan {text!r}")
    return value


def _count(text: str | None, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 1_000_000:
        raise SettingsError(f"{name}: harus bilangan bulat 1–1000000, bukan {text!r}")
    return int(text)


def parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SettingsError(
            f"waktu tidak sah: {text!r} (contoh: 2025-11-24T09:00+07:00)") from exc
    if moment.tzinfo is None:
        raise SettingsError(f"waktu {text!r} harus memakai zona, mis. +07:00 untuk WIB")
    return moment
