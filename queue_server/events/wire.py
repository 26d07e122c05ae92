"""Events as clients receive them: the stored message, plus what to say for a call."""

from __future__ import annotations

import logging
from typing import Any

from queue_server.domain.speech import (
    announcement_clips,
    announcement_phrases,
    announcement_text,
)
from queue_server.store.db import StoredEvent

log = logging.getLogger(__name__)

#: Event types a lobby display announces aloud.
ANNOUNCED = frozenset({"ticket.called", "ticket.recalled"})


def announcement(event: StoredEvent) -> dict[str, Any] | None:
    """Clip names (``/static/display/voice/<name>.mp3``, in order) and the same sentence as
    text for the browser's ``id-ID`` speech, or ``None`` when the event is not a call."""
    if event.type not in ANNOUNCED:
        return None
    ticket = event.payload.get("ticket") or {}
    number = ticket.get("number")
    counter_number = event.payload.get("counter_number") or ticket.get("counter_number")
    if not number or not counter_number:
        return None
    recall = event.type == "ticket.recalled"
    try:
        return {"clips": announcement_clips(number, int(counter_number), recall=recall),
                "phrases": announcement_phrases(number, int(counter_number), recall=recall),
                "text": announcement_text(number, int(counter_number), recall=recall),
                "recall": recall}
    except ValueError:  # a number the reader cannot say: show it, stay silent
        log.warning("cannot announce %s at counter %s", number, counter_number)
        return None


def message(event: StoredEvent) -> dict[str, Any]:
    body = event.message()
    said = announcement(event)
    if said is not None:
        body["announcement"] = said
    return body
