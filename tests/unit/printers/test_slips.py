from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printers.escpos_decode import Decoded, decode
from printers.slips import COLUMNS, TicketSlip, format_issued_at, render_slip, to_ascii

JAKARTA = ZoneInfo("Asia/Jakarta")

SLIP = TicketSlip(
    site_name="Mal Pelayanan Publik Kota Probolinggo",
    site_address="Jl. Basuki Rahmat No. 1, Mayangan, Kota Probolinggo",
    number="A-012",
    agency_name="Dinas Kependudukan dan Pencatatan Sipil",
    service_name="Perekaman dan Pencetakan KTP-el",
    priority_label=None,
    ahead=4,
    estimated_wait_s=750,
    issued_at=datetime(2025, 11, 24, 8, 15, tzinfo=JAKARTA),
    track_url="https://loket.example/t/7f3a9c",
    footer="Terima kasih atas kunjungan Anda",
)


def printed(slip: TicketSlip, paper_mm: int) -> Decoded:
    return decode(render_slip(slip, paper_mm))


def nonblank(decoded: Decoded) -> list[str]:
    return [text for text in decoded.text_lines if text.strip()]


def test_an_80_mm_slip_reads_as_the_visitor_expects() -> None:
    assert nonblank(printed(SLIP, 80)) == [
        "Mal Pelayanan Publik Kota Probolinggo",
        "Jl. Basuki Rahmat No. 1, Mayangan, Kota",
        "Probolinggo",
        "-" * 48,
        "NOMOR ANTREAN",
        "A-012",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Perekaman dan Pencetakan KTP-el",
        "-" * 48,
        "Di depan Anda: 4 orang",
        "Perkiraan tunggu: ± 13 menit",
        "Senin, 24 November 2025 08.15 WIB",
        "Pindai untuk memantau antrean",
        "Terima kasih atas kunjungan Anda",
    ]


def test_a_58_mm_slip_fits_32_columns_and_splits_the_date_from_the_time() -> None:
    decoded = printed(SLIP, 58)
    lines = nonblank(decoded)
    assert lines[:2] == ["Mal Pelayanan Publik Kota", "Probolinggo"]
    assert "NOMOR ANTREAN" in lines
    assert lines[7:9] == ["Dinas Kependudukan dan", "Pencatatan Sipil"]
    assert "Perekaman dan Pencetakan KTP-el" in lines
    assert "Di depan Anda: 4 orang" in lines
    assert "Perkiraan tunggu: ± 13 menit" in lines
    assert lines[-4:-2] == ["Senin, 24 November 2025", "08.15 WIB"]
    assert max(line.columns for line in decoded.lines) == 32


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_the_number_is_printed_large_and_centred(paper_mm: int) -> None:
    decoded = printed(SLIP, paper_mm)
    [number] = [span for span in decoded.spans if span.text == "A-012"]
    assert number.width >= 3 and number.height >= 3
    assert decoded.large_texts == ["A-012"]
    [line] = [line for line in decoded.lines if line.text == "A-012"]
    assert line.align == "center"


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_a_slip_has_one_qr_code_to_the_tracking_page_and_one_cut(paper_mm: int) -> None:
    decoded = printed(SLIP, paper_mm)
    assert decoded.qr_codes == ("https://loket.example/t/7f3a9c",)
    assert decoded.cuts == 1
    assert decoded.feeds > 0


def test_the_site_name_is_bold_and_the_address_is_not() -> None:
    decoded = printed(SLIP, 80)
    assert decoded.lines[0].spans[0].bold
    assert not decoded.lines[1].spans[0].bold


def test_a_priority_ticket_names_its_category() -> None:
    lines = nonblank(printed(replace(SLIP, priority_label="Lansia (60 tahun ke atas)"), 80))
    assert "PRIORITAS: Lansia (60 tahun ke atas)" in lines


def test_a_slip_without_an_estimate_leaves_the_wait_line_out() -> None:
    lines = nonblank(printed(replace(SLIP, estimated_wait_s=None, ahead=0), 80))
    assert "Di depan Anda: 0 orang" in lines
    assert not any(line.startswith("Perkiraan tunggu") for line in lines)


def test_the_wait_is_rounded_up_to_whole_minutes() -> None:
    assert "Perkiraan tunggu: ± 1 menit" in nonblank(
        printed(replace(SLIP, estimated_wait_s=20), 80)
    )
    assert "Perkiraan tunggu: < 1 menit" in nonblank(printed(replace(SLIP, estimated_wait_s=0), 80))


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_a_long_service_name_wraps_within_the_column_width(paper_mm: int) -> None:
    service = (
        "Penerbitan Persetujuan Bangunan Gedung dan Sertifikat Laik Fungsi untuk bangunan "
        "gedung fungsi usaha dengan luas di atas lima ratus meter persegi"
    )
    decoded = printed(replace(SLIP, service_name=service), paper_mm)
    lines = nonblank(decoded)
    start = next(i for i, line in enumerate(lines) if line.startswith("Penerbitan"))
    wrapped = lines[start : lines.index("-" * COLUMNS[paper_mm], start)]
    assert " ".join(wrapped) == service
    assert len(wrapped) > 1
    assert all(line.columns <= COLUMNS[paper_mm] for line in decoded.lines)


