"""Supervisor statistics over finished and open tickets: pure functions, no clock, no I/O.

Conventions shared by every function here:

* Waiting time is ``issued_at → called_at`` for every ticket that was called (whatever happened
  next). A transferred ticket keeps its original issue time, so its wait includes the first leg.
* Service time is ``started_at → finished_at`` (or ``called_at → finished_at`` when the counter
  never pressed *Mulai*), counted only for tickets that ended ``done``: a no-show's
  ``finished_at`` is when the counter gave up, not a service.
* A negative interval (clock skew between hosts) is dropped rather than clamped to zero.
* Medians are the usual midpoint; p90 uses the **nearest-rank** method (the smallest observed
  value with at least 90% of observations at or below it), so it is always a real wait that a
  visitor experienced and ``median ≤ p90 ≤ max`` holds.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

GroupBy = Literal["agency", "service", "counter", "officer", "all"]
OPEN_STATUSES = frozenset({"waiting", "called", "serving"})


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: str
    agency: str
    service: str
    counter: str | None
    officer: str | None
    priority: str | None
    status: str
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    transferred: bool
    target_wait_s: int | None


@dataclass(frozen=True, slots=True)
class Distribution:
    """Seconds; every statistic is ``None`` when ``count`` is 0."""

    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None


@dataclass(frozen=True, slots=True)
class GroupStats:
    """One row of :func:`summarize`.

    ``issued == served + no_show + expired + cancelled + transferred_out + open`` always holds
    (the final status of each record). ``transferred`` is separate: records flagged
    ``transferred`` or ending in status ``transferred``, i.e. visitors who changed service.
    """

    key: str | None
    issued: int
    served: int
    no_show: int
    expired: int
    cancelled: int
    transferred_out: int
    open: int
    transferred: int
    waiting: Distribution
    service: Distribution
    within_target_share: float | None


def nearest_rank(sorted_values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-quantile (0 < q ≤ 1) of a non-empty ascending sequence."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def distribution(values: Iterable[float]) -> Distribution:
    data = sorted(values)
    if not data:
        return Distribution(0, None, None, None, None)
    return Distribution(
        count=len(data),
        mean_s=math.fsum(data) / len(data),
        median_s=float(statistics.median(data)),
        p90_s=nearest_rank(data, 0.9),
        max_s=data[-1],
    )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    return seconds if seconds >= 0 else None


def wait_s(record: TicketRecord) -> float | None:
    """Issued → called, or ``None`` for a ticket never called (or with a skewed clock)."""
    return _seconds(record.issued_at, record.called_at)


def service_s(record: TicketRecord) -> float | None:
    """Started (or called) → finished for a ``done`` ticket, else ``None``."""
    if record.status != "done":
        return None
    return _seconds(record.started_at or record.called_at, record.finished_at)


_GROUPS = ("agency", "service", "counter", "officer", "all")


def _sort_key(key: str | None) -> tuple[bool, str]:
    return (key is None, key or "")


def summarize(records: Iterable[TicketRecord], group_by: GroupBy) -> list[GroupStats]:
    """Counts, waiting and service time and target attainment per group, sorted by key.

    Tickets without a counter or officer form the group with key ``None`` (listed last).
    ``within_target_share`` is the share of *called* tickets that have a ``target_wait_s``
    whose wait was at most that target; ``None`` when no called ticket has a target.
    """
    if group_by not in _GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(_GROUPS)}, not {group_by!r}")
    groups: dict[str | None, list[TicketRecord]] = defaultdict(list)
    for record in records:
        groups["all" if group_by == "all" else getattr(record, group_by)].append(record)
    return [_group_stats(key, groups[key]) for key in sorted(groups, key=_sort_key)]


def _group_stats(key: str | None, records: list[TicketRecord]) -> GroupStats:
    status_counts: dict[str, int] = defaultdict(int)
    waits: list[float] = []
    services: list[float] = []
    transferred = with_target = on_target = 0
    for r in records:
        status_counts[r.status] += 1
        if r.transferred or r.status == "transferred":
            transferred += 1
        wait = wait_s(r)
        if wait is not None:
            waits.append(wait)
            if r.target_wait_s is not None:
                with_target += 1
                on_target += wait <= r.target_wait_s
        service = service_s(r)
        if service is not None:
            services.append(service)
    known = ("done", "no_show", "expired", "cancelled", "transferred")
    return GroupStats(
        key=key,
        issued=len(records),
        served=status_counts["done"],
        no_show=status_counts["no_show"],
        expired=status_counts["expired"],
        cancelled=status_counts["cancelled"],
        transferred_out=status_counts["transferred"],
        # Anything not final (including an unknown status) is still open.
        open=len(records) - sum(status_counts[s] for s in known),
        transferred=transferred,
        waiting=distribution(waits),
        service=distribution(services),
        within_target_share=on_target / with_target if with_target else None,
    )


@dataclass(frozen=True, slots=True)
class ArrivalHeatmap:
    """Tickets issued per local (weekday, hour); Monday is weekday 0.

    ``days[w]`` is how many distinct local dates with at least one arrival fell on weekday
    ``w``, so :meth:`mean` gives arrivals per hour on a typical such day.
    """

    grid: tuple[tuple[int, ...], ...]
    days: tuple[int, ...]
    total: int

    def count(self, weekday: int, hour: int) -> int:
        return self.grid[weekday][hour]

    def mean(self, weekday: int, hour: int) -> float:
        days = self.days[weekday]
        return self.grid[weekday][hour] / days if days else 0.0

    def as_dict(self) -> dict[tuple[int, int], int]:
        return {(w, h): self.grid[w][h] for w in range(7) for h in range(24)}


def arrival_heatmap(records: Iterable[TicketRecord], tz: str) -> ArrivalHeatmap:
    """Arrivals (``issued_at``) converted to the site's zone, e.g. ``"Asia/Jakarta"``."""
    zone = ZoneInfo(tz)
    grid = [[0] * 24 for _ in range(7)]
    dates: set[date] = set()
    total = 0
    for record in records:
        if record.issued_at.tzinfo is None:
            raise ValueError(f"ticket {record.id}: issued_at must be timezone-aware")
        local = record.issued_at.astimezone(zone)
        grid[local.weekday()][local.hour] += 1
        dates.add(local.date())
        total += 1
    days = [0] * 7
    for day in dates:
        days[day.weekday()] += 1
    return ArrivalHeatmap(tuple(tuple(row) for row in grid), tuple(days), total)


