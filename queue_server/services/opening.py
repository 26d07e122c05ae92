"""Is the office open now, in the words the lobby TV and the kiosk show?"""

from __future__ import annotations

from typing import Any

from queue_server.domain.schedule import (
    Schedule,
    closed_message,
    format_next_open,
    issuing_status,
    override_notice,
    schedule_from_config,
    upcoming_overrides,
)
from queue_server.services.context import Loket


def schedule_of(loket: Loket) -> Schedule:
    # The running gate holds the schedule in force; without one, read the site file's hours.
    schedule = getattr(loket.gate, "schedule", None)
    if isinstance(schedule, Schedule):
        return schedule
    return schedule_from_config(loket.site.hours, loket.site.timezone)


def lobby_status(loket: Loket) -> dict[str, Any]:
    """Open, or closed with the sentence the lobby shows. The cut-off for new tickets is not
    closing: counters still serve until closing time, so the TV stays on its calls."""
    status = issuing_status(schedule_of(loket), loket.clock.now())
    closed = not status.open and status.reason != "cutoff"
    body: dict[str, Any] = {"open": not closed, "reason": status.reason}
    if closed:
        headline = "Tutup"
        if status.next_open is not None:
            headline += f" \u2014 dibuka kembali {format_next_open(status.next_open, 'id')}"
        # The headline already names the next opening; the line below only says why.
        reason = closed_message(status, "id").split(". Layanan dibuka kembali")[0]
        body.update(headline=headline, message=reason if status.holiday_name else "",
                    holiday=status.holiday_name,
                    next_open=status.next_open.isoformat() if status.next_open else None)
    return body


def kiosk_status(loket: Loket) -> dict[str, Any]:
    """May tickets be taken now; if not, why and when again, in both kiosk languages."""
    schedule, now = schedule_of(loket), loket.clock.now()
    status = issuing_status(schedule, now)
    coming = upcoming_overrides(schedule, now)
    body: dict[str, Any] = {"open": status.open, "reason": status.reason,
                            "next_open": status.next_open.isoformat() if status.next_open
                            else None,
                            # closures and special hours of the coming week, said in advance
                            "upcoming": {lang: [override_notice(o, lang) for o in coming]
                                         for lang in ("id", "en")}}
    if not status.open:
        body["message"] = {"id": closed_message(status, "id") + ".",
                           "en": closed_message(status, "en") + "."}
    return body
