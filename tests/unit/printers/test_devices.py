from __future__ import annotations

from pathlib import Path

import pytest

from printers import (
    DummyPrinter,
    FilePrinter,
    NetworkPrinter,
    PrinterConfigError,
    PrinterError,
    PrinterStatus,
    SerialPrinter,
    UsbPrinter,
    device_from_config,
    paper_mm_from_config,
)
from printers.device import status_from_replies


def test_each_kind_of_printer_is_built_from_its_site_file_entry(tmp_path: Path) -> None:
    network = device_from_config({"code": "k1", "kind": "network", "host": "192.168.1.50"})
    assert isinstance(network, NetworkPrinter) and network.port == 9100
    usb = device_from_config({"kind": "usb", "vendor_id": "0x0416", "product_id": 0x5011})
    assert isinstance(usb, UsbPrinter) and (usb.vendor_id, usb.product_id) == (0x0416, 0x5011)
    serial = device_from_config({"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200})
    assert isinstance(serial, SerialPrinter) and serial.baudrate == 19200
    file = device_from_config({"kind": "file", "path": str(tmp_path / "out.bin")})
    assert isinstance(file, FilePrinter)
    assert isinstance(device_from_config({"kind": "dummy"}), DummyPrinter)


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"code": "k1", "kind": "laser"}, r"printers\[k1\]\.kind"),
        ({"code": "k1", "kind": "network"}, r"printers\[k1\]\.host: required"),
        ({"code": "k1", "kind": "network", "host": "h", "port": 0}, r"\.port"),
        ({"code": "k1", "kind": "usb", "vendor_id": "nope", "product_id": 1}, r"\.vendor_id"),
        ({"code": "k1", "kind": "serial", "device": "/dev/x", "baudrate": True}, r"\.baudrate"),
        ({"code": "k1", "kind": "file"}, r"\.path"),
    ],
)
def test_a_wrong_entry_names_the_printer_and_the_field(
    cfg: dict[str, object], message: str
) -> None:
    with pytest.raises(PrinterConfigError, match=message):
        device_from_config(cfg)


def test_paper_width_defaults_to_80_and_accepts_only_58_or_80() -> None:
    assert paper_mm_from_config({"kind": "dummy"}) == 80
    assert paper_mm_from_config({"kind": "dummy", "paper_mm": 58}) == 58
    with pytest.raises(PrinterConfigError, match="paper_mm"):
        paper_mm_from_config({"kind": "dummy", "paper_mm": 76})


def test_status_bytes_are_read_like_an_epson_printer() -> None:
    assert status_from_replies(0x12, 0x12, 0x12) is PrinterStatus.ONLINE
    assert status_from_replies(0x1A, 0x32, 0x72) is PrinterStatus.PAPER_OUT
    assert status_from_replies(0x12, 0x12, 0x7E) is PrinterStatus.PAPER_OUT
    assert status_from_replies(0x1A, 0x16, 0x12) is PrinterStatus.COVER_OPEN
    assert status_from_replies(0x1A, 0x12, 0x12) is PrinterStatus.OFFLINE
    assert status_from_replies(0x10, 0x04, 0x01) is PrinterStatus.UNKNOWN


async def test_the_file_printer_appends_jobs(tmp_path: Path) -> None:
    printer = FilePrinter(tmp_path / "printer.bin")
    await printer.send(b"one")
    await printer.send(b"two")
    await printer.close()
    assert (tmp_path / "printer.bin").read_bytes() == b"onetwo"
    assert await printer.status() is PrinterStatus.ONLINE


async def test_the_file_printer_reports_a_missing_folder(tmp_path: Path) -> None:
    printer = FilePrinter(tmp_path / "missing" / "printer.bin")
    assert await printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterError, match="missing"):
        await printer.send(b"x")
    await printer.close()


async def test_the_serial_printer_writes_through_pyserial() -> None:
    # pyserial's loop:// echoes what is written, so a status query reads its own request
    # back: not a valid reply, hence unknown.
    printer = SerialPrinter("loop://", status_timeout_s=0.05)
    await printer.send(b"\x1b@hello\n")
    assert await printer.status() is PrinterStatus.UNKNOWN
    await printer.close()


async def test_a_missing_serial_port_is_a_printer_error() -> None:
    printer = SerialPrinter("/dev/does-not-exist-loket")
    with pytest.raises(PrinterError, match="does-not-exist"):
        await printer.send(b"x")
    assert await printer.status() is PrinterStatus.OFFLINE
    await printer.close()


async def test_a_missing_usb_printer_is_a_printer_error_not_a_crash() -> None:
    printer = UsbPrinter(0xFFFE, 0xFFFE)
    with pytest.raises(PrinterError, match="fffe:fffe"):
        await printer.send(b"x")
    assert await printer.status() is PrinterStatus.OFFLINE
    await printer.close()