@dataclass(frozen=True, slots=True)
class CounterUtilisation:
    agency: str
    counter: str
    visitors: int
    per_hour: float
    low: bool


@dataclass(frozen=True, slots=True)
class AgencyUtilisation:
    """Visitors per counter-hour for one agency, and whether it looks under-used.

    ``flag`` is ``"no_counters"`` (no staffing given: rate unknown), ``"no_visitors"``,
    ``"few_visitors"`` (rate below ``threshold``) or ``None``.
    """

    agency: str
    counters: int
    visitors: int
    served: int
    per_counter_hour: float | None
    site_median: float | None
    threshold: float | None
    flag: str | None
    counter_rows: tuple[CounterUtilisation, ...]


def utilisation(
    records: Iterable[TicketRecord],
    staffing: Mapping[str, int],
    open_hours: float,
    *,
    low_ratio: float = 0.5,
) -> list[AgencyUtilisation]:
    """Visitors per counter-hour per agency, with the under-used ones flagged.

    * visitors = distinct ticket ids that reached the agency (a transfer inside the agency
      counts once; a transfer to another agency counts at both, since both served someone);
    * rate = visitors / (staffed counters × ``open_hours``), where ``open_hours`` is the total
      opening time of the period the records cover (e.g. 4 × 6 h + 3 h for one week);
    * an agency is flagged ``few_visitors`` when its rate is below ``low_ratio`` × the median
      rate of all staffed agencies. Counters are judged the same way: visitors handled at the
      counter per open hour against the median over all counters at the site.

    Agencies in ``staffing`` without any record appear with zero visitors. The rate ignores
    how long each service takes, so a flag is a question to ask, not a verdict.
    """
    if open_hours <= 0:
        raise ValueError("open_hours must be positive")
    visitors: dict[str, set[str]] = defaultdict(set)
    served: dict[str, int] = defaultdict(int)
    at_counter: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in records:
        visitors[r.agency].add(r.id)
        served[r.agency] += r.status == "done"
        if r.counter is not None and r.called_at is not None:
            at_counter[(r.agency, r.counter)].add(r.id)

    rated = agency_rates({a: len(ids) for a, ids in visitors.items()}, staffing, open_hours,
                         low_ratio=low_ratio)

    counter_rates = {k: len(ids) / open_hours for k, ids in at_counter.items()}
    counter_median = statistics.median(counter_rates.values()) if counter_rates else 0.0
    counter_rows: dict[str, list[CounterUtilisation]] = defaultdict(list)
    for (agency, counter), rate in sorted(counter_rates.items()):
        count = len(at_counter[(agency, counter)])
        low = rate < counter_median * low_ratio
        counter_rows[agency].append(CounterUtilisation(agency, counter, count, rate, low))

    result = []
    for agency in sorted(rated):
        known = rated[agency]
        result.append(AgencyUtilisation(
            agency, staffing.get(agency, 0), known.visitors, served.get(agency, 0), known.rate,
            known.site_median, known.threshold, known.flag,
            tuple(counter_rows.get(agency, ())),
        ))
    return result


@dataclass(frozen=True, slots=True)
class AgencyRate:
    visitors: int
    rate: float | None
    site_median: float | None
    threshold: float | None
    flag: str | None


