"""Waiting for a condition in a test: poll until it holds, bounded in time and in count, never
a fixed sleep (the machine may be busy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(condition: Callable[[], Any], timeout_s: float = 60.0,
               what: str = "condition") -> Any:
    """Poll ``condition`` until it is truthy (returned) or the time is up (AssertionError)."""
    deadline = time.monotonic() + timeout_s
    for _ in range(100_000):
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")
