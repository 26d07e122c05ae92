"""Break coverage and the first-come-first-served break queue.

The rule: a counter may go on break only if every service it serves keeps at least
``min_staffed`` *covering* counters, where a covering counter is staffed, open, not on break and
not priority-only. Priority-only counters call only priority tickets, so they never count toward
coverage of a normal service, and their own breaks never reduce it.

A counter whose services are ``{"*"}`` serves every service: the set of all services is the
union of the explicit services of the counters (or ``all_services`` when given).

Pure: the time is passed in; every function returns a new state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

ALL_SERVICES = "*"
MIN_BREAK_MINUTES = 5
MAX_BREAK_MINUTES = 120

Outcome = Literal["granted", "queued", "refused"]


@dataclass(frozen=True)
class CounterState:
    code: str
    services: frozenset[str]
    staffed: bool = True
    open: bool = True
    on_break: bool = False
    priority_only: bool = False

    @property
    def covering(self) -> bool:
        """Counts toward coverage of normal services right now."""
        return self.staffed and self.open and not self.on_break and not self.priority_only


@dataclass(frozen=True)
class BreakDecision:
    """Whether a break may start now. ``permanent`` means no staffing change could ever allow
    it (the counter alone, or with too few others, covers a service); ``blocked_services`` are
    the services that would drop below the minimum."""

    granted: bool
    reason_id: str
    reason_en: str
    blocked_services: tuple[str, ...] = ()
    permanent: bool = False

    def reason(self, lang: Literal["id", "en"] = "id") -> str:
        return self.reason_id if lang == "id" else self.reason_en


def service_universe(
    counters: Iterable[CounterState], all_services: Iterable[str] | None = None
) -> frozenset[str]:
    """Every service code: ``all_services`` if given, else those named by some counter."""
    if all_services is not None:
        return frozenset(all_services) - {ALL_SERVICES}
    return frozenset(s for c in counters for s in c.services if s != ALL_SERVICES)


def served_by(counter: CounterState, universe: frozenset[str]) -> frozenset[str]:
    """The normal services a counter covers (none for a priority-only counter)."""
    if counter.priority_only:
        return frozenset()
    if ALL_SERVICES in counter.services:
        return universe
    return counter.services


def _granted() -> BreakDecision:
    return BreakDecision(True, "Istirahat disetujui", "Break granted")


def _refused(reason_id: str, reason_en: str) -> BreakDecision:
    return BreakDecision(False, reason_id, reason_en)


def can_take_break(
    counters: Iterable[CounterState],
    counter_code: str,
    min_staffed: int,
    all_services: Iterable[str] | None = None,
) -> BreakDecision:
    """May ``counter_code`` go on break now without leaving a service under ``min_staffed``?"""
    if min_staffed < 0:
        raise ValueError("min_staffed must not be negative")
    everyone = tuple(counters)
    me = next((c for c in everyone if c.code == counter_code), None)
    if me is None:
        return _refused(f"Loket {counter_code} tidak dikenal", f"Unknown counter {counter_code}")
    if me.on_break:
        return _refused(f"Loket {me.code} sedang istirahat",
                        f"Counter {me.code} is already on break")
    if not (me.staffed and me.open):
        return _refused(f"Loket {me.code} tidak sedang buka dan dijaga petugas",
                        f"Counter {me.code} is not open and staffed")
    universe = service_universe(everyone, all_services)
    mine = sorted(served_by(me, universe))
    # Counters that could ever cover a service, whatever their state now.
    possible = {s: 0 for s in mine}
    covering = {s: 0 for s in mine}
    for other in everyone:
        if other.code == me.code:
            continue
        for s in served_by(other, universe) & possible.keys():
            possible[s] += 1
            covering[s] += other.covering
    never = tuple(s for s in mine if possible[s] < min_staffed)
    if never:
        return BreakDecision(
            False, _never_id(me.code, never, possible, min_staffed),
            _never_en(me.code, never, possible, min_staffed), never, permanent=True)
    blocked = tuple(s for s in mine if covering[s] < min_staffed)
    if blocked:
        names = ", ".join(blocked)
        return BreakDecision(
            False,
            f"Loket {me.code} belum bisa istirahat: layanan {names} akan dilayani kurang dari "
            f"{min_staffed} loket yang buka",
            f"Counter {me.code} cannot take a break yet: service {names} would have fewer than "
            f"{min_staffed} open counters",
            blocked,
        )
    return _granted()


def _never_id(code: str, never: tuple[str, ...], others: dict[str, int], m: int) -> str:
    parts = [f"Layanan {s} hanya dilayani loket ini" if others[s] == 0 else
             f"Layanan {s} hanya dilayani {others[s] + 1} loket, minimal {m} harus tetap buka"
             for s in never]
    return f"Loket {code} tidak bisa istirahat: " + "; ".join(parts)


def _never_en(code: str, never: tuple[str, ...], others: dict[str, int], m: int) -> str:
    parts = [f"service {s} is served only by this counter" if others[s] == 0 else
             f"service {s} is served by only {others[s] + 1} counters and {m} must stay open"
             for s in never]
    return f"Counter {code} can never take a break: " + "; ".join(parts)


# --- the break book -------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveBreak:
    counter: str
    started: dt.datetime
    until: dt.datetime


@dataclass(frozen=True)
class BreakRequest:
    counter: str
    minutes: int
    requested_at: dt.datetime


@dataclass(frozen=True)
class BreakBook:
    """Counters, breaks under way and breaks waiting (oldest first), for one site."""

    counters: tuple[CounterState, ...]
    min_staffed: int
    active: tuple[ActiveBreak, ...] = ()
    waiting: tuple[BreakRequest, ...] = ()
    all_services: frozenset[str] | None = None

    def __post_init__(self) -> None:
        codes = [c.code for c in self.counters]
        if len(set(codes)) != len(codes):
            raise ValueError("counter codes must be unique")
        if self.min_staffed < 0:
            raise ValueError("min_staffed must not be negative")
        for b in self.active:
            if not self.counter(b.counter).on_break:
                raise ValueError(f"counter {b.counter} has an active break but is not on break")

    def counter(self, code: str) -> CounterState:
        for c in self.counters:
            if c.code == code:
                return c
        raise KeyError(code)

    def has(self, code: str) -> bool:
        return any(c.code == code for c in self.counters)

    def _with(self, counter: CounterState) -> BreakBook:
        counters = tuple(counter if c.code == counter.code else c for c in self.counters)
        return replace(self, counters=counters)


class BreakResult(NamedTuple):
    state: BreakBook
    outcome: Outcome
    decision: BreakDecision
    until: dt.datetime | None


Granted = list[tuple[str, dt.datetime]]


def _decide(state: BreakBook, code: str) -> BreakDecision:
    return can_take_break(state.counters, code, state.min_staffed, state.all_services)


def _start(state: BreakBook, request: BreakRequest, now: dt.datetime) -> BreakBook:
    until = now + dt.timedelta(minutes=request.minutes)
    state = state._with(replace(state.counter(request.counter), on_break=True))
    return replace(
        state,
        active=(*state.active, ActiveBreak(request.counter, now, until)),
        waiting=tuple(w for w in state.waiting if w.counter != request.counter),
    )


def _grant_waiting(state: BreakBook, now: dt.datetime) -> tuple[BreakBook, Granted]:
    """Grant waiting requests oldest first. A later request overtakes an earlier one only when
    the earlier cannot be granted at this moment (first come, first served with skipping)."""
    granted: Granted = []
    for request in state.waiting:
        if _decide(state, request.counter).granted:
            state = _start(state, request, now)
            granted.append((request.counter, state.active[-1].until))
    return state, granted


def grant_waiting(state: BreakBook, now: dt.datetime) -> tuple[BreakBook, Granted]:
    """Grant the waiting requests that coverage allows now, oldest first (used after a change
    the book did not see, such as an officer signing in elsewhere)."""
    return _grant_waiting(state, now)


def request_break(state: BreakBook, counter: str, minutes: int, now: dt.datetime) -> BreakResult:
    """Ask for a break of ``minutes``: granted now, queued until coverage allows, or refused.

    Refused when the counter is unknown, not open and staffed, already on break or waiting,
    the length is outside 5..120 minutes, or the counter could never break (sole coverage).
    """
    if not state.has(counter):
        return BreakResult(state, "refused", _decide(state, counter), None)
    if not MIN_BREAK_MINUTES <= minutes <= MAX_BREAK_MINUTES:
        decision = _refused(
            f"Lama istirahat harus {MIN_BREAK_MINUTES} sampai {MAX_BREAK_MINUTES} menit",
            f"A break must last {MIN_BREAK_MINUTES} to {MAX_BREAK_MINUTES} minutes")
        return BreakResult(state, "refused", decision, None)
    if any(w.counter == counter for w in state.waiting):
        decision = _refused(f"Loket {counter} sudah menunggu giliran istirahat",
                            f"Counter {counter} is already waiting for a break")
        return BreakResult(state, "refused", decision, None)
    decision = _decide(state, counter)
    if decision.granted:
        # Earlier requests still waiting cannot be granted now (the queue is processed after
        # every change), so granting this one at once is first come, first served with skipping.
        state = _start(state, BreakRequest(counter, minutes, now), now)
        return BreakResult(state, "granted", decision, state.active[-1].until)
    if decision.permanent or not decision.blocked_services:
        return BreakResult(state, "refused", decision, None)
    position = len(state.waiting) + 1
    queued = BreakDecision(
        False,
        f"{decision.reason_id}. Permintaan istirahat masuk antrean nomor {position}",
        f"{decision.reason_en}. The request is number {position} in the break queue",
        decision.blocked_services,
    )
    state = replace(state, waiting=(*state.waiting, BreakRequest(counter, minutes, now)))
    return BreakResult(state, "queued", queued, None)


def end_break(state: BreakBook, counter: str, now: dt.datetime) -> tuple[BreakBook, Granted]:
    """End a counter's break; waiting requests that coverage now allows start at ``now``."""
    if not any(b.counter == counter for b in state.active):
        raise ValueError(f"counter {counter} is not on break")
    state = replace(state, active=tuple(b for b in state.active if b.counter != counter))
    state = state._with(replace(state.counter(counter), on_break=False))
    return _grant_waiting(state, now)


def cancel_request(state: BreakBook, counter: str) -> BreakBook:
    """Withdraw a waiting request (nothing happens when there is none)."""
    return replace(state, waiting=tuple(w for w in state.waiting if w.counter != counter))


def overdue(state: BreakBook, now: dt.datetime) -> list[str]:
    """Counters whose break should have ended before ``now``, longest overdue first."""
    late = sorted((b for b in state.active if b.until < now), key=lambda b: (b.until, b.counter))
    return [b.counter for b in late]
