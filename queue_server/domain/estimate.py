"""Estimated waiting time from recent service times and open counters."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def typical_service_s(recent_s: Sequence[float], default_s: float) -> float:
    """Median of the recent service times (robust against one forgotten "Selesai" click);
    the service's configured time until there are at least three of them."""
    if len(recent_s) < 3:
        return default_s
    return float(statistics.median(recent_s))


def estimate_wait_s(ahead: int, service_s: float, open_counters: int) -> int:
    """People ahead share the open counters; with no counter open we still answer as if one
    were, because a visitor needs a number, not a shrug."""
    if ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return int(math.ceil(ahead / counters) * service_s)
