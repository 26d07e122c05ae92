"""The words of a booking's WhatsApp messages: confirmation, reminder and status answer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from queue_server.domain.booking_messages import (
    BookingFacts,
    booking_status_text,
    closure_cancel_text,
    confirmation_text,
    reminder_text,
    when_text,
)
from queue_server.domain.conversation import MAX_BODY

WIB = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2025, 11, 25, 9, 0, tzinfo=WIB)  # a Tuesday
MANAGE = "https://mpp.example/booking/manage/K7MX3P#token"


def facts(status: str = "booked", reason: str | None = None,
          name: str = "Perekaman dan Pencetakan KTP-el") -> BookingFacts:
    return BookingFacts(code="K7MX3P", service_name=name, starts_at=START,
                        checkin_from=START - dt.timedelta(minutes=30),
                        checkin_until=START + dt.timedelta(minutes=15),
                        status=status, reason=reason)


def test_the_day_and_time_use_indonesian_names_and_the_zone() -> None:
    assert when_text(START, "id") == "Selasa, 25 November 2025 pukul 09.00 WIB"
    assert when_text(START, "en") == "Tuesday, 25 November 2025 at 09:00 WIB"
    assert "Desember" in when_text(dt.datetime(2025, 12, 1, 8, 30, tzinfo=WIB), "id")


def test_the_confirmation_names_service_day_time_code_link_and_window() -> None:
    text = confirmation_text(facts(), MANAGE, "id")
    assert text.startswith("*Pesanan antrean online berhasil*")
    assert "Perekaman dan Pencetakan KTP-el" in text
    assert "Selasa, 25 November 2025 pukul 09.00 WIB" in text
    assert "Kode pesanan: *K7MX3P*" in text
    assert MANAGE in text
    assert "pukul 08.30–09.15 WIB" in text and "datang sebelum 09.15 WIB" in text
    assert "*stop*" in text


def test_the_confirmation_in_english() -> None:
    text = confirmation_text(facts(name="KTP-el recording"), MANAGE, "en")
    assert text.startswith("*Online booking confirmed*")
    assert "Tuesday, 25 November 2025 at 09:00 WIB" in text
    assert "Booking code: *K7MX3P*" in text and "come before 09:15 WIB" in text
    assert "Selasa" not in text and "Kode" not in text


def test_the_reminder_says_tomorrow_and_how_to_check() -> None:
    text = reminder_text(facts(), "id")
    assert "besok" in text and "pukul 09.00 WIB" in text and "*K7MX3P*" in text
    assert "datang sebelum 09.15 WIB" in text and "status K7MX3P" in text
    english = reminder_text(facts(), "en")
    assert "tomorrow" in english and "status K7MX3P" in english and "besok" not in english


def test_the_status_answer_tells_each_state() -> None:
    booked = booking_status_text(facts(), "id")
    assert booked.startswith("*Pesanan K7MX3P* – Perekaman dan Pencetakan KTP-el")
    assert "Status: terpesan" in booked and "datang sebelum 09.15 WIB" in booked
    cancelled = booking_status_text(facts("cancelled", "Dibatalkan oleh pemesan."), "id")
    assert "Status: dibatalkan" in cancelled and "Dibatalkan oleh pemesan." in cancelled
    assert "datang sebelum" not in cancelled
    assert "Status: checked in" in booking_status_text(facts("checked_in"), "en")
    assert "kedaluwarsa" in booking_status_text(facts("expired"), "id")


def test_an_absurdly_long_service_name_still_fits_one_message() -> None:
    text = confirmation_text(facts(name="x" * 5000), MANAGE, "id")
    assert len(text) <= MAX_BODY


def test_a_closure_cancellation_says_what_was_cancelled_why_and_where_to_book_again() -> None:
    url = "https://mpp.example/booking?service=KTP-EL"
    text = closure_cancel_text(facts(), "Pemadaman listrik", url, "id")
    assert text.startswith("*Pesanan antrean online dibatalkan*")
    assert "Selasa, 25 November 2025 pukul 09.00 WIB" in text and "*K7MX3P*" in text
    assert "tutup atau jam layanan berubah pada 25-11-2025" in text
    assert "Keterangan: Pemadaman listrik" in text and f"Pesan waktu lain: {url}" in text
    english = closure_cancel_text(facts(), "", url, "en")
    assert english.startswith("*Online booking cancelled*") and "Note:" not in english
    assert f"Book another time: {url}" in english
