"""Everything a use case needs, wired once in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from queue_server.clock import Clock
from queue_server.domain.schedule import business_day
from queue_server.services.access import Role
from queue_server.services.group_commit import GroupCommit
from queue_server.services.passwords import PasswordHashing
from queue_server.site import Counter, Service, Site
from queue_server.store.db import Database
from queue_server.store.sync import Ids


class IssuingGate(Protocol):
    """Decides whether a ticket for ``service`` may be issued at ``now`` (opening hours,
    holidays, cut-off); raises ``Closed`` with the reason otherwise."""

    def check(self, service: Service, now: datetime) -> None: ...


class AlwaysOpen:
    def check(self, service: Service, now: datetime) -> None:
        return None


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in staff member and the counter they are signed in at."""

    user_id: int
    username: str
    role: Role
    counter: str | None


@dataclass
class Loket:
    db: Database
    site: Site
    ids: Ids
    clock: Clock
    gate: IssuingGate = field(default_factory=AlwaysOpen)
    public_url: str = ""
    passwords: PasswordHashing = field(default_factory=PasswordHashing)
    #: version of the live configuration ``site`` was built from (``site_configs``)
    config_version: int = 0
    #: issuing's group commit (``services/tickets.issue_ticket``), made on first use
    issuing: GroupCommit[Any, Any] | None = field(default=None, repr=False, compare=False)
    #: calling's group commit (``services/tickets.call_next``), made on first use
    calling: GroupCommit[Any, Any] | None = field(default=None, repr=False, compare=False)
    #: the officer's actions on a held ticket (``services/tickets._act``), made on first use
    acting: GroupCommit[Any, Any] | None = field(default=None, repr=False, compare=False)
    #: where the site's pages live under the server's root: "" for the default site,
    #: ``/s/{code}`` for the others of a multi-site server
    path: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def business_day(self, now: datetime) -> date:
        return business_day(now, self.site.timezone)

    def local(self, moment: datetime | None) -> str | None:
        return moment.astimezone(self.tz).isoformat() if moment else None

    def counter(self, code: str) -> Counter:
        from queue_server.domain.errors import NotFound

        counter = self.site.counter(code)
        if counter is None:
            raise NotFound("unknown_counter", counter=code)
        return counter
