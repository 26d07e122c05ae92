"""Retry delays and the outbound rate limit."""

from __future__ import annotations

import itertools

import pytest

from queue_server.domain.delivery import MAX_ATTEMPTS, TokenBucket, gives_up, retry_delay_s


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    delays = [retry_delay_s(n) for n in range(1, 15)]
    assert delays[:4] == [2.0, 4.0, 8.0, 16.0]
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == 15 * 60.0
    with pytest.raises(ValueError):
        retry_delay_s(0)


def test_a_message_is_given_up_after_the_last_attempt() -> None:
    assert not gives_up(MAX_ATTEMPTS - 1)
    assert gives_up(MAX_ATTEMPTS)


def test_the_bucket_lets_a_burst_through_then_paces_at_the_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0)
    assert bucket.wait_s(100.0) == 0.0
    assert bucket.wait_s(100.0) == 0.0
    assert bucket.wait_s(100.0) == pytest.approx(0.5)
    assert bucket.wait_s(100.5) == 0.0  # half a second later one token has come back
    assert bucket.wait_s(100.5) > 0


def test_over_any_stretch_the_bucket_never_exceeds_its_rate() -> None:
    bucket = TokenBucket(rate=5.0, burst=5.0)
    now, sent = 0.0, 0
    for _ in range(10_000):
        wait = bucket.wait_s(now)
        if wait == 0:
            sent += 1
        else:
            now += wait
        if now >= 10.0:
            break
    assert sent <= 5 + 5 * 10 + 1

