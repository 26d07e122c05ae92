"""Booking rules: slots from the opening hours, the check-in window, codes, the online share,
and where a checked-in booking stands in the calling order."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import booking as rules
from queue_server.domain.lineup import calling_order
from queue_server.domain.ordering import Candidate, OrderingPolicy
from queue_server.domain.schedule import schedule_from_config

TZ = "Asia/Jakarta"
HOURS = {"monday": "08:00-14:00", "friday": "08:00-11:00", "cutoff_minutes_before_close": 30,
         "overrides": [{"from": "2025-12-01", "to": "2025-12-01", "closed": True,
                        "reason": "Rapat"},
                       {"from": "2025-12-08", "to": "2025-12-08", "hours": "08:00-10:00"}]}
SCHEDULE = schedule_from_config(HOURS, TZ)
POLICY = rules.BookingPolicy(enabled=True, slot_minutes=30, seats_per_slot=2, days_ahead=7)
MONDAY = dt.date(2025, 11, 24)
WIB = dt.timezone(dt.timedelta(hours=7))


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


def test_slots_run_from_opening_time_to_the_issuing_cut_off() -> None:
    slots = rules.slots_on(SCHEDULE, POLICY, MONDAY)
    assert [s.label for s in slots][:3] == ["08:00", "08:30", "09:00"]
    assert slots[-1].label == "13:00" and slots[-1].end == dt.time(13, 30)  # cut-off 13:30
    friday = rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 11, 28))
    assert friday[-1].label == "10:00"


def test_closed_days_holidays_and_a_disabled_policy_have_no_slots() -> None:
    assert rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 11, 25)) == []  # no Tuesday hours
    assert rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 12, 1)) == []  # closed override
    assert rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 12, 29)) != []
    assert rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 12, 25)) == []  # Natal
    assert rules.slots_on(SCHEDULE, rules.BookingPolicy(), MONDAY) == []


def test_an_override_with_short_hours_gives_only_its_slots() -> None:
    labels = [s.label for s in rules.slots_on(SCHEDULE, POLICY, dt.date(2025, 12, 8))]
    assert labels == ["08:00", "08:30", "09:00"]


def test_a_slot_can_be_booked_until_it_starts_and_within_the_horizon() -> None:
    slot = rules.find_slot(SCHEDULE, POLICY, MONDAY, "09:00")
    assert slot is not None
    assert rules.may_book(slot, POLICY, MONDAY, at(MONDAY, 8, 59))
    assert not rules.may_book(slot, POLICY, MONDAY, at(MONDAY, 9, 0))
    far = rules.find_slot(SCHEDULE, POLICY, dt.date(2025, 12, 15), "09:00")
    assert far is not None and not rules.may_book(far, POLICY, MONDAY, at(MONDAY, 8))
    assert rules.find_slot(SCHEDULE, POLICY, MONDAY, "09:10") is None


def test_the_next_bookable_day_skips_closed_days() -> None:
    assert rules.next_bookable_day(SCHEDULE, POLICY, MONDAY, MONDAY) == dt.date(2025, 11, 28)
    assert rules.next_bookable_day(SCHEDULE, POLICY, dt.date(2025, 11, 28), MONDAY) is None


def test_the_check_in_window_runs_from_before_the_slot_to_after_its_start() -> None:
    start = at(MONDAY, 10)
    assert rules.checkin_window(start, POLICY) == (at(MONDAY, 9, 30), at(MONDAY, 10, 15))
    assert rules.checkin_verdict(at(MONDAY, 9, 29), start, POLICY) == "too_early"
    assert rules.checkin_verdict(at(MONDAY, 9, 30), start, POLICY) == "ok"
    assert rules.checkin_verdict(at(MONDAY, 10, 15), start, POLICY) == "ok"
    assert rules.checkin_verdict(at(MONDAY, 10, 16), start, POLICY) == "too_late"
    assert rules.expired(at(MONDAY, 10, 16), start, POLICY)


def test_the_online_share_is_taken_of_the_daily_quota() -> None:
    assert rules.daily_online_cap(POLICY, None) is None
    assert rules.daily_online_cap(rules.BookingPolicy(online_share_percent=30), 100) == 30
    assert rules.daily_online_cap(rules.BookingPolicy(online_share_percent=50), 3) == 1


def test_codes_use_no_look_alike_characters() -> None:
    for pair in ("0O", "1I", "1L", "2Z", "5S", "8B", "6G", "UV"):
        assert not set(pair) <= set(rules.CODE_ALPHABET), pair
    assert rules.normalise_code(" ac-e fh7 ") == "ACEFH7"
    assert rules.is_code("ACEFH7") and not rules.is_code("ACEFHO") and not rules.is_code("ACE")


# --- calling order ---------------------------------------------------------------------------

ORDER = OrderingPolicy(priority_every=3, max_normal_wait=dt.timedelta(minutes=30))


def test_a_booked_visitor_is_called_at_the_slot_time_ahead_of_later_walk_ins() -> None:
    before = Candidate("walk-0850", None, at(MONDAY, 8, 50))
    after = Candidate("walk-0905", None, at(MONDAY, 9, 5))
    # Checked in at 09:10 for the 09:00 slot: goes before the 09:05 walk-in, after 08:50.
    booked = Candidate("booked", None, at(MONDAY, 9, 10), due_at=at(MONDAY, 9))
    order = calling_order([], [after, booked, before], streak=0, now=at(MONDAY, 9, 10),
                          policy=ORDER)
    assert [c.id for c in order] == ["walk-0850", "booked", "walk-0905"]


def test_an_early_check_in_waits_for_its_slot_behind_walk_ins_who_came_first() -> None:
    booked = Candidate("booked", None, at(MONDAY, 8, 35), due_at=at(MONDAY, 9))
    walk = Candidate("walk-0840", None, at(MONDAY, 8, 40))
    order = calling_order([], [booked, walk], streak=0, now=at(MONDAY, 8, 45), policy=ORDER)
    assert [c.id for c in order] == ["walk-0840", "booked"]


@given(walk_in=st.integers(0, 300), bookings=st.lists(
    st.tuples(st.integers(0, 330), st.integers(-POLICY.checkin_before_minutes,
                                                POLICY.checkin_after_minutes)), max_size=12))
def test_a_walk_in_is_passed_only_by_bookings_that_checked_in_within_the_window(
        walk_in: int, bookings: list[tuple[int, int]]) -> None:
    """Whatever the bookings, a booking goes ahead of a walk-in only if it checked in no more
    than ``checkin_after_minutes`` after the walk-in arrived: the extra wait is bounded."""
    base = at(MONDAY, 8)
    walker = Candidate("walk", None, base + dt.timedelta(minutes=walk_in))
    booked = []
    for i, (slot_minute, late) in enumerate(bookings):
        due = base + dt.timedelta(minutes=slot_minute)
        booked.append(Candidate(f"b{i}", None, due + dt.timedelta(minutes=late), due_at=due))
    order = calling_order([], [walker, *booked], streak=0, now=base + dt.timedelta(hours=6),
                          policy=ORDER, limit=50)
    ahead = order[:[c.id for c in order].index("walk")]
    limit = walker.queued_at + dt.timedelta(minutes=POLICY.checkin_after_minutes)
    assert all(c.queued_at <= limit for c in ahead)
