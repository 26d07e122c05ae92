"""When to try an outbound message again, and how fast messages may go out.

Pure: the caller passes the attempt count and the time (seconds on any monotonic scale).
"""

from __future__ import annotations

from dataclasses import dataclass

#: After this many attempts a message that still cannot be sent is given up ("failed").
MAX_ATTEMPTS = 8
BASE_DELAY_S = 2.0
MAX_DELAY_S = 15 * 60.0


def retry_delay_s(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: 2, 4, 8 … up to 15 minutes, so a
    provider that is down for an hour is asked a dozen times, not thousands."""
    if attempts < 1:
        raise ValueError("attempts counts tries made, from 1")
    return min(BASE_DELAY_S * float(2 ** (attempts - 1)), MAX_DELAY_S)


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


@dataclass
class TokenBucket:
    """At most ``rate`` messages a second on average, bursts up to ``burst``."""

    rate: float
    burst: float
    tokens: float = -1.0
    at: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        if self.tokens < 0:
            self.tokens = self.burst

    def wait_s(self, now: float) -> float:
        """Seconds until one message may go; 0 takes the token now."""
        if self.at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
