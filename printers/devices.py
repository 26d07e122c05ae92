"""Build a printer from one ``[[printers]]`` table of the site file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from printers.device import PrinterDevice
from printers.dummy import DummyPrinter
from printers.file import FilePrinter
from printers.network import NetworkPrinter
from printers.serial import SerialPrinter
from printers.usb import UsbPrinter

#: What each kind of printer reads from its ``[[printers]]`` entry: key → (required, highest
#: whole number or ``None`` for text). The one list of kinds: the builder below and the site
#: check both read it.
KIND_FIELDS: dict[str, dict[str, tuple[bool, int | None]]] = {
    "network": {"host": (True, None), "port": (False, 65535)},
    "usb": {"vendor_id": (True, 0xFFFF), "product_id": (True, 0xFFFF)},
    "serial": {"device": (True, None), "baudrate": (False, 10**7)},
    "file": {"path": (True, None)},
    "dummy": {},
}
KINDS = tuple(KIND_FIELDS)
#: Keys an entry of any kind may have: its name, the slip, the status check, the spool.
COMMON_FIELDS = ("code", "kind", "paper_mm", "status", "attempts", "timeout_s", "retry_s")
PAPER_WIDTHS = (58, 80)


class PrinterConfigError(ValueError):
    """A ``[[printers]]`` entry is wrong; the message names the printer and the field."""


def device_from_config(cfg: Mapping[str, Any]) -> PrinterDevice:
    """The device for one ``[[printers]]`` entry; raises :class:`PrinterConfigError`."""
    where = f"printers[{cfg.get('code', '?')}]"
    kind = cfg.get("kind")
    if kind not in KINDS:
        raise PrinterConfigError(f"{where}.kind: must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "network":
        return NetworkPrinter(
            _text(cfg, "host", where), _integer(cfg, "port", where, default=9100)
        )
    if kind == "usb":
        return UsbPrinter(
            _integer(cfg, "vendor_id", where), _integer(cfg, "product_id", where)
        )
    if kind == "serial":
        return SerialPrinter(
            _text(cfg, "device", where), _integer(cfg, "baudrate", where, default=9600)
        )
    if kind == "file":
        return FilePrinter(_text(cfg, "path", where))
    return DummyPrinter()


def paper_mm_from_config(cfg: Mapping[str, Any]) -> int:
    """The entry's paper width (58 or 80, default 80)."""
    where = f"printers[{cfg.get('code', '?')}]"
    paper_mm = _integer(cfg, "paper_mm", where, default=80)
    if paper_mm not in PAPER_WIDTHS:
        raise PrinterConfigError(f"{where}.paper_mm: must be 58 or 80, not {paper_mm}")
    return paper_mm


def require_status_from_config(cfg: Mapping[str, Any]) -> bool:
    """Whether a job counts as printed only when the printer answered DLE EOT status before
    and after it (``status = true``). Default: on for network printers, whose 9100 port
    accepts bytes whether or not anything reads them; off for the rest."""
    value = cfg.get("status", cfg.get("kind") == "network")
    if not isinstance(value, bool):
        where = f"printers[{cfg.get('code', '?')}]"
        raise PrinterConfigError(f"{where}.status: must be true or false, not {value!r}")
    return value


def _text(cfg: Mapping[str, Any], key: str, where: str) -> str:
    value = cfg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PrinterConfigError(f"{where}.{key}: required for kind {cfg['kind']!r}")
    return value.strip()


def _integer(cfg: Mapping[str, Any], key: str, where: str, *, default: int | None = None) -> int:
    top = KIND_FIELDS.get(cfg.get("kind", ""), {}).get(key, (False, None))[1] or 10**7
    value = cfg.get(key, default)
    if value is None:
        raise PrinterConfigError(f"{where}.{key}: required for kind {cfg['kind']!r}")
    if isinstance(value, str):  # USB ids are usually written in hex: "0x0416"
        try:
            value = int(value, 0)
        except ValueError:
            raise PrinterConfigError(f"{where}.{key}: not a number: {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= top:
        raise PrinterConfigError(f"{where}.{key}: must be a whole number from 1 to {top}")
    return value
