"""The satisfaction survey (SKM): one response per finished ticket, and the retention purge.

Privacy: the questionnaire never asks for a name; the profile (gender, age band, education,
occupation) and the free-text suggestion are optional, and are blanked once a response is
older than the site's ``data_retention_days`` (the scores stay, they are anonymous).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import desc, insert, select, update
from sqlalchemy.exc import IntegrityError

from queue_server.domain import skm
from queue_server.domain.errors import DomainError, Forbidden, NotFound
from queue_server.domain.numbering import format_number
from queue_server.services.context import Loket
from queue_server.services.tickets import key_matches
from queue_server.store import tables as t

CHANNELS = ("phone", "tablet")
#: B (Baik) or better: then we ask for a public review too.
GOOD_IKM = skm.GRADES[1][0]


async def survey_ticket(loket: Loket, ticket_id: str, key: str | None = None, *,
                        staff: bool = False) -> dict[str, Any]:
    """What the survey page shows about the ticket; no personal data exists to show. Only
    the holder (the right visitor ``key``) may answer; ``staff`` (a counter-side tablet
    signed in) is handed the key so the tablet can submit for the visitor in front of it."""
    tk = t.tickets
    async with loket.db.read() as conn:
        row = (await conn.execute(select(
            tk.c.id, tk.c.queue, tk.c.number, tk.c.status, tk.c.service_id, tk.c.counter_id,
            tk.c.finished_at, tk.c.visitor_key).where(
                tk.c.site_id == loket.ids.site, tk.c.id == ticket_id))).first()
        answered = row is not None and (await conn.execute(select(t.skm_responses.c.id).where(
            t.skm_responses.c.ticket_id == ticket_id))).first() is not None
    if row is None:
        raise NotFound("ticket_not_found")
    holder = staff or key_matches(row.visitor_key, key)
    service = loket.site.services_by_code[loket.ids.service_codes[row.service_id]]
    agency = next(a for a in loket.site.agencies if a.code == service.agency)
    counter = loket.site.counter(loket.ids.counter_codes.get(row.counter_id, "")) \
        if row.counter_id else None
    return {"id": row.id, "number": format_number(row.queue, row.number), "status": row.status,
            "service": service.code, "service_name": service.name,
            "service_name_en": service.name_en, "agency": agency.code,
            "agency_name": agency.short_name,
            "counter": counter.code if counter else None,
            "counter_name": counter.name if counter else None,
            "finished_at": loket.local(row.finished_at), "answered": answered,
            "holder": holder,
            "visitor_key": row.visitor_key if holder else None,
            "can_answer": row.status == "done" and not answered and holder}


async def submit(loket: Loket, ticket_id: str, data: dict[str, Any],
                 channel: str = "phone", key: object = None) -> dict[str, Any]:
    """Store a response for a ``done`` ticket from its holder (``key`` = the visitor key of
    the slip's QR; the ticket id is public, it is shown on the lobby feed); a second one
    for the same ticket is a ``conflict`` (the unique ``ticket_id`` decides when two arrive
    together)."""
    response = skm.validate_response(data)
    if channel not in CHANNELS:
        channel = "phone"
    now = loket.clock.now()
    tk = t.tickets
    try:
        async with loket.db.write(loket.ids.site, now) as tx:
            row = (await tx.conn.execute(select(
                tk.c.status, tk.c.service_id, tk.c.counter_id, tk.c.officer_id,
                tk.c.visitor_key).where(
                    tk.c.site_id == loket.ids.site, tk.c.id == ticket_id))).first()
            if row is None:
                raise NotFound("ticket_not_found")
            if not key_matches(row.visitor_key, key):
                raise Forbidden("survey_key")
            if row.status != "done":
                raise DomainError("survey_not_available", status=row.status)
            exists = (await tx.conn.execute(select(t.skm_responses.c.id).where(
                t.skm_responses.c.ticket_id == ticket_id))).first()
            if exists is not None:
                raise DomainError("conflict")
            scores = {f"u{i}": s for i, s in enumerate(response.scores, 1)}
            await tx.conn.execute(insert(t.skm_responses).values(
                site_id=loket.ids.site, ticket_id=ticket_id, service_id=row.service_id,
                counter_id=row.counter_id, officer_id=row.officer_id, submitted_at=now,
                gender=response.gender, age_band=response.age, education=response.education,
                occupation=response.occupation, comment=response.suggestion, channel=channel,
                **scores))
            service = loket.ids.service_codes[row.service_id]
            tx.emit("skm.submitted", ("supervisor",), {"service": service})
    except IntegrityError:
        # Two submissions raced past the check: the database's unique ticket_id kept one.
        raise DomainError("conflict") from None
    result = skm.compute_ikm([response])
    assert result is not None
    good = result.ikm >= GOOD_IKM
    return {"ikm": float(result.ikm), "grade": result.grade.letter,
            "grade_label": result.grade.label_id, "good": good,
            "google_review_url": loket.site.google_review_url if good else None}


async def last_finished(loket: Loket, counter_code: str) -> str | None:
    """The counter's most recent ``done`` ticket today that has no response yet."""
    counter_id = loket.ids.counters[loket.counter(counter_code).code]
    tk, r = t.tickets, t.skm_responses
    now = loket.clock.now()
    async with loket.db.read() as conn:
        row = (await conn.execute(
            select(tk.c.id).select_from(tk.outerjoin(r, r.c.ticket_id == tk.c.id)).where(
                tk.c.site_id == loket.ids.site, tk.c.counter_id == counter_id,
                tk.c.business_day == loket.business_day(now), tk.c.status == "done",
                r.c.id.is_(None))
            .order_by(desc(tk.c.finished_at)).limit(1))).first()
    return row.id if row else None


async def purge_profiles(loket: Loket, now: datetime) -> int:
    """Blank the optional personal fields of responses older than the retention period."""
    cutoff = now - timedelta(days=loket.site.data_retention_days)
    r = t.skm_responses
    async with loket.db.write(loket.ids.site, now) as tx:
        result = await tx.conn.execute(update(r).where(
            r.c.site_id == loket.ids.site, r.c.submitted_at < cutoff,
            (r.c.gender.is_not(None) | r.c.age_band.is_not(None) | r.c.education.is_not(None)
             | r.c.occupation.is_not(None) | r.c.comment.is_not(None))).values(
                gender=None, age_band=None, education=None, occupation=None, comment=None))
    return int(result.rowcount or 0)
