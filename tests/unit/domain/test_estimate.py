from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.estimate import estimate_wait_s, typical_service_s


def test_nobody_ahead_means_no_wait() -> None:
    assert estimate_wait_s(0, 600, 2) == 0


def test_people_ahead_share_the_open_counters() -> None:
    assert estimate_wait_s(4, 600, 2) == 1200
    assert estimate_wait_s(5, 600, 2) == 1800


def test_with_no_counter_open_we_still_answer_as_if_one_were() -> None:
    assert estimate_wait_s(3, 300, 0) == 900


def test_the_configured_time_is_used_until_there_is_data() -> None:
    assert typical_service_s([100, 200], 600) == 600
    assert typical_service_s([100, 200, 9000], 600) == 200


@given(st.integers(0, 500), st.floats(1, 3600), st.integers(0, 20))
def test_the_estimate_never_shrinks_when_more_people_wait(ahead: int, service: float,
                                                          counters: int) -> None:
    assert estimate_wait_s(ahead + 1, service, counters) >= estimate_wait_s(ahead, service,
                                                                           counters)
