"""WA SMART MPP: what a visitor's WhatsApp message asks, and the words of the answer.

Menu-driven with free text: a number from the menu or a keyword ("layanan", "jam", "antre",
"status A-012", "keluhan") picks an answer; anything else is searched in the service
catalogue ("syarat ktp", "paspor hilang"); what finds nothing gets the menu, never silence.
Bahasa Indonesia unless the visitor writes English. Pure: the facts are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from queue_server.domain.catalogue_search import (
    Entry,
    agencies_named,
    names_a_service,
    search,
    word_set,
    words,
)

Lang = Literal["id", "en"]

#: WhatsApp refuses text bodies above 4096 characters; keep a margin.
MAX_BODY = 3900
LAPOR_URL = "https://www.lapor.go.id"


class Intent(Enum):
    MENU = "menu"
    SERVICES = "services"
    AGENCY = "agency"
    SERVICE = "service"
    HOURS = "hours"
    BOOKING = "booking"
    STATUS = "status"
    COMPLAINT = "complaint"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Understood:
    intent: Intent
    lang: Lang
    #: service codes found, best first (SERVICE, BOOKING)
    services: tuple[str, ...] = ()
    #: agency code (AGENCY)
    agency: str | None = None
    #: the ticket number or code asked about (STATUS); ticket id and key (SUBSCRIBE)
    argument: str = ""
    key: str = ""


_KEYWORDS: dict[str, Intent] = {
    **dict.fromkeys(("menu", "halo", "hai", "hi", "hello", "help", "bantuan", "mulai",
                     "start", "0", "p", "assalamualaikum", "selamat"), Intent.MENU),
    **dict.fromkeys(("layanan", "services", "service", "1", "daftar"), Intent.SERVICES),
    **dict.fromkeys(("jam", "hours", "buka", "open", "opening", "2"), Intent.HOURS),
    **dict.fromkeys(("antre", "antri", "antrean", "antrian", "booking", "book", "queue",
                     "reservasi", "3"), Intent.BOOKING),
    **dict.fromkeys(("status", "cek", "4"), Intent.STATUS),
    **dict.fromkeys(("keluhan", "pengaduan", "komplain", "aduan", "lapor", "complaint",
                     "complain", "5"), Intent.COMPLAINT),
    **dict.fromkeys(("kabari", "notify"), Intent.SUBSCRIBE),
    **dict.fromkeys(("stop", "berhenti"), Intent.UNSUBSCRIBE),
}

_ENGLISH = word_set("""the what how when where which is are do does can i my you your please
    hello hi hours open opening services service requirements requirement fee fees cost
    much long passport card id book queue complaint thanks thank need apply get for of""")
_INDONESIAN = word_set("""apa bagaimana berapa kapan dimana di ke yang dan saya mau ingin
    syarat persyaratan biaya jam buka layanan antre antri keluhan tolong mohon terima kasih
    hilang baru buat bikin urus kak pak bu min selamat pagi siang sore apakah bisa""")

_PLAIN_WORD = re.compile(r"[^\W\d_]+[.,!?;:]*")
_TICKET_NUMBER = re.compile(r"^([A-Za-z]{1,3})-?0*([0-9]{1,4})$")


def language_of(text: str) -> Lang:
    """English only when the message has more English than Indonesian words. Only plain
    words count: a ticket id or booking code ("x-the_Q9…") is no vote for a language."""
    found = [w for token in text.split() if _PLAIN_WORD.fullmatch(token) for w in words(token)]
    english = sum(w in _ENGLISH for w in found)
    indonesian = sum(w in _INDONESIAN for w in found)
    return "en" if english > indonesian else "id"


def understand(text: str, entries: Sequence[Entry],
               agencies: Sequence[tuple[str, str, str]]) -> Understood:
    """What the message asks. ``entries`` is the searchable catalogue, ``agencies`` the
    ``(code, name, short_name)`` of each agency."""
    lang = language_of(text)
    parts = text.strip().split()
    head = parts[0].lower().strip(".,!?:") if parts else ""
    rest = " ".join(parts[1:])
    keyword = _KEYWORDS.get(head)
    if keyword is Intent.SUBSCRIBE:
        return Understood(Intent.SUBSCRIBE, lang, argument=parts[1] if len(parts) > 1 else "",
                          key=parts[2] if len(parts) > 2 else "")
    if keyword is Intent.STATUS:
        return Understood(Intent.STATUS, lang, argument=rest.strip().upper())
    if keyword is Intent.BOOKING:
        found = search(entries, rest) if rest else []
        return Understood(Intent.BOOKING, lang, services=tuple(e.code for e in found))
    if keyword is Intent.SERVICES and rest:
        named = agencies_named(agencies, rest)
        if named and not names_a_service(entries, rest):
            return Understood(Intent.AGENCY, lang, agency=named[0])
    if keyword is Intent.HOURS and rest and not {"buka", "open", "layanan"} & set(words(rest)):
        keyword = None  # "buka rekening" is a service, not the opening hours
    if keyword is Intent.SERVICES and rest:
        keyword = None  # "layanan ktp": search it
    if keyword is not None and (not rest or keyword in (Intent.MENU, Intent.HOURS,
                                                         Intent.COMPLAINT,
                                                         Intent.UNSUBSCRIBE)):
        return Understood(keyword, lang)
    named = agencies_named(agencies, text)
    if named and not names_a_service(entries, text):
        return Understood(Intent.AGENCY, lang, agency=named[0])
    found = search(entries, text)
    if found:
        return Understood(Intent.SERVICE, lang, services=tuple(e.code for e in found))
    return Understood(Intent.UNKNOWN, lang)


def ticket_number(text: str) -> tuple[str, int] | None:
    """"A-012", "a12", "A012" → ("A", 12)."""
    match = _TICKET_NUMBER.match(text.strip())
    return (match.group(1).upper(), int(match.group(2))) if match else None


# --- the words of the answers ----------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFacts:
    """A service's published standard, as the answer shows it."""

    code: str
    name: str
    agency_name: str
    persyaratan: tuple[str, ...]
    biaya: str
    waktu: str
    produk: str
    counters: tuple[str, ...]


