"""Which counters serve a service, as a sign says it: ``[1, 2, 3, 4, 7]`` → "Loket 1–4, 7"."""

from __future__ import annotations

from collections.abc import Iterable


def counters_text(numbers: Iterable[int], *, dash: str = "\u2013") -> str:
    """Runs of three or more consecutive numbers are joined with ``dash``; "" for none."""
    ordered = sorted(set(numbers))
    if not ordered:
        return ""
    parts: list[str] = []
    start = prev = ordered[0]
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        if prev - start >= 2:
            parts.append(f"{start}{dash}{prev}")
        else:
            parts.extend(str(k) for k in range(start, prev + 1))
        if n is not None:
            start = prev = n
    return "Loket " + ", ".join(parts)