def agency_rates(visitors: Mapping[str, int], staffing: Mapping[str, int], open_hours: float,
                 *, low_ratio: float = 0.5) -> dict[str, AgencyRate]:
    """The agency half of :func:`utilisation` from visitor counts alone (what a SQL
    ``COUNT`` gives): the rate per counter-hour and the flag, by the same rule."""
    if open_hours <= 0:
        raise ValueError("open_hours must be positive")
    rates: dict[str, float | None] = {}
    for agency in set(visitors) | set(staffing):
        counters = staffing.get(agency, 0)
        rates[agency] = visitors.get(agency, 0) / (counters * open_hours) if counters else None
    known = [rate for rate in rates.values() if rate is not None]
    site_median = float(statistics.median(known)) if known else None
    threshold = site_median * low_ratio if site_median is not None else None
    result = {}
    for agency, rate in rates.items():
        count = visitors.get(agency, 0)
        flag: str | None = None
        if rate is None:
            flag = "no_counters"
        elif count == 0:
            flag = "no_visitors"
        elif threshold is not None and rate < threshold:
            flag = "few_visitors"
        result[agency] = AgencyRate(count, rate, site_median, threshold, flag)
    return result


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    volume: float = 0.3
    speed: float = 0.2
    skm: float = 0.4
    attendance: float = 0.1


@dataclass(frozen=True, slots=True)
class OfficerScore:
    """One officer's score with every component in 0..1 (``None`` = no data, weight dropped)."""

    rank: int
    officer: str
    served: int
    no_show: int
    speed_ratio: float | None
    ikm: float | None
    volume: float
    speed: float | None
    skm: float | None
    attendance: float | None
    score: float
    eligible: bool


def best_officers(
    records: Iterable[TicketRecord],
    skm_by_officer: Mapping[str, float | None],
    weights: ScoreWeights = ScoreWeights(),  # frozen, so sharing is safe
    *,
    min_served: int = 10,
) -> list[OfficerScore]:
    """Rank officers by a transparent weighted score; components (each 0..1):

    * ``volume`` = served / the most served by any officer in the records;
    * ``speed`` from ``speed_ratio``, the median over the officer's done tickets of
      (service time / median service time of that service at the site): ``1.5 - ratio``
      clamped to 0..1, so the site median scores 0.5, half of it or faster 1, 1.5× or slower 0;
    * ``skm`` = (IKM − 25) / 75 from ``skm_by_officer`` (converted IKM, 25..100);
    * ``attendance`` = 1 − no-shows / (served + no-shows): calling without waiting or
      recalling shows up here.

    ``score`` = Σ weight × component / Σ weight over the components that have data, so a
    missing SKM neither helps nor hurts. Officers with fewer than ``min_served`` served
    tickets are listed after the others (``eligible`` False). Ties go to the higher score,
    then more served, then the lower speed ratio, then the officer id.
    """
    records = list(records)
    by_service: dict[str, list[float]] = defaultdict(list)
    for r in records:
        seconds = service_s(r)
        if seconds is not None:
            by_service[r.service].append(seconds)
    service_median = {s: float(statistics.median(v)) for s, v in by_service.items()}

    served: dict[str, int] = defaultdict(int)
    no_show: dict[str, int] = defaultdict(int)
    ratios: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r.officer is None:
            continue
        served[r.officer] += r.status == "done"
        no_show[r.officer] += r.status == "no_show"
        seconds = service_s(r)
        typical = service_median.get(r.service, 0.0)
        if seconds is not None and typical > 0:
            ratios[r.officer].append(seconds / typical)

    top = max(served.values(), default=0)
    rows = []
    for officer in served:
        ratio = float(statistics.median(ratios[officer])) if ratios[officer] else None
        ikm = skm_by_officer.get(officer)
        handled = served[officer] + no_show[officer]
        volume = served[officer] / top if top else 0.0
        speed = _clamp(1.5 - ratio) if ratio is not None else None
        skm = _clamp((ikm - 25) / 75) if ikm is not None else None
        attendance = 1 - no_show[officer] / handled if handled else None
        parts = [(weights.volume, volume), (weights.speed, speed), (weights.skm, skm),
                 (weights.attendance, attendance)]
        known = [(w, v) for w, v in parts if v is not None]
        total_weight = math.fsum(w for w, _ in known)
        score = math.fsum(w * v for w, v in known) / total_weight if total_weight else 0.0
        rows.append(OfficerScore(
            0, officer, served[officer], no_show[officer], ratio, ikm, volume, speed, skm,
            attendance, score, eligible=served[officer] >= min_served,
        ))
    rows.sort(key=lambda row: (
        not row.eligible, -row.score, -row.served,
        row.speed_ratio if row.speed_ratio is not None else math.inf, row.officer,
    ))
    return [replace(row, rank=i) for i, row in enumerate(rows, 1)]


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
