"""The order in which a counter will call its waiting tickets, as far as it can be known now.

A counter calls by :func:`queue_server.domain.ordering.choose_next`, one ticket at a time; the
officer's list of who waits shows that order by playing the rule forward. It is a forecast:
other counters serving the same services take tickets from it, and a normal ticket may
become "starving" later than ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from queue_server.domain.ordering import Candidate, OrderingPolicy, choose_next


def calling_order(
    priority: Sequence[Candidate],
    normal: Sequence[Candidate],
    *,
    streak: int,
    now: datetime,
    policy: OrderingPolicy,
    priority_only: bool = False,
    limit: int = 30,
) -> list[Candidate]:
    """Up to ``limit`` tickets in the order the counter would call them if nobody else
    called and nobody new arrived. ``priority`` and ``normal`` hold each class, any order."""
    waiting_p = sorted(priority, key=lambda c: c.sort_key)
    waiting_n = [] if priority_only else sorted(normal, key=lambda c: c.sort_key)
    order: list[Candidate] = []
    i = j = 0
    while len(order) < limit:
        choice = choose_next(waiting_p[i] if i < len(waiting_p) else None,
                             waiting_n[j] if j < len(waiting_n) else None,
                             streak=streak, now=now, policy=policy,
                             priority_only=priority_only)
        if choice is None:
            break
        order.append(choice.ticket)
        streak = choice.streak
        if i < len(waiting_p) and choice.ticket is waiting_p[i]:
            i += 1
        else:
            j += 1
    return order
