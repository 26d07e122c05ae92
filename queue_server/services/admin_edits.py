"""Admin edits as changes to the site document (a plain dict, the shape of the site file).

Each function changes the document in place and says what the edited item looked like before
and after, for the audit log. They check only the shape of the request; whether the result is
a valid site is decided afterwards by the one site check (``queue_server.sitecheck``), so an
edit is refused with exactly the findings ``loket config check`` would give.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.domain.errors import Invalid, NotFound

Document = dict[str, Any]


@dataclass(frozen=True)
class Change:
    target: str
    before: Any
    after: Any

    @property
    def created(self) -> bool:
        return self.before is None


def _only(body: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in body:
        if key not in allowed:
            raise Invalid("invalid", field=key, what="unknown_field")


def _set(item: dict[str, Any], key: str, value: Any) -> None:
    """``None`` removes an optional key (e.g. no daily quota)."""
    if value is None:
        item.pop(key, None)
    else:
        item[key] = value


def _agencies(doc: Document) -> list[dict[str, Any]]:
    agencies = doc.setdefault("agencies", [])
    assert isinstance(agencies, list)
    return agencies


# --- agencies ---------------------------------------------------------------------------------

_KIND = {"city": "daerah", "vertical": "vertikal", "daerah": "daerah", "vertikal": "vertikal"}
AGENCY_FIELDS = ("name", "full_name", "kind", "prefix")


def put_agency(doc: Document, code: str, body: Mapping[str, Any]) -> Change:
    """API ``name`` is the short name shown on buttons, ``full_name`` the file's ``name``."""
    _only(body, AGENCY_FIELDS)
    agency = next((a for a in _agencies(doc) if a.get("code") == code), None)
    before = None if agency is None else _agency_view(agency)
    if agency is None:
        agency = {"code": code, "services": []}
        _agencies(doc).append(agency)
    if "full_name" in body:
        agency["name"] = body["full_name"]
    if "name" in body:
        agency["short_name"] = body["name"]
        agency.setdefault("name", body["name"])
    if "kind" in body:
        kind = body["kind"]
        agency["kind"] = _KIND.get(kind, kind) if isinstance(kind, str) else kind
    if "prefix" in body:
        agency["queue"] = body["prefix"]
    return Change(f"agency:{code}", before, _agency_view(agency))


def _agency_view(agency: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in agency.items() if k not in ("services", "counters")}


# --- services ---------------------------------------------------------------------------------

SERVICE_FIELDS = ("agency", "name", "name_en", "prefix", "persyaratan", "mekanisme", "biaya",
                  "waktu", "produk", "pengaduan", "daily_quota", "target_wait_minutes",
                  "service_minutes", "active")
#: API field → key of the service's ``standard`` table
_STANDARD = {"persyaratan": "persyaratan", "mekanisme": "mekanisme", "biaya": "biaya",
             "waktu": "jangka_waktu", "produk": "produk", "pengaduan": "pengaduan"}
_PLAIN = {"name": "name", "name_en": "name_en", "prefix": "queue", "daily_quota": "daily_quota",
          "target_wait_minutes": "target_wait_minutes", "service_minutes": "service_minutes",
          "active": "active"}


