"""Statistics exports for the office's own reports: CSV and an Excel workbook with Indonesian
headers, readable column widths, a frozen header row and one row per ticket."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from queue_server.domain import skm
from queue_server.domain.numbering import format_number
from queue_server.services.context import Loket
from queue_server.services.stats import GROUPS, officer_names
from queue_server.store import tables as t

GROUP_WORDS = {"all": "Semua", "agency": "Instansi", "service": "Layanan", "counter": "Loket",
               "officer": "Petugas"}
STATUS_WORDS = {"waiting": "Menunggu", "called": "Dipanggil", "serving": "Sedang dilayani",
                "done": "Selesai", "no_show": "Tidak hadir", "transferred": "Dialihkan",
                "cancelled": "Dibatalkan", "expired": "Kedaluwarsa"}
CHANNEL_WORDS = {"kiosk": "Kios", "phone": "Ponsel", "booking": "Antrean online",
                 "whatsapp": "WhatsApp"}
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

SUMMARY_HEADERS = ("Kelompok", "Kode", "Nama", "Tiket diambil", "Dilayani", "Tidak hadir",
                   "Kedaluwarsa", "Dialihkan", "Tunggu rata-rata (menit)",
                   "Tunggu median (menit)", "Tunggu p90 (menit)", "Layanan rata-rata (menit)",
                   "Layanan median (menit)", "Layanan p90 (menit)",
                   "Dipanggil dalam target (%)")
SKM_HEADERS = ("Kelompok", "Kode", "Responden", *(f"{u.code} {u.name_id}" for u in skm.UNSUR),
               "IKM", "Mutu", "Kinerja")
OFFICER_HEADERS = ("Peringkat", "Pengguna", "Nama", "Dilayani", "Tidak hadir", "IKM", "Skor",
                   "Memenuhi syarat")
TICKET_HEADERS = ("Tanggal", "Nomor", "Instansi", "Layanan", "Prioritas", "Saluran", "Status",
                  "Diambil", "Dipanggil", "Mulai dilayani", "Selesai", "Tunggu (menit)",
                  "Lama layanan (menit)", "Loket", "Petugas", "Dialihkan (kali)")


def _minutes(value: float | None) -> float | None:
    return round(value / 60, 1) if value is not None else None


def summary_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The per-group table of ``stats.compute`` as flat rows (minutes, percentages)."""
    rows: list[list[Any]] = []
    groups = [("all", [data["totals"]])] + [(g, data[f"by_{g}"]) for g in GROUPS]
    for group, items in groups:
        for g in items:
            share = g["within_target_share"]
            key = "" if group == "all" else (g["key"] or "")
            name = "Semua layanan" if group == "all" else (g["name"] or "")
            rows.append([
                GROUP_WORDS[group], key, name, g["issued"], g["served"], g["no_show"],
                g["expired"], g["transferred"],
                _minutes(g["waiting"]["mean_s"]), _minutes(g["waiting"]["median_s"]),
                _minutes(g["waiting"]["p90_s"]), _minutes(g["service"]["mean_s"]),
                _minutes(g["service"]["median_s"]), _minutes(g["service"]["p90_s"]),
                round(share * 100, 1) if share is not None else None])
    return rows


def skm_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    sections = [("all", {"": data["skm"]["overall"]})] if data["skm"]["overall"] else []
    sections += [("agency", data["skm"]["by_agency"]), ("service", data["skm"]["by_service"])]
    for group, items in sections:
        for key, ikm in items.items():
            if ikm is None:
                continue
            rows.append([GROUP_WORDS[group], key or "", ikm["respondents"],
                         *(round(v * 25, 2) for v in ikm["nrr"]), ikm["ikm"], ikm["grade"],
                         ikm["grade_label"]])
    return rows


def officer_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [[o["rank"], o["officer"], o["name"], o["served"], o["no_show"], o["ikm"],
             round(o["score"] * 100) if o["score"] is not None else None,
             "Ya" if o["eligible"] else "Tidak"] for o in data["best_officers"]]


