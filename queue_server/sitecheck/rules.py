"""Rules across sections: each field may be fine alone and still contradict another."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from queue_server.domain.schedule import WEEKDAYS, DayHours
from queue_server.sitecheck.catalogue import ALL_SERVICES
from queue_server.sitecheck.facts import Facts
from queue_server.sitecheck.findings import Findings
from queue_server.sitecheck.timing import DAY_NAMES_ID

_SHOWN = 8  # services named in one finding; the rest are counted


def check_rules(found: Findings, facts: Facts, written_printers: set[str]) -> None:
    _coverage(found, facts)
    _shared_queues(found, facts)
    _break_window(found, facts)
    _kiosk_printers(found, facts, written_printers)
    if facts.categories == set() and any(c.priority_only for c in facts.counters):
        first = next(c for c in facts.counters if c.priority_only)
        found.warning(f"{first.path}.priority_only",
                      "loket khusus prioritas, tetapi tidak ada [[priority_categories]]: "
                      "loket ini tidak akan pernah memanggil",
                      "a priority-only counter, but no [[priority_categories]]: it will "
                      "never call anyone")


def _coverage(found: Findings, facts: Facts) -> None:
    """Who serves each service: none is a warning; fewer than ``min_staffed_counters`` an
    error, since then no officer of that service could ever take a break."""
    every = {s.code for s in facts.services}
    covering: dict[str, int] = defaultdict(int)
    for counter in facts.counters:
        if counter.priority_only:
            continue  # calls only priority tickets, so it never covers a normal queue
        for code in every if counter.services == (ALL_SERVICES,) else set(counter.services):
            covering[code] += 1
    for service in facts.services:
        if covering[service.code] == 0:
            found.warning(f"{service.path}.code",
                          f"layanan {service.code!r} tidak dilayani loket mana pun: tiketnya "
                          "tidak akan pernah dipanggil",
                          f"no counter serves {service.code!r}: its tickets would never be "
                          "called")
    needed = facts.min_staffed
    if not needed:
        return
    short = [f"{s.code} ({covering[s.code]})" for s in facts.services
             if 0 < covering[s.code] < needed]
    if short:
        more = f" dan {len(short) - _SHOWN} lainnya" if len(short) > _SHOWN else ""
        more_en = f" and {len(short) - _SHOWN} more" if len(short) > _SHOWN else ""
        found.error("breaks.min_staffed_counters",
                    f"{needed} loket harus tetap buka per layanan, tetapi layanan ini punya "
                    f"lebih sedikit loket: {', '.join(short[:_SHOWN])}{more}",
                    f"{needed} counters must stay open per service, but these services have "
                    f"fewer counters: {', '.join(short[:_SHOWN])}{more_en}")


def _shared_queues(found: Findings, facts: Facts) -> None:
    """One prefix is one running number: shared by services of one agency it is normal,
    shared by two agencies their visitors see one number line they cannot tell apart."""
    owner: dict[str, str] = {}
    told: set[tuple[str, str]] = set()
    for service in facts.services:
        first = owner.setdefault(service.queue, service.agency)
        if first == service.agency or (service.queue, service.agency) in told:
            continue
        told.add((service.queue, service.agency))
        found.warning(service.queue_path,
                      f"antrean {service.queue!r} sudah dipakai instansi {first}: layanan "
                      f"{service.code} ({service.agency}) berbagi satu urutan nomor dengannya",
                      f"queue {service.queue!r} is already used by agency {first}: service "
                      f"{service.code} ({service.agency}) shares one number sequence with it")


def _break_window(found: Findings, facts: Facts) -> None:
    window, weekly = facts.break_window, facts.weekly
    if window is None:
        return
    if facts.break_minutes is not None and _minutes(window) < facts.break_minutes:
        found.warning("breaks.window",
                      f"jendela istirahat lebih pendek dari default_minutes "
                      f"({facts.break_minutes} menit)",
                      f"the break window is shorter than default_minutes "
                      f"({facts.break_minutes} minutes)")
    if not weekly:
        return
    inside = [n for n, hours in weekly.items() if _overlap(window, hours) > 0]
    if not inside:
        found.error("breaks.window",
                    f"{_span(window)} di luar jam layanan setiap hari: rotasi istirahat tidak "
                    "pernah bisa dijadwalkan",
                    f"{_span(window)} lies outside the opening hours of every day: the break "
                    "rotation could never be planned")
        return
    clipped = [n for n in inside if _overlap(window, weekly[n]) < _minutes(window)]
    if clipped:
        found.warning("breaks.window",
                      f"{_span(window)} melewati jam layanan pada hari "
                      f"{', '.join(DAY_NAMES_ID[n] for n in clipped)}: dipotong ke jam buka",
                      f"{_span(window)} runs past the opening hours on "
                      f"{', '.join(WEEKDAYS[n] for n in clipped)}: cut to the open hours")


def _kiosk_printers(found: Findings, facts: Facts, written: set[str]) -> None:
    for path, printer in facts.kiosk_printers:
        if printer not in facts.printers and printer not in written:
            found.error(path, f"printer {printer!r} tidak ada di [[printers]]",
                        f"printer {printer!r} is not in [[printers]]")


def _minute(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _minutes(hours: DayHours) -> int:
    return _minute(hours.close) - _minute(hours.open)


def _overlap(a: DayHours, b: DayHours) -> int:
    return max(0, min(_minute(a.close), _minute(b.close)) - max(_minute(a.open), _minute(b.open)))


def _span(hours: DayHours) -> str:
    return f"{hours.open:%H:%M}-{hours.close:%H:%M}"
