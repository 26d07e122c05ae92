"""What the officer reads about a break request: plain sentences with service names, never
codes (the stored ``reason`` keeps the technical wording for the supervisor and the log)."""

from __future__ import annotations

import datetime as dt

from queue_server.domain import breaks as rules
from queue_server.services.context import Loket

Words = tuple[str, str]


def _names(loket: Loket, codes: tuple[str, ...]) -> Words:
    services = loket.site.services_by_code
    names_id = [services[c].name if c in services else c for c in codes]
    names_en = [services[c].name_en if c in services else c for c in codes]
    return _join(names_id, "dan"), _join(names_en, "and")


def _join(items: list[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _clock(loket: Loket, at: dt.datetime | None) -> str:
    return at.astimezone(loket.tz).strftime("%H.%M") if at is not None else ""


def _minimum(loket: Loket) -> Words:
    m = int(loket.site.breaks.get("min_staffed_counters", 1))
    if m == 1:
        return "satu loket lain yang buka", "one other open counter"
    return f"{m} loket lain yang buka", f"{m} other open counters"


def granted(loket: Loket, until: dt.datetime | None) -> Words:
    at = _clock(loket, until)
    return (f"Istirahat disetujui sampai pukul {at}. Selamat beristirahat.",
            f"Break granted until {at}. Enjoy your break.")


def turn_came(loket: Loket, until: dt.datetime | None) -> Words:
    at = _clock(loket, until)
    return (f"Giliran istirahat Anda tiba: istirahat sampai pukul {at}.",
            f"Your turn has come: break until {at}.")


def queued(loket: Loket, blocked: tuple[str, ...], position: int | None) -> Words:
    names_id, names_en = _names(loket, blocked)
    other_id, other_en = _minimum(loket)
    place_id = f"urutan ke-{position}" if position else "antrean"
    place_en = f"number {position} in line" if position else "in line"
    if names_id:
        why_id = f"{names_id} masih perlu {other_id}"
        why_en = f"{names_en} still needs {other_en}"
    else:
        why_id, why_en = "belum ada loket lain yang bisa menggantikan", \
            "no other counter can take over yet"
    return (f"Belum bisa istirahat sekarang: {why_id}. Permintaan Anda {place_id}; istirahat "
            "dimulai otomatis begitu loket lain bisa menggantikan.",
            f"No break yet: {why_en}. Your request is {place_en}; the break starts by itself "
            "as soon as another counter can take over.")


def waiting_now(position: int | None) -> Words:
    """For a reloaded screen, which no longer knows why the request had to wait."""
    place_id = f" (urutan ke-{position})" if position else ""
    place_en = f" (number {position})" if position else ""
    return (f"Menunggu giliran istirahat{place_id}. Istirahat dimulai otomatis begitu loket "
            "lain bisa menggantikan.",
            f"Waiting for a break{place_en}. It starts by itself as soon as another counter "
            "can take over.")


def refused(loket: Loket, book: rules.BreakBook, code: str, minutes: int,
            decision: rules.BreakDecision) -> Words:
    """Why the break cannot be had, from the state of the book rather than the technical
    reason, so no counter or service code leaks into the sentence."""
    if not rules.MIN_BREAK_MINUTES <= minutes <= rules.MAX_BREAK_MINUTES:
        return (f"Lama istirahat harus {rules.MIN_BREAK_MINUTES} sampai "
                f"{rules.MAX_BREAK_MINUTES} menit.",
                f"A break must last {rules.MIN_BREAK_MINUTES} to {rules.MAX_BREAK_MINUTES} "
                "minutes.")
    if any(w.counter == code for w in book.waiting):
        return ("Anda sudah menunggu giliran istirahat.", "You are already waiting for a break.")
    if book.has(code) and book.counter(code).on_break:
        return ("Loket ini sedang istirahat.", "This counter is already on a break.")
    if book.has(code) and not (book.counter(code).staffed and book.counter(code).open):
        return ("Loket ini belum dibuka.", "This counter is not open.")
    if decision.permanent and decision.blocked_services:
        names_id, names_en = _names(loket, decision.blocked_services)
        other_id, other_en = _minimum(loket)
        return (f"Loket ini tidak bisa istirahat: {names_id} harus tetap dilayani, dan tidak "
                f"ada cukup loket lain untuk itu (perlu {other_id}). Hubungi supervisor.",
                f"This counter cannot take a break: {names_en} must stay served and there "
                f"are not enough other counters for it (needs {other_en}). Ask the "
                "supervisor.")
    return ("Istirahat tidak dapat disetujui sekarang. Hubungi supervisor.",
            "The break cannot be granted now. Ask the supervisor.")


def overdue(code: str) -> Words:
    """For the supervisor: a break that ran past its time."""
    return (f"Istirahat loket {code} melewati batas waktu",
            f"Counter {code}'s break has run over its time")


def no_window(hours_id: str, hours_en: str) -> Words:
    """For the rotation plan: the day's hours leave no room for the break window."""
    return (f"Tidak ada jendela istirahat pada hari ini (jam layanan {hours_id})",
            f"No break window on this day (service hours {hours_en})")
