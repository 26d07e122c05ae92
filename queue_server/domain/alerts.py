"""What a supervisor must act on now: the rules behind the live dashboard's alerts.

Pure: the service reads queues, counters, breaks, print jobs and screens, and these functions
decide each row's state and which alerts it raises. Values are ``StrEnum`` members, so they
travel as the plain strings the dashboard and the API already use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: A screen that has not said anything for this long counts as offline.
SCREEN_STALE = timedelta(minutes=2)


class CounterStatus(StrEnum):
    CLOSED = "closed"
    IDLE = "idle"
    SERVING = "serving"
    ON_BREAK = "on_break"
    OVERDUE_BREAK = "overdue_break"


class AlertKind(StrEnum):
    OVERDUE_BREAK = "overdue_break"
    WAIT_OVER_TARGET = "wait_over_target"
    UNSTAFFED_WAITING = "unstaffed_waiting"
    PRINTER_FAILED = "printer_failed"
    SCREEN_OFFLINE = "screen_offline"


class PrinterState(StrEnum):
    UNKNOWN = "unknown"  # no job in the window: nothing to say yet
    OK = "ok"
    FAILED = "failed"


def counter_status(state: str, holds_ticket: bool, break_until: datetime | None,
                   now: datetime) -> CounterStatus:
    """A counter's state as the supervisor reads it; ``state`` is the stored one
    (``open``, ``break`` or ``closed``)."""
    if state == "open":
        return CounterStatus.SERVING if holds_ticket else CounterStatus.IDLE
    if state == "break":
        if break_until is not None and break_until < now:
            return CounterStatus.OVERDUE_BREAK
        return CounterStatus.ON_BREAK
    return CounterStatus.CLOSED


def overdue_minutes(break_until: datetime, now: datetime) -> int:
    return int((now - break_until).total_seconds() // 60)


def over_target(longest_wait_s: float | None, target_wait_s: int) -> bool:
    """The longest wait of a queue has passed the service's target."""
    return longest_wait_s is not None and longest_wait_s > target_wait_s


def unstaffed_with_visitors(service: str, staffed: set[str], waiting: int) -> bool:
    """Visitors wait for a service that no open counter serves."""
    return waiting > 0 and service not in staffed


@dataclass(frozen=True)
class PrinterHealth:
    state: PrinterState
    failed: int
    queued: int
    last_error: str | None


def printer_health(jobs: Iterable[tuple[str, str | None]]) -> PrinterHealth:
    """From a printer's recent jobs, oldest first, as ``(state, error)``: the last job decides
    whether it works; failures and waiting jobs are counted."""
    state, failed, queued, last_error = PrinterState.UNKNOWN, 0, 0, None
    for job_state, error in jobs:
        failed += job_state == "failed"
        queued += job_state in ("queued", "printing")
        state = PrinterState.FAILED if job_state == "failed" else PrinterState.OK
        if job_state == "failed":
            last_error = error
    return PrinterHealth(state, failed, queued, last_error)


def screen_online(state: str, last_seen_at: datetime, now: datetime) -> bool:
    """Connected, and heard from recently (a half-open connection stays "online" in the row)."""
    return state == "online" and now - last_seen_at < SCREEN_STALE