def find_service(doc: Document, code: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for agency in _agencies(doc):
        for service in agency.get("services", []):
            if service.get("code") == code:
                return agency, service
    return None


def put_service(doc: Document, code: str, body: Mapping[str, Any]) -> Change:
    _only(body, SERVICE_FIELDS)
    found = find_service(doc, code)
    before = None if found is None else service_view(*found)
    agency_code = body.get("agency", found[0]["code"] if found else None)
    if agency_code is None:
        raise Invalid("invalid", field="agency", what="required")
    target = next((a for a in _agencies(doc) if a.get("code") == agency_code), None)
    if target is None:
        raise NotFound("unknown_agency", agency=agency_code)
    if found is None:
        service: dict[str, Any] = {"code": code}
        target.setdefault("services", []).append(service)
    else:
        owner, service = found
        if owner is not target:  # moved to another agency
            owner["services"].remove(service)
            target.setdefault("services", []).append(service)
    for field, key in _PLAIN.items():
        if field in body:
            _set(service, key, body[field])
    standard = dict(service.get("standard", {}))
    for field, key in _STANDARD.items():
        if field in body:
            _set(standard, key, body[field])
    if standard:
        service["standard"] = standard
    return Change(f"service:{code}", before, service_view(target, service))


def service_view(agency: Mapping[str, Any], service: Mapping[str, Any]) -> dict[str, Any]:
    return {"agency": agency.get("code"), **service}


def delete_service(doc: Document, code: str) -> Change:
    found = find_service(doc, code)
    if found is None:
        raise NotFound("unknown_service", service=code)
    agency, service = found
    before = service_view(agency, service)
    agency["services"].remove(service)
    # Counters stop serving it; a counter left with nothing is refused by the check.
    for counter in _all_counters(doc):
        listed = counter.get("services")
        if isinstance(listed, list) and code in listed:
            listed.remove(code)
    return Change(f"service:{code}", before, None)


# --- counters ---------------------------------------------------------------------------------

COUNTER_FIELDS = ("number", "name", "agency", "services", "priority_only", "active")


def _all_counters(doc: Document) -> Iterator[dict[str, Any]]:
    for agency in _agencies(doc):
        yield from agency.get("counters", [])
    yield from doc.get("counters", [])


def find_counter(doc: Document, code: str) -> tuple[list[dict[str, Any]], str | None,
                                                   dict[str, Any]] | None:
    """The list holding the counter, its agency (``None`` for shared ones) and the counter."""
    for agency in _agencies(doc):
        for counter in agency.get("counters", []):
            if counter.get("code") == code:
                return agency["counters"], agency.get("code"), counter
    for counter in doc.get("counters", []):
        if counter.get("code") == code:
            return doc["counters"], None, counter
    return None


def counter_view(agency: str | None, counter: Mapping[str, Any]) -> dict[str, Any]:
    return {"agency": agency, **counter}


def put_counter(doc: Document, code: str, body: Mapping[str, Any]) -> Change:
    _only(body, COUNTER_FIELDS)
    found = find_counter(doc, code)
    before = None if found is None else counter_view(found[1], found[2])
    agency_code = body["agency"] if "agency" in body else (found[1] if found else None)
    if agency_code is None:
        home: list[dict[str, Any]] = doc.setdefault("counters", [])
    else:
        agency = next((a for a in _agencies(doc) if a.get("code") == agency_code), None)
        if agency is None:
            raise NotFound("unknown_agency", agency=agency_code)
        home = agency.setdefault("counters", [])
    if found is None:
        counter: dict[str, Any] = {"code": code}
        home.append(counter)
    else:
        holder, _, counter = found
        if holder is not home:
            holder.remove(counter)
            home.append(counter)
    for key in ("number", "name", "services", "priority_only", "active"):
        if key in body:
            _set(counter, key, body[key])
    _drop_empty_lists(doc)
    return Change(f"counter:{code}", before, counter_view(agency_code, counter))


def delete_counter(doc: Document, code: str) -> Change:
    found = find_counter(doc, code)
    if found is None:
        raise NotFound("unknown_counter", counter=code)
    holder, agency, counter = found
    holder.remove(counter)
    _drop_empty_lists(doc)
    return Change(f"counter:{code}", counter_view(agency, counter), None)


def _drop_empty_lists(doc: Document) -> None:
    # An empty ``counters`` list is left out, as a person writing the file would.
    for agency in _agencies(doc):
        if agency.get("counters") == []:
            del agency["counters"]
    if doc.get("counters") == []:
        del doc["counters"]


# --- closures and special hours -------------------------------------------------------------

CLOSURE_FIELDS = ("from", "to", "reason", "hours")


def _overrides(doc: Document) -> list[dict[str, Any]]:
    hours = doc.setdefault("hours", {})
    overrides = hours.setdefault("overrides", [])
    assert isinstance(overrides, list)
    return overrides


def closure_id(override: Mapping[str, Any]) -> str:
    """Two overrides never cover one date (the check refuses it), so the first date names one
    for good."""
    return str(override.get("date") or override.get("from") or "")


def closure_view(override: Mapping[str, Any]) -> dict[str, Any]:
    first = closure_id(override)
    return {"id": first, "from": first, "to": str(override.get("to") or first),
            "reason": override.get("reason", ""), "hours": override.get("hours")}


def add_closure(doc: Document, body: Mapping[str, Any]) -> Change:
    _only(body, CLOSURE_FIELDS)
    if "from" not in body:
        raise Invalid("invalid", field="from", what="required")
    override: dict[str, Any] = {"date": body["from"]}
    if body.get("to") not in (None, body["from"]):
        override["to"] = body["to"]
    if body.get("hours") is None:
        override["closed"] = True
    else:
        override["hours"] = body["hours"]
    if body.get("reason"):
        override["reason"] = body["reason"]
    _overrides(doc).append(override)
    return Change(f"closure:{closure_id(override)}", None, closure_view(override))


def delete_closure(doc: Document, closure: str) -> Change:
    overrides = _overrides(doc)
    found = next((o for o in overrides if closure_id(o) == closure), None)
    if found is None:
        raise NotFound("unknown_closure", closure=closure)
    overrides.remove(found)
    if not overrides:
        del doc["hours"]["overrides"]
    return Change(f"closure:{closure}", closure_view(found), None)


def closures(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [closure_view(o) for o in doc.get("hours", {}).get("overrides", [])
            if isinstance(o, dict)]


# --- running text and printers ---------------------------------------------------------------


def set_notices(doc: Document, body: Mapping[str, Any]) -> Change:
    _only(body, ("notices", "maklumat"))
    head = doc.setdefault("site", {})
    before = {"notices": head.get("notices", []), "maklumat": head.get("maklumat", "")}
    if "notices" in body:
        head["notices"] = body["notices"]
    if "maklumat" in body:
        _set(head, "maklumat", body["maklumat"])
    after = {"notices": head.get("notices", []), "maklumat": head.get("maklumat", "")}
    return Change("notices", before, after)


PRINTER_FIELDS = ("kind", "host", "port", "paper_mm", "vendor_id", "product_id", "device",
                  "baudrate", "path", "attempts", "timeout_s", "retry_s", "status")


def put_printer(doc: Document, code: str, body: Mapping[str, Any]) -> Change:
    _only(body, PRINTER_FIELDS)
    printers = doc.setdefault("printers", [])
    printer = next((p for p in printers if p.get("code") == code), None)
    before = None if printer is None else dict(printer)
    if printer is None:
        printer = {"code": code}
        printers.append(printer)
    for key, value in body.items():
        _set(printer, key, value)
    return Change(f"printer:{code}", before, dict(printer))


def delete_printer(doc: Document, code: str) -> Change:
    printers = doc.get("printers", [])
    printer = next((p for p in printers if p.get("code") == code), None)
    if printer is None:
        raise NotFound("unknown_printer", printer=code)
    printers.remove(printer)
    if not printers:
        del doc["printers"]
    return Change(f"printer:{code}", dict(printer), None)