def heatmap_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [[day, *row] for day, row in zip(WEEKDAYS, data["heatmap"]["grid"], strict=True)]


async def ticket_rows(loket: Loket, first: date, last: date) -> list[list[Any]]:
    """One row per ticket of the range, oldest first, times in the site's zone."""
    tk = t.tickets
    users = await officer_names(loket)
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(
            tk.c.business_day, tk.c.queue, tk.c.number, tk.c.service_id, tk.c.priority,
            tk.c.channel, tk.c.status, tk.c.issued_at, tk.c.called_at, tk.c.started_at,
            tk.c.finished_at, tk.c.counter_id, tk.c.officer_id, tk.c.transfer_count)
            .where(tk.c.site_id == loket.ids.site, tk.c.business_day >= first,
                   tk.c.business_day <= last)
            .order_by(tk.c.issued_at, tk.c.id))).all()
    services = loket.site.services_by_code
    agencies = {a.code: a.short_name for a in loket.site.agencies}
    priorities = {c.code: c.name for c in loket.site.priority_categories}

    def local(at: datetime | None) -> datetime | None:
        # Excel has no time zones: the office's wall-clock time is what its staff expect.
        return at.astimezone(loket.tz).replace(tzinfo=None) if at is not None else None

    out: list[list[Any]] = []
    for r in rows:
        service = services[loket.ids.service_codes[r.service_id]]
        counter_code = loket.ids.counter_codes.get(r.counter_id) if r.counter_id else None
        counter = loket.site.counter(counter_code) if counter_code else None
        begun = r.started_at or r.called_at
        out.append([
            r.business_day, format_number(r.queue, r.number), agencies.get(service.agency, ""),
            service.name, priorities.get(r.priority, r.priority) if r.priority else "",
            CHANNEL_WORDS.get(r.channel, r.channel), STATUS_WORDS.get(r.status, r.status),
            local(r.issued_at), local(r.called_at), local(r.started_at), local(r.finished_at),
            _minutes((r.called_at - r.issued_at).total_seconds()) if r.called_at else None,
            _minutes((r.finished_at - begun).total_seconds())
            if r.finished_at and begun else None,
            counter.name if counter else "",
            users[r.officer_id][1] if r.officer_id in users else "", r.transfer_count])
    return out


def to_csv(data: dict[str, Any]) -> bytes:
    """Summary per group, a blank line, then the SKM table; UTF-8 with a byte-order mark so
    Excel opens the Indonesian headers right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SUMMARY_HEADERS)
    writer.writerows(summary_rows(data))
    writer.writerow([])
    writer.writerow(SKM_HEADERS)
    writer.writerows(skm_rows(data))
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(data: dict[str, Any], tickets: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    sheets = [
        ("Ringkasan", SUMMARY_HEADERS, summary_rows(data)),
        ("Tiket", TICKET_HEADERS, tickets),
        ("SKM-IKM", SKM_HEADERS, skm_rows(data)),
        ("Kedatangan per jam", ("Hari", *(f"{h:02d}.00" for h in range(24))),
         heatmap_rows(data)),
        ("Petugas terbaik", OFFICER_HEADERS, officer_rows(data)),
    ]
    book = Workbook()
    book.remove(book.active)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="0D6E6E")
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = head_font
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.freeze_panes = "A2"
        if rows:
            sheet.auto_filter.ref = sheet.dimensions
        for index, name in enumerate(header, start=1):
            letter = get_column_letter(index)
            values = [row[index - 1] for row in rows[:500] if index - 1 < len(row)]
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "hh:mm:ss"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
            widest = max([len(str(name)) * 0.9, *(_shown_width(v) for v in values)])
            sheet.column_dimensions[letter].width = min(max(widest + 2, 8), 48)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown_width(value: Any) -> float:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 8
    if isinstance(value, date):
        return 10
    return len(str(value))
