"""Where a screen stands, in words a supervisor knows ("Layar TV · Lobi Utama 2"), instead of
the random id the browser made up for itself (``tv-3m3k10af7r``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from queue_server.services.context import Loket

KIND_WORDS: dict[str, tuple[str, str]] = {
    "display": ("Layar TV", "Lobby TV"),
    "kiosk": ("Kios antrean", "Ticket kiosk"),
    "counter": ("Layar loket", "Counter screen"),
    "supervisor": ("Dasbor penyelia", "Supervisor dashboard"),
    "phone": ("Ponsel", "Phone"),
}


def zone_words(loket: Loket, zone: str | None) -> tuple[str, str] | None:
    """A zone as people say it: an agency's or counter's name when the zone is its code,
    else the zone itself with dashes as spaces and capitals ("lantai-2" → "Lantai 2")."""
    if not zone:
        return None
    # an agency's own screen gets the zone "agency-CODE" (see web/display.py)
    code = zone[len("agency-"):] if zone.startswith("agency-") else zone
    agency = next((a for a in loket.site.agencies if a.code.lower() == code.lower()), None)
    if agency is not None:
        return agency.short_name, agency.short_name
    counter = loket.site.counter(zone) or loket.site.counter(zone.upper())
    if counter is not None:
        return counter.name, counter.name
    words = " ".join(w[:1].upper() + w[1:] for w in zone.replace("_", "-").split("-") if w)
    return words, words


def name_screens(loket: Loket, screens: Sequence[Any]) -> list[tuple[str, str]]:
    """(Indonesian, English) place names for ``screens`` (rows with ``client_id``, ``kind``,
    ``zone``), in the same order. Several screens of one kind in one zone are numbered by
    their id, so the same TV keeps its number from one look to the next."""
    def key(s: Any) -> tuple[str, str]:
        return (str(s.kind), str(s.zone or ""))

    groups = Counter(key(s) for s in screens)
    numbers: dict[str, int] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for s in sorted(screens, key=lambda s: str(s.client_id)):
        seen[key(s)] += 1
        numbers[str(s.client_id)] = seen[key(s)]
    out = []
    for s in screens:
        kind_id, kind_en = KIND_WORDS.get(str(s.kind), ("Layar", "Screen"))
        place = zone_words(loket, s.zone)
        name_id = kind_id + (f" · {place[0]}" if place else "")
        name_en = kind_en + (f" · {place[1]}" if place else "")
        if groups[key(s)] > 1:
            n = numbers[str(s.client_id)]
            name_id, name_en = f"{name_id} {n}", f"{name_en} {n}"
        out.append((name_id, name_en))
    return out
