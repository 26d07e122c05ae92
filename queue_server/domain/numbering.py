"""Ticket numbers: a letter prefix per queue and a running number per business day."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^([A-Z]{1,3})-(\d{3,})\Z")
_PREFIX = re.compile(r"^[A-Z]{1,3}\Z")


def format_number(prefix: str, number: int) -> str:
    """``("A", 12)`` → ``"A-012"``; numbers past 999 simply grow a digit."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"queue prefix must be 1-3 upper-case letters, got {prefix!r}")
    if number < 1:
        raise ValueError(f"ticket numbers start at 1, got {number}")
    return f"{prefix}-{number:03d}"


def parse_number(text: str) -> tuple[str, int]:
    match = _NUMBER.match(text)
    if match is None:
        raise ValueError(f"not a ticket number: {text!r}")
    return match.group(1), int(match.group(2))


def is_valid_prefix(prefix: str) -> bool:
    return bool(_PREFIX.match(prefix))