def _pick(lang: Lang, id_: str, en: str) -> str:
    return en if lang == "en" else id_


def clip(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 1].rstrip() + "…"


def menu_text(site_name: str, lang: Lang, *, unknown: bool = False) -> str:
    if lang == "en":
        lines = [f"Welcome to the WhatsApp service of {site_name}.",
                 "Reply with a number or a word:",
                 "1 *services* – agencies and services",
                 "2 *hours* – opening hours",
                 "3 *queue* – take a number online",
                 "4 *status A-012* – your place in the queue (or a booking code)",
                 "5 *complaint* – where to report",
                 "Or type what you need, e.g. *ktp requirements* or *passport*."]
        if unknown:
            lines.insert(0, "Sorry, we did not understand that.")
    else:
        lines = [f"Selamat datang di layanan WhatsApp {site_name}.",
                 "Balas dengan angka atau kata:",
                 "1 *layanan* – daftar instansi dan layanan",
                 "2 *jam* – jam pelayanan",
                 "3 *antre* – ambil antrean online",
                 "4 *status A-012* – posisi antrean Anda (atau kode pesanan online)",
                 "5 *keluhan* – saluran pengaduan",
                 "Atau ketik kebutuhan Anda, mis. *syarat ktp* atau *paspor*."]
        if unknown:
            lines.insert(0, "Maaf, kami belum memahami pesan Anda.")
    return "\n".join(lines)


def agencies_text(agencies: Sequence[tuple[str, int]], lang: Lang) -> str:
    """``agencies``: (short name, number of services)."""
    head = _pick(lang, "Instansi di MPP (ketik nama instansi untuk daftar layanannya):",
                 "Agencies here (type an agency's name for its services):")
    unit = _pick(lang, "layanan", "services")
    lines = [head, *(f"• {name} ({count} {unit})" for name, count in agencies)]
    lines.append(_pick(lang, "Atau ketik nama layanan, mis. *syarat ktp*.",
                       "Or type a service, e.g. *ktp requirements*."))
    return clip("\n".join(lines))


def agency_text(agency_name: str, services: Sequence[str], lang: Lang) -> str:
    head = _pick(lang, f"Layanan {agency_name}:", f"Services of {agency_name}:")
    tail = _pick(lang, "Ketik nama layanan untuk persyaratan dan biayanya.",
                 "Type a service's name for its requirements and fee.")
    return clip("\n".join([head, *(f"• {s}" for s in services), tail]))


def service_text(facts: ServiceFacts, others: Sequence[str], booking_url: str,
                 lang: Lang) -> str:
    lines = [f"*{facts.name}*", f"({facts.agency_name})", ""]
    if facts.persyaratan:
        lines.append(_pick(lang, "*Persyaratan:*", "*Requirements:*"))
        lines += [f"{i}. {item}" for i, item in enumerate(facts.persyaratan, 1)]
    if facts.biaya:
        lines.append(_pick(lang, f"*Biaya:* {facts.biaya}", f"*Fee:* {facts.biaya}"))
    if facts.waktu:
        lines.append(_pick(lang, f"*Waktu:* {facts.waktu}", f"*Time:* {facts.waktu}"))
    if facts.produk:
        lines.append(_pick(lang, f"*Produk:* {facts.produk}", f"*Product:* {facts.produk}"))
    if facts.counters:
        where = ", ".join(facts.counters)
        lines.append(_pick(lang, f"*Loket:* {where}", f"*Counter:* {where}"))
    if booking_url:
        lines.append(_pick(lang, f"Ambil antrean online: {booking_url}",
                           f"Take a number online: {booking_url}"))
    if others:
        lines += ["", _pick(lang, "Layanan lain yang mirip:", "Similar services:")]
        lines += [f"• {name}" for name in others]
    return clip("\n".join(lines))


def hours_text(today: str, weekly: Sequence[tuple[str, str]], lang: Lang) -> str:
    """``today``: the sentence for now (open until…, or closed and when it reopens);
    ``weekly``: (days, hours) lines."""
    head = _pick(lang, "*Jam pelayanan*", "*Opening hours*")
    lines = [head, *(f"{days}: {hours}" for days, hours in weekly), "", today + "."]
    return "\n".join(lines)


