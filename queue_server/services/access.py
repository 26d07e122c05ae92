"""Who may do what: the staff roles and the one check every use case and handler asks.

An officer works at the counter they are signed in at. A supervisor or an administrator
oversees the whole site; signed in without a counter they may also act on any counter's
behalf (clear up a ticket left at a closed counter, watch any counter's queue).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Protocol

from queue_server.domain.errors import Forbidden


class Role(enum.StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


#: Roles that oversee the whole site: dashboards, printers, rotation plans, unlocking users.
SUPERVISORS: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: Roles that may change the site's configuration and accounts.
ADMINS: frozenset[Role] = frozenset({Role.ADMIN})
#: Every signed-in staff member.
STAFF: frozenset[Role] = frozenset(Role)


class Staff(Protocol):
    """What a check needs to know about who acts (``context.Actor`` is one)."""

    @property
    def role(self) -> str: ...

    @property
    def counter(self) -> str | None: ...


def has_role(actor: Staff | None, roles: Collection[Role]) -> bool:
    """``True`` when ``actor`` is signed in with one of ``roles``."""
    return actor is not None and actor.role in roles


def require_role(actor: Staff, roles: Collection[Role]) -> None:
    """Refuse (403 ``forbidden``) an actor without one of ``roles``."""
    if not has_role(actor, roles):
        raise Forbidden("forbidden")


def oversees_counters(actor: Staff) -> bool:
    """A supervisor or administrator signed in without a counter: may act for any counter."""
    return actor.counter is None and has_role(actor, SUPERVISORS)
