"""The demo's virtual printer shows each slip as text in the log and keeps its bytes."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from printers.slips import render_slip
from printers.virtual import VirtualPrinter, slip_text
from tests.unit.printers.test_slips import SLIP


def _slip(number: str) -> bytes:
    return render_slip(dataclasses.replace(SLIP, number=number), 80)


async def test_each_slip_is_logged_as_text_and_kept_as_bin(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    printer = VirtualPrinter(tmp_path / "slips")
    data = _slip("A-012")
    with caplog.at_level(logging.INFO, logger="loket.slips"):
        await printer.send(data)
    [kept] = list((tmp_path / "slips").glob("*.bin"))
    assert kept.name.endswith("-A-012.bin")
    assert kept.read_bytes() == data
    assert "A-012" in caplog.text
    assert SLIP.service_name in caplog.text
    assert f"[QR] {SLIP.track_url}" in caplog.text


async def test_only_the_newest_slips_are_kept(tmp_path: Path) -> None:
    printer = VirtualPrinter(tmp_path, keep=3)
    for n in range(1, 6):
        await printer.send(_slip(f"A-{n:03d}"))
    kept = sorted(path.name.rsplit("-", 2)[-1] for path in tmp_path.glob("*.bin"))
    assert kept == ["003.bin", "004.bin", "005.bin"]


def test_bytes_that_are_not_a_slip_say_so_instead_of_raising() -> None:
    assert "tidak terbaca" in slip_text(b"\x1b\xff\xff")
