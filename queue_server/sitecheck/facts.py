"""What the section checks learnt, for the rules that look across sections."""

from __future__ import annotations

from dataclasses import dataclass, field

from queue_server.domain.schedule import DayHours


@dataclass(frozen=True)
class ServiceFact:
    path: str
    code: str
    agency: str
    queue: str
    queue_path: str  # where the prefix is written: the service's own queue or its agency's


@dataclass(frozen=True)
class CounterFact:
    path: str
    code: str
    services: tuple[str, ...]  # as written; ("*",) for every service
    priority_only: bool


@dataclass
class Facts:
    services: list[ServiceFact] = field(default_factory=list)
    counters: list[CounterFact] = field(default_factory=list)
    #: weekday number (0 = Monday) → hours; None when ``[hours]`` itself has errors
    weekly: dict[int, DayHours] | None = None
    break_window: DayHours | None = None
    break_minutes: int | None = None
    min_staffed: int | None = None
    printers: set[str] = field(default_factory=set)
    #: (path of the kiosk's ``printer`` field, the printer code it names)
    kiosk_printers: list[tuple[str, str]] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
