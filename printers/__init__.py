"""Ticket printers: slip layout (ESC/POS), device drivers and one print queue per printer."""

from printers.device import PrinterDevice, PrinterError, PrinterStatus
from printers.devices import (
    PrinterConfigError,
    device_from_config,
    paper_mm_from_config,
    require_status_from_config,
)
from printers.dummy import DummyPrinter
from printers.file import FilePrinter
from printers.network import NetworkPrinter
from printers.serial import SerialPrinter
from printers.slips import TicketSlip, render_slip
from printers.spool import JobState, JobStatus, OnChange, PrinterHealth, PrintSpool
from printers.usb import UsbPrinter

__all__ = [
    "DummyPrinter",
    "FilePrinter",
    "JobState",
    "JobStatus",
    "NetworkPrinter",
    "OnChange",
    "PrintSpool",
    "PrinterConfigError",
    "PrinterDevice",
    "PrinterError",
    "PrinterHealth",
    "PrinterStatus",
    "SerialPrinter",
    "TicketSlip",
    "UsbPrinter",
    "device_from_config",
    "paper_mm_from_config",
    "render_slip",
    "require_status_from_config",
]
