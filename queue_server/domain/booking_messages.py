"""WA SMART MPP and online bookings: the words of the confirmation, the reminder the day
before, and the answer to "status <kode>". Bahasa Indonesia first, English when the visitor
booked on the English page. Pure: the booking's facts are passed in.

The confirmation, the reminder and a closure's cancellation also exist as the bodies of
Meta-approved templates (``TEMPLATE_BODIES``) with the facts as parameters, for the Cloud API,
which delivers nothing else to a visitor who has not written in the last 24 hours.
"""

from __future__ import annotations

import datetime as dt
import re
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


# --- the same messages as Meta-approved templates ----------------------------------------------

#: The messages Loket starts itself (not answers): the Cloud API delivers them to someone who
#: has not written in the last 24 hours only as approved templates. Named like their outbox
#: keys: the confirmation (``booking:<code>``), the reminder, the closure's cancellation.
TEMPLATE_PURPOSES = ("booking", "reminder", "cancelled")

#: What the office submits to Meta for each purpose (docs/whatsapp.md quotes them): the texts
#: above with the booking's facts as {{1}}, {{2}} … in the order of the ``*_parameters``
#: functions below. Meta refuses a body that starts or ends with a parameter.
TEMPLATE_BODIES: dict[str, dict[Lang, str]] = {
    "booking": {
        "id": "*Pesanan antrean online berhasil*\n"
              "Layanan: {{1}}\n"
              "Waktu: {{2}}\n"
              "Kode pesanan: *{{3}}*\n"
              "\n"
              "Check-in di anjungan pukul {{4}} dengan kode atau QR pesanan; lewat dari itu "
              "pesanan hangus.\n"
              "\n"
              "Lihat atau batalkan pesanan: {{5}}\n"
              "Kami kirim pengingat sehari sebelumnya. Ketik *stop* untuk berhenti menerima "
              "pesan.",
        "en": "*Online booking confirmed*\n"
              "Service: {{1}}\n"
              "Time: {{2}}\n"
              "Booking code: *{{3}}*\n"
              "\n"
              "Check in at the kiosk {{4}} with the code or the booking's QR; after that the "
              "booking lapses.\n"
              "\n"
              "View or cancel the booking: {{5}}\n"
              "We will remind you the day before. Type *stop* to stop these messages.",
    },
    "reminder": {
        "id": "*Pengingat antrean online: besok*\n"
              "Layanan: {{1}}\n"
              "Waktu: {{2}}\n"
              "Kode pesanan: *{{3}}*\n"
              "\n"
              "Check-in di anjungan pukul {{4}} dengan kode atau QR pesanan; lewat dari itu "
              "pesanan hangus.\n"
              "Bawa persyaratan layanan. Berhalangan? Batalkan lewat tautan di pesan konfirmasi "
              "agar kursinya dipakai orang lain.\n"
              "Ketik *status* dan kode pesanan untuk mengecek pesanan.",
        "en": "*Online booking reminder: tomorrow*\n"
              "Service: {{1}}\n"
              "Time: {{2}}\n"
              "Booking code: *{{3}}*\n"
              "\n"
              "Check in at the kiosk {{4}} with the code or the booking's QR; after that the "
              "booking lapses.\n"
              "Bring the service's requirements. Cannot come? Cancel through the link in the "
              "confirmation so someone else can take the seat.\n"
              "Type *status* and the booking code to check the booking.",
    },
    "cancelled": {
        "id": "*Pesanan antrean online dibatalkan*\n"
              "Layanan: {{1}}\n"
              "Waktu: {{2}}\n"
              "Kode pesanan: *{{3}}*\n"
              "\n"
              "Kantor tutup atau jam layanan berubah pada hari itu. Mohon maaf.\n"
              "Keterangan: {{4}}\n"
              "Pesan waktu lain: {{5}}\n"
              "Terima kasih.",
        "en": "*Online booking cancelled*\n"
              "Service: {{1}}\n"
              "Time: {{2}}\n"
              "Booking code: *{{3}}*\n"
              "\n"
              "The office is closed or its hours changed on that day. We are sorry.\n"
              "Note: {{4}}\n"
              "Book another time: {{5}}\n"
              "Thank you.",
    },
}

_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """A template parameter as Meta takes it: no line break, no tab, never more than four
    spaces in a row (it refuses the whole message otherwise), and never empty."""
    return _SPACES.sub(" ", text).strip() or "-"


def checkin_span(facts: BookingFacts, lang: Lang) -> str:
    """"08.45–09.15 WIB" / "09:45–10:15 WIB" (en reads "Check in at the kiosk 09:45–…")."""
    zone = zone_abbreviation(facts.checkin_until)
    span = f"{_clock(facts.checkin_from, lang)}–{_clock(facts.checkin_until, lang)} {zone}"
    return span if lang == "id" else f"from {span}"


def _facts_parameters(facts: BookingFacts, lang: Lang) -> tuple[str, ...]:
    return (facts.service_name, when_text(facts.starts_at, lang), facts.code)


def confirmation_parameters(facts: BookingFacts, manage_url: str,
                            lang: Lang) -> tuple[str, ...]:
    """{{1}}–{{5}} of the ``booking`` template: service, day and time, code, check-in
    window, manage link."""
    return tuple(map(one_line, (*_facts_parameters(facts, lang), checkin_span(facts, lang),
                                manage_url)))


def reminder_parameters(facts: BookingFacts, lang: Lang) -> tuple[str, ...]:
    """{{1}}–{{4}} of the ``reminder`` template: service, day and time, code, check-in
    window."""
    return tuple(map(one_line, (*_facts_parameters(facts, lang), checkin_span(facts, lang))))


def closure_cancel_parameters(facts: BookingFacts, note: str, booking_url: str,
                              lang: Lang) -> tuple[str, ...]:
    """{{1}}–{{5}} of the ``cancelled`` template: service, day and time, code, the
    administrator's reason ("-" when none), the booking link."""
    return tuple(map(one_line, (*_facts_parameters(facts, lang), note, booking_url)))
