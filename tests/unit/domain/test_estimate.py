from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.estimate import (
    MIN_SERVICE_S,
    PRIOR_WEIGHT,
    estimate_wait_s,
    typical_service_s,
)


def test_nobody_ahead_means_no_wait() -> None:
    assert estimate_wait_s(0, 600, 2) == 0


def test_people_ahead_share_the_open_counters() -> None:
    assert estimate_wait_s(4, 600, 2) == 1200
    assert estimate_wait_s(5, 600, 2) == 1800


def test_with_no_counter_open_we_still_answer_as_if_one_were() -> None:
    assert estimate_wait_s(3, 300, 0) == 900


def test_the_configured_time_is_used_while_there_is_no_data() -> None:
    assert typical_service_s([], 600) == 600


def test_a_few_tiny_samples_do_not_override_the_configured_time() -> None:
    # three services of a few seconds (quick clicks) against a configured ten minutes
    typical = typical_service_s([4, 5, 6], 600)
    assert typical == (3 * 5 + PRIOR_WEIGHT * 600) / (3 + PRIOR_WEIGHT)
    assert typical > 400


def test_many_samples_move_the_estimate_towards_what_is_observed() -> None:
    few = typical_service_s([300] * 3, 600)
    many = typical_service_s([300] * 200, 600)
    assert 300 < many < few < 600
    assert many < 320


def test_one_forgotten_finish_click_does_not_drag_the_estimate_up() -> None:
    assert typical_service_s([300] * 19 + [9000], 600) == typical_service_s([300] * 20, 600)


def test_seven_people_ahead_never_read_as_less_than_a_minute() -> None:
    typical = typical_service_s([1, 2, 1, 3, 2, 1, 1, 2, 1, 2] * 2, 600)
    assert estimate_wait_s(7, typical, 1) >= 7 * MIN_SERVICE_S
    # even with many counters open, somebody ahead means at least a minute
    assert estimate_wait_s(7, typical, 20) >= MIN_SERVICE_S


def test_a_service_configured_very_short_still_takes_a_minute() -> None:
    assert typical_service_s([], 10) == MIN_SERVICE_S
    assert typical_service_s([5, 5, 5], 10) == MIN_SERVICE_S


@given(st.lists(st.floats(0, 36_000), max_size=30), st.floats(1, 3600))
def test_the_typical_service_never_falls_below_the_floor(samples: list[float],
                                                         configured: float) -> None:
    typical = typical_service_s(samples, configured)
    assert typical >= MIN_SERVICE_S
    assert typical >= 0.4 * configured - 1e-9


@given(st.integers(0, 500), st.floats(1, 3600), st.integers(0, 20))
def test_the_estimate_never_shrinks_when_more_people_wait(ahead: int, service: float,
                                                          counters: int) -> None:
    assert estimate_wait_s(ahead + 1, service, counters) >= estimate_wait_s(ahead, service,
                                                                           counters)


@given(st.integers(1, 500), st.floats(1, 3600), st.integers(0, 40))
def test_anyone_with_people_ahead_waits_at_least_a_minute(ahead: int, service: float,
                                                          counters: int) -> None:
    assert estimate_wait_s(ahead, service, counters) >= MIN_SERVICE_S