def test_non_latin_text_is_transliterated_or_dropped() -> None:
    slip = replace(
        SLIP,
        site_name="Mal Pelayanan Publik Kota Probolinggo — Café",
        agency_name="Dinas Perpustakaan & Arsip 図書館",
        service_name="Légalisir “naïve” dokumen\x1b@\x1dV\x00",  # ESC @, GS V: no injection
    )
    lines = nonblank(printed(slip, 80))
    assert "Mal Pelayanan Publik Kota Probolinggo - Cafe" in lines
    assert "Dinas Perpustakaan & Arsip" in lines
    assert 'Legalisir "naive" dokumen@ V' in lines
    decoded = printed(slip, 80)
    assert decoded.cuts == 1
    assert decoded.lines[0].spans[0].bold


def test_issued_at_is_written_the_indonesian_way() -> None:
    assert format_issued_at(datetime(2025, 11, 24, 8, 15, tzinfo=JAKARTA)) == (
        "Senin, 24 November 2025 08.15 WIB"
    )
    assert format_issued_at(datetime(2026, 3, 6, 13, 5, tzinfo=ZoneInfo("Asia/Makassar"))) == (
        "Jumat, 6 Maret 2026 13.05 WITA"
    )
    assert format_issued_at(datetime(2026, 8, 2, 9, 0, tzinfo=UTC)) == (
        "Minggu, 2 Agustus 2026 09.00 UTC+00:00"
    )


def test_a_naive_issue_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        render_slip(replace(SLIP, issued_at=datetime(2025, 11, 24, 8, 15)), 80)


def test_only_58_and_80_mm_paper_is_supported() -> None:
    with pytest.raises(ValueError, match="paper_mm"):
        render_slip(SLIP, 76)


def test_to_ascii_keeps_plain_text_as_it_is() -> None:
    assert to_ascii("KTP-el (Rp 0,-) 100%") == "KTP-el (Rp 0,-) 100%"
    assert to_ascii("  baris\n\tbaru  ") == "baris baru"


printable = st.text(st.characters(codec="utf-8"), max_size=120)


@settings(max_examples=150, deadline=None)
@given(
    paper_mm=st.sampled_from([58, 80]),
    site_name=printable,
    site_address=printable,
    number=st.text(max_size=10),
    agency_name=printable,
    service_name=printable,
    priority_label=st.none() | printable,
    ahead=st.integers(min_value=-5, max_value=10_000),
    estimated_wait_s=st.none() | st.integers(min_value=-60, max_value=86_400),
    footer=printable,
    track_url=st.text(min_size=1, max_size=200),
)
def test_any_text_renders_decodes_and_stays_within_the_paper(
    paper_mm: int,
    site_name: str,
    site_address: str,
    number: str,
    agency_name: str,
    service_name: str,
    priority_label: str | None,
    ahead: int,
    estimated_wait_s: int | None,
    footer: str,
    track_url: str,
) -> None:
    slip = TicketSlip(
        site_name=site_name,
        site_address=site_address,
        number=number,
        agency_name=agency_name,
        service_name=service_name,
        priority_label=priority_label,
        ahead=ahead,
        estimated_wait_s=estimated_wait_s,
        issued_at=SLIP.issued_at,
        track_url=track_url,
        footer=footer,
    )
    decoded = printed(slip, paper_mm)
    assert all(line.columns <= COLUMNS[paper_mm] for line in decoded.lines)
    assert decoded.cuts == 1
    assert decoded.qr_codes == (track_url,)
    large = "".join(span.text for span in decoded.spans if span.large)
    assert large.replace(" ", "") == to_ascii(number).replace(" ", "")
    text = " ".join(decoded.text_lines)
    assert all(" " <= char <= "~" or char == "±" for char in text)
    for field in (site_name, agency_name, service_name, footer):
        assert "".join(to_ascii(field).split()) in "".join(text.split())


def test_the_slip_says_where_to_go_and_to_prepare_the_requirements() -> None:
    slip = replace(SLIP, counters="Loket 1\u20134",
                   reminder="Siapkan persyaratan sebelum dipanggil. Pengaduan: SP4N LAPOR! "
                            "lapor.go.id")
    lines = nonblank(printed(slip, 58))
    assert lines[lines.index("Perekaman dan Pencetakan KTP-el") + 1] == "Dilayani di Loket 1-4"
    reminder = lines.index("Siapkan persyaratan sebelum")
    assert lines[reminder:reminder + 3] == [
        "Siapkan persyaratan sebelum", "dipanggil. Pengaduan: SP4N", "LAPOR! lapor.go.id"]
    assert lines[-1] == "Terima kasih atas kunjungan Anda"
    assert all(len(line) <= COLUMNS[58] for line in lines)
