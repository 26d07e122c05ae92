"""The monthly Monev report in Indonesian: the region's figures as a workbook, and the words
and number formats the printable page shares with it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")

#: (key, heading, kind) of each column, in the order of the page and the workbook
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "MPP", "text"),
    ("tickets", "Pengunjung (tiket)", "int"),
    ("served", "Dilayani", "int"),
    ("no_show", "Tidak hadir", "int"),
    ("wait_p50_s", "Tunggu median (menit)", "minutes"),
    ("wait_p90_s", "Tunggu p90 (menit)", "minutes"),
    ("sla_pct", "Sesuai target (%)", "pct"),
    ("ikm", "IKM", "ikm"),
    ("grade", "Mutu", "text"),
    ("services_active", "Layanan aktif", "int"),
    ("priority_share", "Kelompok rentan (%)", "share"),
    ("priority_wait_p50_s", "Tunggu rentan median (menit)", "minutes"),
    ("online_share", "Antrean online (%)", "share"),
)


def period_text(first: date) -> str:
    return f"{BULAN[first.month - 1]} {first.year}"


def title(data: dict[str, Any], first: date) -> str:
    sites = data["sites"]
    who = sites[0]["name"] if len(sites) == 1 else "Wilayah"
    return f"Laporan Monev Pelayanan — {who} — {period_text(first)}"


def fmt(value: Any, kind: str) -> str:
    """A figure as the report prints it (Indonesian decimal comma); "–" when unknown."""
    if value is None:
        return "–"
    if kind == "int":
        return f"{int(value):,}".replace(",", ".")
    if kind == "minutes":
        return f"{value / 60:.1f}".replace(".", ",")
    if kind == "pct":
        return f"{value:.1f}".replace(".", ",")
    if kind == "share":
        return f"{100 * value:.1f}".replace(".", ",")
    if kind == "ikm":
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "minutes":
        return round(value / 60, 1)
    if kind == "share":
        return round(100 * value, 1)
    return value


def few_text(row: dict[str, Any]) -> str:
    return ", ".join(f"{a['name']} ({a['visitors']})" for a in row["few_visitor_agencies"])


def busiest_text(row: dict[str, Any]) -> str:
    return ", ".join(f"{h['hour']:02d}.00 ({h['tickets']})" for h in row["busiest_hours"])


def to_xlsx(data: dict[str, Any], first: date) -> bytes:
    """One sheet *Ringkasan* with a row per MPP (and the region's when there are several),
    one sheet *Jam sibuk* with arrivals per local hour."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.title = "Ringkasan"
    sheet.append([title(data, first)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Periode {data['from']} s.d. {data['to']}"])
    sheet.append([])
    headings = [h for _, h, _ in COLUMNS] + ["Instansi sepi pengunjung", "Jam tersibuk"]
    sheet.append(headings)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    rows = list(data["sites"])
    for row in rows:
        sheet.append([_cell(row.get(k), kind) for k, _, kind in COLUMNS]
                     + [few_text(row), busiest_text(row)])
    if len(rows) > 1 and data["region"]:
        total = {**data["region"], "name": "Wilayah (gabungan)", "services_active": None,
                 "priority_wait_p50_s": None}
        sheet.append([_cell(total.get(k), kind) for k, _, kind in COLUMNS]
                     + [f"{total['few_visitor_agencies']} instansi", busiest_text(total)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, heading in enumerate(headings, start=1):
        sheet.column_dimensions[sheet.cell(4, index).column_letter].width = max(
            12, min(40, len(heading) + 2))
    hours = book.create_sheet("Jam sibuk")
    hours.append(["MPP", *(f"{h:02d}" for h in range(24))])
    for row in rows:
        hours.append([row["name"], *(row["hours"].get(str(h), 0) for h in range(24))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
