"""Staggered ishoma plan: one break for every staffed counter inside a window, while every
service keeps at least ``min_staffed`` staffed counters at every minute.

Breaks start on a grid of ``step_minutes`` from the window start. The plan is built in
*waves*: wave j starts at ``j * B`` where ``B`` is the break length rounded up to the step, so
breaks in one wave coincide and breaks in different waves never overlap. This loses nothing:
in any valid plan, the breaks starting in ``[j*B, (j+1)*B)`` pairwise overlap (grid starts less
than ``B`` apart are less than one break apart), so moving them all to ``j*B`` never raises a
service's peak absence. The search is therefore an exact one over waves: assign each counter a
wave so that for every service at most ``k - min_staffed`` of its ``k`` counters share a wave.

Priority-only counters get a break like everyone else but do not count toward coverage
(see ``breaks``). Services with no staffed counter are left out: no plan can change them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from queue_server.domain.breaks import CounterState, served_by, service_universe

# Enough for every real site (45 counters fill in well under a thousand nodes); a search that
# runs out says so instead of claiming a proof.
_NODE_BUDGET = 50_000

InfeasibleKind = Literal[
    "window", "too_few_counters", "window_too_short", "shared_counters", "search_limit"
]


@dataclass(frozen=True)
class RotationEntry:
    counter: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class RotationPlan:
    entries: tuple[RotationEntry, ...]  # sorted by start, then counter code

    def for_counter(self, code: str) -> RotationEntry | None:
        return next((e for e in self.entries if e.counter == code), None)


@dataclass(frozen=True)
class Infeasible:
    """Why no plan exists. ``service`` is the service to look at (None when the window itself
    is too short for one break); ``services`` lists every service involved."""

    service: str | None
    reason: str
    reason_en: str
    kind: InfeasibleKind
    services: tuple[str, ...] = ()


@dataclass
class _Constraint:
    services: list[str]  # services with exactly this set of counters
    members: frozenset[int]
    cap: int  # at most this many members may share a wave
    conflicts: int = 0


def _window_minutes(start: dt.datetime, end: dt.datetime) -> int:
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("window_start and window_end must be aware datetimes")
    return int((end - start).total_seconds() // 60)


def plan_rotation(
    counters: Iterable[CounterState],
    window_start: dt.datetime,
    window_end: dt.datetime,
    break_minutes: int,
    min_staffed: int,
    step_minutes: int = 5,
    all_services: Iterable[str] | None = None,
) -> RotationPlan | Infeasible:
    """A staggered break plan for every staffed counter, or the service that prevents one."""
    if break_minutes <= 0 or step_minutes <= 0 or min_staffed < 0:
        raise ValueError("break_minutes and step_minutes must be positive, min_staffed >= 0")
    everyone = tuple(counters)
    length = _window_minutes(window_start, window_end)
    if break_minutes > length:
        return Infeasible(
            None,
            f"Jendela istirahat {length} menit lebih pendek dari istirahat {break_minutes} menit",
            f"The {length}-minute window is shorter than one {break_minutes}-minute break",
            "window",
        )
    staffed = [c for c in everyone if c.staffed]
    spacing = -(-break_minutes // step_minutes) * step_minutes
    waves = (length - break_minutes) // spacing + 1
    universe = service_universe(everyone, all_services)
    constraints, problem = _constraints(staffed, universe, min_staffed, waves, break_minutes,
                                        spacing, length)
    if problem is not None:
        return problem
    assignment = _search(len(staffed), constraints, waves)
    if isinstance(assignment, Infeasible):
        return assignment
    entries = []
    for index, counter in enumerate(staffed):
        start = window_start + dt.timedelta(minutes=assignment[index] * spacing)
        entries.append(
            RotationEntry(counter.code, start, start + dt.timedelta(minutes=break_minutes)))
    entries.sort(key=lambda e: (e.start, e.counter))
    return RotationPlan(tuple(entries))


def _constraints(
    staffed: list[CounterState], universe: frozenset[str], min_staffed: int, waves: int,
    break_minutes: int, spacing: int, length: int,
) -> tuple[list[_Constraint], Infeasible | None]:
    members: dict[str, set[int]] = {s: set() for s in universe}
    for index, counter in enumerate(staffed):
        for s in served_by(counter, universe):
            members[s].add(index)
    by_members: dict[frozenset[int], _Constraint] = {}
    short: list[tuple[str, int, int]] = []
    for s in sorted(universe):
        k = len(members[s])
        cap = k - min_staffed
        if k == 0 or cap >= k:
            continue  # nobody to plan for, or no minimum to keep
        if cap <= 0:
            return [], Infeasible(
                s,
                f"Layanan {s} hanya dilayani {k} loket yang dijaga, padahal minimal "
                f"{min_staffed} harus tetap buka: tidak ada yang bisa istirahat",
                f"Service {s} has only {k} staffed counters and {min_staffed} must stay open: "
                f"none of them can take a break",
                "too_few_counters", (s,))
        if cap * waves < k:
            short.append((s, k, cap))
        key = frozenset(members[s])
        if key in by_members:
            by_members[key].services.append(s)
        else:
            by_members[key] = _Constraint([s], key, cap)
    if short:
        s, k, cap = short[0]
        rounds = -(-k // cap)
        need = (rounds - 1) * spacing + break_minutes
        return [], Infeasible(
            s,
            f"Layanan {s}: {k} loket, paling banyak {cap} boleh istirahat bersamaan, jadi perlu "
            f"{rounds} giliran ({need} menit), jendela hanya {length} menit",
            f"Service {s}: {k} counters, at most {cap} may rest at once, so {rounds} rounds "
            f"({need} minutes) are needed but the window is {length} minutes",
            "window_too_short", tuple(x[0] for x in short))
    return list(by_members.values()), None


def _search(size: int, constraints: list[_Constraint], waves: int) -> list[int] | Infeasible:
    """Backtracking over waves with forward checking; waves are interchangeable, so a counter
    may open at most one new, empty wave."""
    touching: list[list[int]] = [[] for _ in range(size)]
    for ci, con in enumerate(constraints):
        for member in con.members:
            touching[member].append(ci)
    # Most constrained counters first: small caps and many services.
    order = sorted(range(size), key=lambda i: (-sum(1 / constraints[c].cap for c in touching[i]),
                                               i))
    neighbours = [sorted({m for c in touching[i] for m in constraints[c].members} - {i})
                  for i in range(size)]
    load = [[0] * waves for _ in constraints]
    per_wave = [0] * waves
    wave_of = [-1] * size
    nodes = 0

    def fits(counter: int, wave: int) -> bool:
        return all(load[c][wave] < constraints[c].cap for c in touching[counter])

    def blame(counter: int) -> None:
        full = [c for c in touching[counter] if constraints[c].cap <= max(load[c])]
        for c in full:
            constraints[c].conflicts += 1

    def place(depth: int) -> bool:
        nonlocal nodes
        if depth == size:
            return True
        nodes += 1
        if nodes > _NODE_BUDGET:
            return False
        counter = order[depth]
        used = sum(1 for n in per_wave if n)
        candidates = [w for w in range(waves) if per_wave[w] or w == used]
        candidates = [w for w in sorted(candidates, key=lambda w: (per_wave[w], w))
                      if fits(counter, w)]
        if not candidates:
            blame(counter)
        for wave in candidates:
            wave_of[counter] = wave
            per_wave[wave] += 1
            for c in touching[counter]:
                load[c][wave] += 1
            wiped = next((n for n in neighbours[counter] if wave_of[n] < 0
                          and not any(fits(n, w) for w in range(waves))), None)
            if wiped is None and place(depth + 1):
                return True
            if wiped is not None:
                blame(wiped)
            for c in touching[counter]:
                load[c][wave] -= 1
            per_wave[wave] -= 1
            wave_of[counter] = -1
        return False

    if place(0):
        return wave_of
    worst = max(constraints, key=lambda c: (c.conflicts, -min(c.members)), default=None)
    involved = tuple(sorted(s for c in constraints if c.conflicts for s in c.services))
    service = worst.services[0] if worst else None
    if nodes > _NODE_BUDGET:
        return Infeasible(
            service,
            f"Tidak ditemukan jadwal istirahat dalam batas pencarian; periksa layanan {service}",
            f"No break plan found within the search limit; check service {service}",
            "search_limit", involved)
    return Infeasible(
        service,
        f"Layanan {service} berbagi loket dengan layanan lain sehingga istirahat tidak bisa "
        f"digilir dalam jendela ini",
        f"Service {service} shares counters with other services, so breaks cannot be rotated "
        f"inside this window",
        "shared_counters", involved)
