"""The supervisor's alert rules, decided without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.domain.alerts import (
    CounterStatus,
    PrinterState,
    counter_status,
    over_target,
    overdue_minutes,
    printer_health,
    screen_online,
    unstaffed_with_visitors,
)

NOW = datetime(2025, 11, 24, 3, 0, tzinfo=UTC)


def test_an_open_counter_is_serving_while_it_holds_a_ticket_and_idle_otherwise() -> None:
    assert counter_status("open", True, None, NOW) is CounterStatus.SERVING
    assert counter_status("open", False, None, NOW) is CounterStatus.IDLE
    assert counter_status("closed", True, None, NOW) is CounterStatus.CLOSED


def test_a_break_becomes_overdue_only_after_its_end() -> None:
    until = NOW - timedelta(minutes=7, seconds=30)
    assert counter_status("break", False, until, NOW) is CounterStatus.OVERDUE_BREAK
    assert overdue_minutes(until, NOW) == 7
    assert counter_status("break", False, NOW + timedelta(minutes=1), NOW) \
        is CounterStatus.ON_BREAK
    assert counter_status("break", False, None, NOW) is CounterStatus.ON_BREAK


def test_a_wait_is_over_target_only_when_it_passes_the_target() -> None:
    assert over_target(601, 600)
    assert not over_target(600, 600)
    assert not over_target(None, 600)


def test_unstaffed_alerts_only_when_someone_waits() -> None:
    assert unstaffed_with_visitors("KTP", {"KK"}, 2)
    assert not unstaffed_with_visitors("KTP", {"KK"}, 0)
    assert not unstaffed_with_visitors("KTP", {"KTP"}, 5)


def test_the_last_job_decides_a_printers_state_and_failures_are_counted() -> None:
    health = printer_health([("failed", "paper out"), ("printed", None), ("queued", None)])
    assert (health.state, health.failed, health.queued, health.last_error) == (
        PrinterState.OK, 1, 1, "paper out")
    assert printer_health([("printed", None), ("failed", "offline")]).state \
        is PrinterState.FAILED
    assert printer_health([]).state is PrinterState.UNKNOWN


def test_a_screen_is_online_only_while_it_is_heard_from() -> None:
    assert screen_online("online", NOW - timedelta(seconds=30), NOW)
    assert not screen_online("online", NOW - timedelta(minutes=3), NOW)
    assert not screen_online("offline", NOW, NOW)
