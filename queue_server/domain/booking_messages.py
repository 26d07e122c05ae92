"""WA SMART MPP and online bookings: the words of the confirmation, the reminder the day
before, and the answer to "status <kode>". Bahasa Indonesia first, English when the visitor
booked on the English page. Pure: the booking's facts are passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from queue_server.domain.conversation import Lang, clip
from queue_server.domain.schedule import format_next_open, zone_abbreviation


@dataclass(frozen=True)
class BookingFacts:
    """One booking as a message tells it. Times are aware and in the site's zone."""

    code: str
    service_name: str
    starts_at: dt.datetime
    checkin_from: dt.datetime
    checkin_until: dt.datetime
    status: str
    reason: str | None = None


_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "booked": ("terpesan, menunggu check-in", "booked, waiting for check-in"),
    "checked_in": ("sudah check-in, nomor antrean sudah terbit",
                   "checked in, the queue ticket was issued"),
    "cancelled": ("dibatalkan", "cancelled"),
    "expired": ("kedaluwarsa (tidak check-in sampai batas waktu)",
                "expired (not checked in in time)"),
}


def _pick(lang: Lang, id_: str, en: str) -> str:
    return en if lang == "en" else id_


def _clock(moment: dt.datetime, lang: Lang) -> str:
    return moment.strftime("%H.%M" if lang == "id" else "%H:%M")


def when_text(starts_at: dt.datetime, lang: Lang) -> str:
    """"Selasa, 25 November 2025 pukul 09.00 WIB" / "Tuesday, 25 November 2025 at 09:00 WIB"."""
    return format_next_open(starts_at, lang)


def window_text(facts: BookingFacts, lang: Lang) -> str:
    """The check-in window as a sentence; "datang sebelum" names its end, after which the
    booking lapses."""
    zone = zone_abbreviation(facts.checkin_until)
    opens, closes = _clock(facts.checkin_from, lang), _clock(facts.checkin_until, lang)
    return _pick(lang,
                 f"Check-in di anjungan pukul {opens}–{closes} {zone} dengan kode atau QR "
                 f"pesanan: datang sebelum {closes} {zone}, lewat dari itu pesanan hangus.",
                 f"Check in at the kiosk from {opens} to {closes} {zone} with the code or the "
                 f"booking's QR: come before {closes} {zone}, after that the booking lapses.")


def confirmation_text(facts: BookingFacts, manage_url: str, lang: Lang) -> str:
    """Sent once, right after booking (the visitor ticked the WhatsApp box)."""
    lines = [_pick(lang, "*Pesanan antrean online berhasil*", "*Online booking confirmed*"),
             f"{facts.service_name}",
             when_text(facts.starts_at, lang),
             _pick(lang, f"Kode pesanan: *{facts.code}*", f"Booking code: *{facts.code}*"),
             "",
             window_text(facts, lang),
             "",
             _pick(lang, f"Lihat atau batalkan pesanan: {manage_url}",
                   f"View or cancel the booking: {manage_url}"),
             _pick(lang, "Kami kirim pengingat sehari sebelumnya. Ketik *stop* untuk berhenti "
                         "menerima pesan.",
                   "We will remind you the day before. Type *stop* to stop these messages.")]
    return clip("\n".join(lines))


def reminder_text(facts: BookingFacts, lang: Lang) -> str:
    """Sent the day before the booked day, in the daytime."""
    lines = [_pick(lang, "*Pengingat antrean online: besok*", "*Online booking reminder: "
                                                              "tomorrow*"),
             f"{facts.service_name}",
             when_text(facts.starts_at, lang),
             _pick(lang, f"Kode pesanan: *{facts.code}*", f"Booking code: *{facts.code}*"),
             "",
             window_text(facts, lang),
             _pick(lang, "Bawa persyaratan layanan. Berhalangan? Batalkan lewat tautan di pesan "
                         "konfirmasi agar kursinya dipakai orang lain.",
                   "Bring the service's requirements. Cannot come? Cancel through the link in "
                   "the confirmation so someone else can take the seat."),
             _pick(lang, f"Ketik *status {facts.code}* untuk mengecek pesanan.",
                   f"Type *status {facts.code}* to check the booking.")]
    return clip("\n".join(lines))


def closure_cancel_text(facts: BookingFacts, note: str, booking_url: str, lang: Lang) -> str:
    """Sent when the office closes (or shortens its hours) on a booked day and the booking is
    cancelled: without it the visitor would come to a closed door. ``note`` is the office's
    reason for the closure as written by the administrator, possibly empty."""
    day = facts.starts_at.date()
    lines = [_pick(lang, "*Pesanan antrean online dibatalkan*", "*Online booking cancelled*"),
             f"{facts.service_name}",
             when_text(facts.starts_at, lang),
             _pick(lang, f"Kode pesanan: *{facts.code}*", f"Booking code: *{facts.code}*"),
             "",
             _pick(lang, f"Kantor tutup atau jam layanan berubah pada {day:%d-%m-%Y}. Mohon maaf.",
                   f"The office is closed or its hours changed on {day:%d-%m-%Y}. We are "
                   f"sorry.")]
    if note:
        lines.append(_pick(lang, f"Keterangan: {note}", f"Note: {note}"))
    lines.append(_pick(lang, f"Pesan waktu lain: {booking_url}",
                       f"Book another time: {booking_url}"))
    return clip("\n".join(lines))


def booking_status_text(facts: BookingFacts, lang: Lang) -> str:
    """The answer to "status <kode>" for a booking code."""
    word = _STATUS_WORDS.get(facts.status, (facts.status, facts.status))
    lines = [_pick(lang, f"*Pesanan {facts.code}* – {facts.service_name}",
                   f"*Booking {facts.code}* – {facts.service_name}"),
             when_text(facts.starts_at, lang),
             _pick(lang, f"Status: {word[0]}", f"Status: {word[1]}")]
    if facts.status == "booked":
        lines.append(window_text(facts, lang))
    elif facts.reason:
        lines.append(facts.reason)
    return clip("\n".join(lines))
