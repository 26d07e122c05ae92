"""Estimated waiting time from recent service times and open counters."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

#: How many observed services the configured time is worth. Three quick "Selesai" clicks in
#: a test or a morning of trivial requests must not outvote what the office measured.
PRIOR_WEIGHT = 8
#: No service takes less than this, whatever the clicks say: nobody is served in seconds.
MIN_SERVICE_S = 60.0
#: Nor less than this share of the configured time.
MIN_SHARE_OF_CONFIGURED = 0.4


def typical_service_s(recent_s: Sequence[float], default_s: float) -> float:
    """The expected length of one service: the configured time blended with the median of
    the recent ones, each side weighted by how much evidence it stands for (the configured
    time counts as ``PRIOR_WEIGHT`` samples), and never below a sane floor.

    The median keeps one forgotten "Selesai" click from dragging the figure up; the weighting
    keeps a handful of very short services from dragging it down."""
    floor = max(MIN_SERVICE_S, default_s * MIN_SHARE_OF_CONFIGURED) if default_s > 0 \
        else MIN_SERVICE_S
    samples = [s for s in recent_s if s >= 0 and math.isfinite(s)]
    if not samples:
        return max(float(default_s), floor)
    n = len(samples)
    observed = float(statistics.median(samples))
    blended = (n * observed + PRIOR_WEIGHT * default_s) / (n + PRIOR_WEIGHT)
    return max(blended, floor)


def estimate_wait_s(ahead: int, service_s: float, open_counters: int) -> int:
    """People ahead share the open counters; with no counter open we still answer as if one
    were, because a visitor needs a number, not a shrug. Anyone with people ahead waits at
    least one ``MIN_SERVICE_S``: "less than a minute" is only true for the next in line."""
    if ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return int(max(math.ceil(ahead / counters) * service_s, MIN_SERVICE_S))
