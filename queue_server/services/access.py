"""Who may do what: the staff roles and the one check every use case and handler asks.

An officer works at the counter they are signed in at. A supervisor or an administrator
oversees the whole site; signed in without a counter they may also act on any counter's
behalf (clear up a ticket left at a closed counter, watch any counter's queue).

Every account belongs to one site, except a ``region`` account (the province's Monev team):
it reads every site's figures and dashboards but acts at no counter and changes nothing.
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
    REGION = "region"


#: Roles that oversee the whole site: dashboards, printers, rotation plans, unlocking users.
SUPERVISORS: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: Roles that may change the site's configuration and accounts.
ADMINS: frozenset[Role] = frozenset({Role.ADMIN})
#: Every signed-in staff member of the site (a region account is not staff there).
STAFF: frozenset[Role] = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
#: Roles an administrator may give on the site's own admin pages (region accounts are made
#: with ``loket user add``, never by one site's administrator).
SITE_ROLES: frozenset[Role] = STAFF
#: Who may read a site's dashboard and statistics: its supervisors and the region.
OVERSEERS: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.REGION})
#: Who may read the region's figures (all sites side by side).
REGIONAL: frozenset[Role] = frozenset({Role.REGION, Role.ADMIN})


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
