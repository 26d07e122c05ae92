"""The site's catalogue as the WhatsApp conversation reads it (search entries, the published
standard of a service, counters), rebuilt when an administrator changes the site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from queue_server.domain.catalogue_search import Entry
from queue_server.domain.conversation import ServiceFacts
from queue_server.site import Site


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    #: (code, name, short_name) of each agency
    agencies: tuple[tuple[str, str, str], ...]
    site: Site

    def facts(self, code: str) -> ServiceFacts:
        service = self.site.services_by_code[code]
        agency = next(a for a in self.site.agencies if a.code == service.agency)
        standard: dict[str, Any] = service.standard or {}
        counters = tuple(c.name for c in self.site.counters
                         if c.active and code in c.services and not c.priority_only)
        return ServiceFacts(
            code=code, name=service.name, agency_name=agency.short_name,
            persyaratan=tuple(str(p) for p in standard.get("persyaratan", []) or []),
            biaya=str(standard.get("biaya", "") or ""),
            waktu=str(standard.get("jangka_waktu", standard.get("waktu", "")) or ""),
            produk=str(standard.get("produk", "") or ""),
            counters=counters)

    def agency_services(self, code: str) -> tuple[str, list[str]]:
        agency = next(a for a in self.site.agencies if a.code == code)
        return agency.short_name, [s.name for s in agency.services if s.active]

    def agency_counts(self) -> list[tuple[str, int]]:
        return [(a.short_name, sum(s.active for s in a.services)) for a in self.site.agencies]


def build_catalogue(site: Site) -> Catalogue:
    entries = tuple(
        Entry(code=s.code, name=s.name, name_en=s.name_en, agency=a.code,
              agency_name=f"{a.short_name} {a.name}",
              produk=str((s.standard or {}).get("produk", "") or ""))
        for a in site.agencies for s in a.services if s.active)
    return Catalogue(entries, tuple((a.code, a.name, a.short_name) for a in site.agencies),
                     site)
