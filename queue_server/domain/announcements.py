"""The order in which a lobby zone hears its calls: one at a time, each once, by sequence.

Every call or recall is an event with a sequence number, and events reach a screen in sequence
order (commit order is sequence order, and a reconnecting screen replays from ``since=<seq>``).
So a zone needs only one number to tell new calls from replays: the highest seq it has finished
announcing (or given up on). Anything at or below that mark, or already waiting or playing, is a
duplicate. The browser page can keep the same rule with one integer in ``localStorage`` per
zone: restore it with :meth:`AnnouncementQueue.resume` after a reload and nothing is said twice.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from queue_server.domain.speech import announcement_clips, announcement_text

#: Waiting announcements kept per zone. A screen whose audio is still locked keeps receiving
#: calls; once unlocked it should not read out a quarter of an hour of old calls.
DEFAULT_MAX_PENDING = 20


@dataclass(frozen=True, slots=True)
class Announcement:
    seq: int
    zone: str
    ticket_number: str
    counter_number: int
    recall: bool
    clips: tuple[str, ...]
    text: str


def build_announcement(
    seq: int, zone: str, ticket_number: str, counter_number: int, *, recall: bool = False
) -> Announcement:
    """The announcement for one call (or recall) event."""
    return Announcement(
        seq=seq,
        zone=zone,
        ticket_number=ticket_number,
        counter_number=counter_number,
        recall=recall,
        clips=tuple(announcement_clips(ticket_number, counter_number, recall=recall)),
        text=announcement_text(ticket_number, counter_number, recall=recall),
    )


@dataclass(slots=True)
class _Zone:
    done_through: int = 0
    playing: Announcement | None = None
    waiting: list[Announcement] = field(default_factory=list)  # sorted by seq

    def seen(self, seq: int) -> bool:
        if seq <= self.done_through:
            return True
        if self.playing is not None and seq <= self.playing.seq:
            return True
        index = bisect.bisect_left(self.waiting, seq, key=_seq)
        return index < len(self.waiting) and self.waiting[index].seq == seq


class AnnouncementQueue:
    """Announcements per display zone, played one at a time in seq order, each once.

    The player loop: ``a = queue.next(zone)``; play ``a.clips``; ``queue.played(zone, a.seq)``;
    repeat. ``next`` returns ``None`` while something is playing, so calls never overlap.
    """

    def __init__(self, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self._max_pending = max_pending
        self._zones: dict[str, _Zone] = {}

    def offer(self, announcement: Announcement) -> bool:
        """Queue an announcement; ``False`` if it is a replay of one already seen."""
        zone = self._zone(announcement.zone)
        if zone.seen(announcement.seq):
            return False
        bisect.insort(zone.waiting, announcement, key=_seq)
        if len(zone.waiting) > self._max_pending:
            # Drop the oldest, and remember it as done so a replay cannot bring it back.
            dropped = zone.waiting.pop(0)
            zone.done_through = max(zone.done_through, dropped.seq)
        return True

    def next(self, zone: str) -> Announcement | None:
        """Start the next announcement of ``zone``; ``None`` if one is playing or none waits."""
        state = self._zones.get(zone)
        if state is None or state.playing is not None or not state.waiting:
            return None
        state.playing = state.waiting.pop(0)
        return state.playing

    def played(self, zone: str, seq: int) -> bool:
        """Mark the playing announcement done; ``False`` if ``seq`` is not the one playing."""
        state = self._zones.get(zone)
        if state is None or state.playing is None or state.playing.seq != seq:
            return False
        state.done_through = max(state.done_through, seq)
        state.playing = None
        return True

    def playing(self, zone: str) -> Announcement | None:
        state = self._zones.get(zone)
        return state.playing if state else None

    def pending(self, zone: str) -> tuple[Announcement, ...]:
        """The announcements waiting in ``zone``, in the order they will be played."""
        state = self._zones.get(zone)
        return tuple(state.waiting) if state else ()

    def done_through(self, zone: str) -> int:
        """The highest seq finished (or dropped) in ``zone``: what a page stores to resume."""
        state = self._zones.get(zone)
        return state.done_through if state else 0

    def resume(self, zone: str, done_through: int) -> None:
        """Treat every seq up to ``done_through`` as announced, e.g. after a page reload."""
        state = self._zone(zone)
        state.done_through = max(state.done_through, done_through)
        state.waiting = [a for a in state.waiting if a.seq > state.done_through]

    def _zone(self, zone: str) -> _Zone:
        return self._zones.setdefault(zone, _Zone())


def _seq(announcement: Announcement) -> int:
    return announcement.seq
