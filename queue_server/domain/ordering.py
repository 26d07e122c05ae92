"""Which waiting ticket a counter calls next.

Priority categories (lansia, disabilitas, ibu hamil/menyusui, anak) go first, by law. To keep
normal tickets from waiting without bound, a counter that has called ``priority_every``
priority tickets in a row calls a normal one next, and a normal ticket that has waited
``max_normal_wait`` goes before any priority ticket. Within each class, earliest ``queued_at``
first (a transferred ticket keeps its original time); ticket id breaks ties deterministically.

A visitor who booked online and checked in is ordered by the start of their slot
(``due_at``) instead of their arrival: called at their time, ahead of walk-ins who came after
it, behind those who came before it. Check-in closes ``checkin_after_minutes`` after the slot
starts, so a booking passes a walk-in only if it checked in at most that long after the
walk-in arrived: walk-ins wait a bounded extra, and ``max_normal_wait`` still holds for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    priority: str | None
    queued_at: datetime
    #: the booked slot's start for a visitor who booked online, else None
    due_at: datetime | None = None

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.due_at or self.queued_at, self.id)


@dataclass(frozen=True, slots=True)
class OrderingPolicy:
    priority_every: int = 3
    max_normal_wait: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.priority_every < 1:
            raise ValueError("priority_every must be at least 1")


@dataclass(frozen=True, slots=True)
class Choice:
    ticket: Candidate
    #: priority calls in a row after this call; stored on the counter
    streak: int


def choose_next(
    priority_head: Candidate | None,
    normal_head: Candidate | None,
    *,
    streak: int,
    now: datetime,
    policy: OrderingPolicy,
    priority_only: bool = False,
) -> Choice | None:
    """Pick between the oldest priority ticket and the oldest normal ticket.

    Only the two heads matter, which lets the store fetch (and lock) two rows instead of the
    whole queue.
    """
    if priority_only:
        normal_head = None
    if priority_head is None and normal_head is None:
        return None
    if priority_head is None:
        assert normal_head is not None
        return Choice(normal_head, 0)
    if normal_head is None:
        return Choice(priority_head, streak + 1)
    starving = now - normal_head.queued_at >= policy.max_normal_wait
    if starving or streak >= policy.priority_every:
        return Choice(normal_head, 0)
    return Choice(priority_head, streak + 1)


def heads(candidates: Iterable[Candidate]) -> tuple[Candidate | None, Candidate | None]:
    """The oldest priority and the oldest normal candidate."""
    best_priority: Candidate | None = None
    best_normal: Candidate | None = None
    for c in candidates:
        if c.priority is not None:
            if best_priority is None or c.sort_key < best_priority.sort_key:
                best_priority = c
        elif best_normal is None or c.sort_key < best_normal.sort_key:
            best_normal = c
    return best_priority, best_normal


@dataclass(frozen=True, slots=True)
class Around:
    """The other waiting tickets of a service seen from one ticket: how many of each class
    come before it (older ``sort_key``) and how many priority tickets came after it. A
    database can count these three in one query without loading the queue."""

    older_priority: int = 0
    newer_priority: int = 0
    older_normal: int = 0

    def __add__(self, other: Around) -> Around:
        return Around(self.older_priority + other.older_priority,
                      self.newer_priority + other.newer_priority,
                      self.older_normal + other.older_normal)


def around(ticket: Candidate, waiting: Iterable[Candidate]) -> Around:
    """Classify ``waiting`` relative to ``ticket`` (the ticket itself is skipped)."""
    older_priority = newer_priority = older_normal = 0
    for other in waiting:
        if other.id == ticket.id:
            continue
        older = other.sort_key < ticket.sort_key
        if other.priority is not None:
            if older:
                older_priority += 1
            else:
                newer_priority += 1
        elif older:
            older_normal += 1
    return Around(older_priority, newer_priority, older_normal)


def ahead_of(priority: str | None, seen: Around) -> int:
    """People a visitor can expect before them: for a priority ticket the older priority
    tickets; for a normal ticket every priority ticket plus the older normal ones (an upper
    bound, which is what a visitor should be told)."""
    if priority is not None:
        return seen.older_priority
    return seen.older_priority + seen.newer_priority + seen.older_normal