def booking_text(booking_url: str, service_name: str | None, lang: Lang) -> str:
    if service_name:
        return _pick(lang, f"Ambil antrean online untuk *{service_name}*:\n{booking_url}",
                     f"Take a number online for *{service_name}*:\n{booking_url}")
    return _pick(lang, f"Ambil antrean online di:\n{booking_url}\n"
                       "Ketik *antre* dengan nama layanan (mis. *antre ktp*) untuk langsung ke "
                       "layanannya.",
                 f"Take a number online at:\n{booking_url}\n"
                 "Type *queue* with a service (e.g. *queue passport*) to go straight to it.")


@dataclass(frozen=True)
class TicketPlace:
    number: str
    status: str
    service_name: str
    ahead: int | None
    counter_name: str | None


_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "waiting": ("menunggu", "waiting"),
    "called": ("dipanggil", "called"),
    "serving": ("sedang dilayani", "being served"),
    "done": ("selesai", "finished"),
    "no_show": ("tidak hadir saat dipanggil", "not present when called"),
    "transferred": ("dialihkan", "transferred"),
    "cancelled": ("dibatalkan", "cancelled"),
    "expired": ("kedaluwarsa", "expired"),
}


def status_text(place: TicketPlace | None, asked: str, lang: Lang) -> str:
    if not asked:
        return _pick(lang, "Ketik *status* dengan nomor antrean atau kode pesanan online "
                           "Anda, mis. *status A-012*.",
                     "Type *status* with your number or online booking code, e.g. "
                     "*status A-012*.")
    if place is None:
        return _pick(lang, f"Nomor antrean atau kode pesanan {asked} tidak ditemukan "
                           "(nomor antrean hanya untuk hari ini).",
                     f"No ticket or booking {asked} was found (ticket numbers are for today "
                     "only).")
    word = _STATUS_WORDS.get(place.status, (place.status, place.status))
    lines = [f"*{place.number}* – {place.service_name}",
             _pick(lang, f"Status: {word[0]}", f"Status: {word[1]}")]
    if place.status == "waiting" and place.ahead is not None:
        lines.append(_pick(lang, f"Di depan Anda: {place.ahead} orang",
                           f"Ahead of you: {place.ahead} people"))
    if place.status in ("called", "serving") and place.counter_name:
        lines.append(_pick(lang, f"Silakan menuju {place.counter_name}",
                           f"Please go to {place.counter_name}"))
    return "\n".join(lines)


def complaint_text(lang: Lang) -> str:
    return _pick(
        lang,
        "Sampaikan pengaduan melalui SP4N LAPOR! di " + LAPOR_URL + " (atau SMS 1708), "
        "atau ke meja informasi dan kotak pengaduan MPP. Pengaduan Anda dijamin "
        "kerahasiaannya.",
        "Send complaints through SP4N LAPOR! at " + LAPOR_URL + " (or SMS 1708), or to the "
        "information desk and complaint box at the MPP. Your complaint is kept confidential.")


def subscribed_text(number: str, lang: Lang) -> str:
    return _pick(lang,
                 f"Baik, kami akan mengabari Anda tentang antrean *{number}*: saat tinggal 3 "
                 "antrean lagi dan saat nomor Anda dipanggil. Ketik *stop* untuk berhenti.",
                 f"We will tell you about number *{number}*: when 3 people are left ahead "
                 "and when you are called. Type *stop* to stop.")


def subscribe_failed_text(lang: Lang) -> str:
    return _pick(lang, "Tiket tidak ditemukan. Pakai tombol *Kabari saya lewat WhatsApp* di "
                       "halaman tiket Anda.",
                 "Ticket not found. Use the *Tell me on WhatsApp* button on your ticket page.")


def unsubscribed_text(lang: Lang) -> str:
    return _pick(lang, "Baik, kami tidak akan mengirim kabar antrean lagi.",
                 "All right, we will not send queue updates any more.")


# --- notifications ---------------------------------------------------------------------------


def near_text(number: str, ahead: int, lang: Lang) -> str:
    return _pick(lang, f"Antrean *{number}*: tinggal {ahead} antrean lagi. Mohon bersiap di "
                       "dekat loket.",
                 f"Number *{number}*: {ahead} more ahead of you. Please be ready near the "
                 "counter.")


def called_text(number: str, counter_name: str, lang: Lang) -> str:
    return _pick(lang, f"Nomor *{number}* dipanggil ke *{counter_name}*. Silakan menuju loket.",
                 f"Number *{number}* is called to *{counter_name}*. Please go to the counter.")


def survey_text(number: str, survey_url: str, lang: Lang) -> str:
    return _pick(lang, f"Terima kasih, layanan untuk *{number}* selesai. Mohon isi Survei "
                       f"Kepuasan Masyarakat (1 menit):\n{survey_url}",
                 f"Thank you, number *{number}* is done. Please rate our service "
                 f"(1 minute):\n{survey_url}")
