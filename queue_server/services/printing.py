"""Printing tickets: one print spool per ``[[printers]]`` entry, jobs recorded in
``print_jobs`` and told to the kiosk and the supervisor as ``print.changed`` events.

Printing never blocks or undoes issuing: a ticket exists once it is committed, and a job that
fails leaves the ticket valid (the kiosk then shows it on screen).
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from printers import (
    JobState,
    PrinterDevice,
    PrintSpool,
    TicketSlip,
    device_from_config,
    paper_mm_from_config,
    render_slip,
    require_status_from_config,
)
from printers.virtual import VirtualPrinter
from queue_server.domain.counter_text import counters_text
from queue_server.domain.errors import Invalid
from queue_server.services import tickets, waiting
from queue_server.services.context import Loket
from queue_server.site import Site
from queue_server.store import tables as t

log = logging.getLogger(__name__)

FOOTER = "Nomor berlaku hari ini. Terima kasih."
REMINDER = ("Siapkan dokumen persyaratan sebelum dipanggil. Pengaduan: SP4N LAPOR! "
            "(lapor.go.id)")


def serving_counters(site: Site, service: str, priority: str | None) -> list[int]:
    """The numbers of the counters that call this service (priority desks only for a
    priority ticket)."""
    return [c.number for c in site.counters
            if service in c.services and (priority is not None or not c.priority_only)]


@dataclass
class Printer:
    code: str
    kind: str
    paper_mm: int
    spool: PrintSpool


def _number(cfg: Mapping[str, Any], key: str, default: float) -> float:
    value = cfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"printers[{cfg.get('code', '?')}].{key}: must be a positive number")
    return float(value)


class Printing:
    """The site's printers and what happened to each print job."""

    def __init__(self, loket: Loket, *, virtual_slips: Path | None = None) -> None:
        """``virtual_slips``: print every printer's jobs to the demo's virtual printer, which
        keeps the slips in that folder, whatever the site file says."""
        self.loket = loket
        self.printers: dict[str, Printer] = {}
        for cfg in loket.site.printers:
            code = str(cfg["code"])
            device: PrinterDevice = (VirtualPrinter(virtual_slips) if virtual_slips
                                     else device_from_config(cfg))
            spool = PrintSpool(
                device,
                attempts=int(_number(cfg, "attempts", 3)),
                timeout_s=_number(cfg, "timeout_s", 5.0),
                backoff_s=_number(cfg, "retry_s", 0.5),
                require_status=not virtual_slips and require_status_from_config(cfg),
                on_change=self._on_change,
            )
            kind = "virtual" if virtual_slips else str(cfg.get("kind", "dummy"))
            self.printers[code] = Printer(code, kind, paper_mm_from_config(cfg), spool)

    def start(self) -> None:
        for printer in self.printers.values():
            printer.spool.start()

    async def stop(self) -> None:
        for printer in self.printers.values():
            await printer.spool.stop()

    def printer(self, code: str | None) -> Printer | None:
        """The named printer, or the site's first one when no name is given."""
        if code is None:
            return next(iter(self.printers.values()), None)
        found = self.printers.get(code)
        if found is None:
            raise Invalid("unknown_printer", printer=code)
        return found

    # --- jobs ---------------------------------------------------------------------------

    async def print_ticket(self, ticket: dict[str, Any], base_url: str,
                           printer_code: str | None = None) -> dict[str, Any] | None:
        """Record a job for ``ticket`` and hand it to the printer's spool without waiting.
        Returns the job's JSON, or ``None`` when the site has no printer."""
        printer = self.printer(printer_code)
        if printer is None:
            return None
        data = render_slip(self.slip(ticket, base_url), printer.paper_mm)
        job_id = secrets.token_urlsafe(12)
        now = self.loket.clock.now()
        async with self.loket.db.write(self.loket.ids.site, now) as tx:
            await tx.conn.execute(insert(t.print_jobs).values(
                id=job_id, site_id=self.loket.ids.site, ticket_id=ticket["id"],
                printer=printer.code, state="queued", attempts=0, created_at=now,
                updated_at=now))
            job = self._job_json(job_id, ticket["id"], printer.code, "queued", 0, None, now)
            tx.emit("print.changed", self._topics(ticket["id"]), {"print": job})
        printer.spool.submit(job_id, data)
        return job

    def slip(self, ticket: dict[str, Any], base_url: str) -> TicketSlip:
        site = self.loket.site
        agency = next(a for a in site.agencies if a.code == ticket["agency"])
        category = next((c for c in site.priority_categories if c.code == ticket["priority"]),
                        None)
        issued = datetime.fromisoformat(ticket["issued_at"]).astimezone(self.loket.tz)
        return TicketSlip(
            site_name=site.name, site_address=site.address, number=ticket["number"],
            agency_name=agency.name, service_name=ticket["service_name"],
            priority_label=category.name if category else None,
            ahead=int(ticket.get("ahead") or 0), estimated_wait_s=ticket.get("estimated_wait_s"),
            issued_at=issued,
            track_url=track_url(self.loket, ticket["id"], base_url, ticket.get("visitor_key")),
            footer=FOOTER, reminder=REMINDER,
            counters=counters_text(
                serving_counters(site, ticket["service"], ticket["priority"]), dash="-"))

    async def latest_job(self, ticket_id: str) -> dict[str, Any] | None:
        pj = t.print_jobs
        async with self.loket.db.read() as conn:
            row = (await conn.execute(select(pj).where(
                pj.c.site_id == self.loket.ids.site, pj.c.ticket_id == ticket_id)
                .order_by(pj.c.created_at.desc(), pj.c.updated_at.desc()).limit(1))).first()
        if row is None:
            return None
        return self._job_json(row.id, row.ticket_id, row.printer, row.state, row.attempts,
                              row.error, row.updated_at)

    async def reprint(self, ticket_id: str, base_url: str,
                      printer_code: str | None = None) -> dict[str, Any] | None:
        ticket = await waiting.holder_view(
            self.loket, await tickets.get_ticket(self.loket, ticket_id))
        return await self.print_ticket(ticket, base_url, printer_code)

    def health(self) -> list[dict[str, Any]]:
        out = []
        for printer in self.printers.values():
            health = printer.spool.health
            out.append({
                "code": printer.code, "kind": printer.kind, "paper_mm": printer.paper_mm,
                "status": health.status.value, "last_error": health.last_error,
                "last_success_at": self.loket.local(health.last_success_at),
                "queued": health.queued,
            })
        return out

    async def _on_change(self, job_id: str, state: JobState) -> None:
        pj = t.print_jobs
        now = self.loket.clock.now()
        async with self.loket.db.write(self.loket.ids.site, now) as tx:
            row = (await tx.conn.execute(select(pj.c.ticket_id, pj.c.printer, pj.c.state,
                                                pj.c.attempts).where(pj.c.id == job_id))).first()
            if row is None:  # pragma: no cover - the row is written before the job is queued
                log.warning("print job %s has no row", job_id)
                return
            if row.state == state.status.value and row.attempts == state.attempts:
                return
            await tx.conn.execute(update(pj).where(pj.c.id == job_id).values(
                state=state.status.value, attempts=state.attempts, error=state.error,
                updated_at=now))
            job = self._job_json(job_id, row.ticket_id, row.printer, state.status.value,
                                 state.attempts, state.error, now)
            tx.emit("print.changed", self._topics(row.ticket_id), {"print": job})

    @staticmethod
    def _topics(ticket_id: str) -> tuple[str, ...]:
        return ("supervisor", f"ticket:{ticket_id}")

    def _job_json(self, job_id: str, ticket_id: str, printer: str, state: str, attempts: int,
                  error: str | None, updated_at: datetime | None) -> dict[str, Any]:
        return {"id": job_id, "ticket": ticket_id, "printer": printer, "state": state,
                "attempts": attempts, "error": error,
                "updated_at": self.loket.local(updated_at)}


def track_url(loket: Loket, ticket_id: str, base_url: str, key: str | None = None) -> str:
    """The ticket page's absolute address: the configured public URL, else the host the
    request came in on; with the visitor key when the holder is the one asking."""
    # ``base_url`` is the app's root (a proxy's prefix included), never a site's mount: the
    # site's own path goes after it, or a second site's QR codes lead to the first site.
    root = (loket.public_url or base_url).rstrip("/") + loket.path
    return f"{root}/t/{ticket_id}" + (f"?k={key}" if key else "")


def qr_svg(text: str) -> bytes:
    """A QR code for ``text`` as a standalone SVG (black on white, with its quiet zone)."""
    import qrcode  # type: ignore[import-untyped]
    from qrcode.image.svg import SvgPathFillImage  # type: ignore[import-untyped]

    code = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=SvgPathFillImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()

