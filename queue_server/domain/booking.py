"""Online booking rules: which times can be booked, how many seats, the check-in window and
the booking code. Pure: the schedule and the time are passed in.

A day's slots run from opening time in steps of ``slot_minutes`` and end by the issuing
cut-off, so a booked visitor is never told to come when the kiosk no longer issues. Closures
and holidays come from the same :class:`~queue_server.domain.schedule.Schedule` the kiosk
uses, which is how a closure added later by an administrator removes slots too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from queue_server.domain.schedule import Schedule, hours_on

#: Booking codes: upper-case letters and digits without look-alikes (0/O/D/Q, 1/I/L,
#: 2/Z, 5/S, 8/B, 6/G, U/V), so a code read aloud or typed from a slip comes out right.
CODE_ALPHABET = "ACEFHJKMNPRTWXY34679"
CODE_LENGTH = 6

Verdict = Literal["ok", "too_early", "too_late"]


@dataclass(frozen=True)
class BookingPolicy:
    """``[booking]`` in the site file (docs/site-file.md)."""

    enabled: bool = False
    slot_minutes: int = 30
    seats_per_slot: int = 2
    days_ahead: int = 14
    #: the share of a service's daily quota that may be booked online (services without a
    #: quota are limited by their slots only)
    online_share_percent: int = 50
    checkin_before_minutes: int = 30
    checkin_after_minutes: int = 15
    max_per_phone_per_day: int = 3

    def __post_init__(self) -> None:
        if self.slot_minutes < 5 or self.seats_per_slot < 1 or self.days_ahead < 0:
            raise ValueError("slot_minutes ≥ 5, seats_per_slot ≥ 1, days_ahead ≥ 0")
        if not 0 <= self.online_share_percent <= 100:
            raise ValueError("online_share_percent is 0..100")


@dataclass(frozen=True)
class Slot:
    start: dt.time
    end: dt.time
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"


def slots_on(schedule: Schedule, policy: BookingPolicy, day: dt.date) -> list[Slot]:
    """Every slot of ``day`` (none on a closed day or a holiday), before any is taken."""
    hours = hours_on(schedule, day)
    if hours is None or not policy.enabled:
        return []
    opens = dt.datetime.combine(day, hours.open, tzinfo=schedule.tz)
    until = (dt.datetime.combine(day, hours.close, tzinfo=schedule.tz)
             - dt.timedelta(minutes=schedule.cutoff_minutes_before_close))
    step = dt.timedelta(minutes=policy.slot_minutes)
    slots = []
    start = opens
    while start + step <= until:
        end = start + step
        slots.append(Slot(start.time(), end.time(), start, end))
        start = end
    return slots


def bookable_days(policy: BookingPolicy, today: dt.date) -> list[dt.date]:
    """Today and the ``days_ahead`` days after it."""
    return [today + dt.timedelta(days=n) for n in range(policy.days_ahead + 1)]


def find_slot(schedule: Schedule, policy: BookingPolicy, day: dt.date,
              start: str) -> Slot | None:
    return next((s for s in slots_on(schedule, policy, day) if s.label == start), None)


def may_book(slot: Slot, policy: BookingPolicy, today: dt.date, now: dt.datetime) -> bool:
    """A slot can be booked until it starts, and no further ahead than ``days_ahead``."""
    day = slot.starts_at.date()
    return today <= day <= today + dt.timedelta(days=policy.days_ahead) and now < slot.starts_at


def next_bookable_day(schedule: Schedule, policy: BookingPolicy, after: dt.date,
                      today: dt.date) -> dt.date | None:
    """The first day after ``after`` that has slots, within the booking horizon."""
    last = today + dt.timedelta(days=policy.days_ahead)
    day = max(after, today - dt.timedelta(days=1)) + dt.timedelta(days=1)
    while day <= last:
        if slots_on(schedule, policy, day):
            return day
        day += dt.timedelta(days=1)
    return None


def daily_online_cap(policy: BookingPolicy, daily_quota: int | None) -> int | None:
    """How many bookings a service takes per day in all: its online share of the quota."""
    if daily_quota is None:
        return None
    return daily_quota * policy.online_share_percent // 100


def checkin_window(starts_at: dt.datetime, policy: BookingPolicy
                   ) -> tuple[dt.datetime, dt.datetime]:
    return (starts_at - dt.timedelta(minutes=policy.checkin_before_minutes),
            starts_at + dt.timedelta(minutes=policy.checkin_after_minutes))


def checkin_verdict(now: dt.datetime, starts_at: dt.datetime, policy: BookingPolicy) -> Verdict:
    opens, closes = checkin_window(starts_at, policy)
    if now < opens:
        return "too_early"
    if now > closes:
        return "too_late"
    return "ok"


def expired(now: dt.datetime, starts_at: dt.datetime, policy: BookingPolicy) -> bool:
    """Not checked in by the end of the window: a no-show."""
    return now > checkin_window(starts_at, policy)[1]


def slot_closed(schedule: Schedule, policy: BookingPolicy, day: dt.date, start: str) -> bool:
    """Whether a booked slot no longer exists (a closure or changed hours took it)."""
    return find_slot(schedule, policy, day, start) is None


def normalise_code(text: str) -> str:
    """What a visitor typed or a scanner sent → the code as stored (upper case, no spaces or
    dashes)."""
    return "".join(ch for ch in text.strip().upper() if ch not in " -")


def is_code(text: str) -> bool:
    return len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text)
