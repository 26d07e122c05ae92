"""The WhatsApp outbox: everything sent outside goes through this table (docs/whatsapp.md).

Two ways in, both durable and once-only by a unique ``dedup_key`` per site:

- a **reply** is written in the same transaction that stores the visitor's message
  (``reply:<inbound id>``);
- a booking's **confirmation** is written in the booking's transaction (``booking:<code>``)
  and its **reminder** by a daytime round the day before (``reminder:<code>``);
- a **notification** ("3 antrean lagi", "dipanggil ke Loket 3", the survey link) is derived
  from the events table, which every ticket change already writes in its own transaction: a
  cursor row (``wa_cursor``) says how far the notifier has read, and it moves in the same
  transaction that writes the messages, under keys like ``called:<seq>:<ticket>``. Issuing
  and calling stay exactly as fast as without WhatsApp, a notifier that was down catches up
  from the cursor, and two processes deriving at once collide on the key, not on the visitor.

Sending: a worker claims due rows with a conditional ``UPDATE`` (``pending`` → ``sending``),
sends, and records the outcome. A provider that refuses the connection or answers 429/5xx
is tried again with exponential backoff; a send cut off mid-answer, or a claim left behind by
a crash, becomes ``unknown`` and is **not** sent again: the office prefers a rare lost
message to a visitor told twice (see docs/whatsapp.md, "at most once"). A visitor's "stop"
withdraws what is still queued for them (``withdrawn``).

A row is self-contained: the free text, and for a booking's message at a site with approved
templates the template to send instead (``template``), decided when it was queued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.channels.base import Outcome, SendResult, Template
from queue_server.domain import conversation as talk
from queue_server.domain.delivery import gives_up, retry_delay_s
from queue_server.domain.tickets import Status
from queue_server.events.feed import current_seq, events_after
from queue_server.services import tickets
from queue_server.services.context import Loket
from queue_server.services.ticket_rows import select_tickets, to_domain
from queue_server.store import tables as t
from queue_server.store.dialect import skip_locked, upsert

ob = t.wa_outbox
CALL_EVENTS = frozenset({"ticket.called", "ticket.recalled"})
#: "3 antrean lagi": sent once per ticket when this many or fewer wait ahead of it.
NEAR_AHEAD = 3
#: A claim older than this was left by a process that died mid-send (sends time out in 15 s).
CLAIM_LEASE_S = 120.0
DERIVE_PAGE = 500


#: What a visitor's "stop" withdraws: everything queued for their number that tells them
#: something unasked (a call, "3 antrean lagi", the survey, a booking's messages), not the
#: answers to what they wrote.
UNASKED = frozenset({"called", "near", "survey", "booking", "reminder"})


async def withdraw_unasked(conn: AsyncConnection, site_id: int, phone: str,
                           now: dt.datetime) -> int:
    """Inside the transaction that stores a visitor's "stop": their queued notifications
    become ``withdrawn`` and are never sent. One already being sent cannot be called back.
    The rows stay (until the retention purge) so that the office can see what was not sent
    and why, and their keys keep them from being queued again."""
    result = await conn.execute(update(ob).where(
        ob.c.site_id == site_id, ob.c.phone == phone, ob.c.state == "pending",
        ob.c.kind.in_(UNASKED)).values(state="withdrawn", error="the visitor wrote \"stop\"",
                                       next_attempt_at=now))
    return int(result.rowcount or 0)


async def enqueue(conn: AsyncConnection, site_id: int, now: dt.datetime, *, key: str,
                  phone: str, kind: str, body: str, template: Template | None = None) -> None:
    """Add a message unless one with ``key`` exists (inside the caller's transaction).
    ``template``: send it as this approved template where the provider knows templates;
    ``body`` is stored either way, for the office and for providers that only send text."""
    stored = None if template is None else {
        "name": template.name, "language": template.language,
        "parameters": list(template.parameters)}
    await conn.execute(upsert(conn, ob, {
        "site_id": site_id, "dedup_key": key[:128], "phone": phone, "kind": kind,
        "body": body, "template": stored, "state": "pending", "attempts": 0,
        "next_attempt_at": now, "created_at": now}, key=["site_id", "dedup_key"]))


async def ensure_cursor(conn: AsyncConnection, site_id: int) -> None:
    """Start the notifier's cursor at the current event if it has none: the first
    subscription starts it, so nothing from before is notified."""
    await conn.execute(upsert(conn, t.wa_cursor, {
        "site_id": site_id, "last_seq": await current_seq(conn, site_id)}, key=["site_id"]))


# --- notifications from events ---------------------------------------------------------------


@dataclass(frozen=True)
class _Subscriber:
    phone: str
    lang: talk.Lang
    since: dt.datetime


async def derive_notifications(loket: Loket) -> int:
    """Read the events after the cursor and queue the notifications they cause; the cursor
    moves in the same transaction. Returns how many messages were queued."""
    site = loket.ids.site
    async with loket.db.read() as conn:
        cursor = (await conn.execute(select(t.wa_cursor.c.last_seq).where(
            t.wa_cursor.c.site_id == site))).scalar()
        if cursor is None:
            return 0  # nobody ever subscribed
        events = await events_after(conn, site, int(cursor), limit=DERIVE_PAGE)
        if not events:
            return 0
        touched = {e.payload["ticket"]["id"] for e in events
                   if isinstance(e.payload.get("ticket"), dict)}
        subscribers = await _subscribers(conn, site, touched)
        keys = await _visitor_keys(conn, site, touched & subscribers.keys())
        called_services = {e.payload.get("service") for e in events if e.type in CALL_EVENTS}
    rows: list[dict[str, Any]] = []
    for event in events:
        ticket = event.payload.get("ticket")
        if not isinstance(ticket, dict):
            continue
        sub = subscribers.get(ticket["id"])
        if sub is None or event.at < sub.since:
            continue
        if event.type in CALL_EVENTS and ticket.get("counter_name"):
            rows.append({"key": f"called:{event.seq}:{ticket['id']}", "phone": sub.phone,
                         "kind": "called", "body": talk.called_text(
                             ticket["number"], ticket["counter_name"], sub.lang)})
        elif event.type == "ticket.finished" and ticket.get("status") == Status.DONE.value:
            url = _survey_url(loket, ticket["id"], keys.get(ticket["id"]))
            rows.append({"key": f"survey:{ticket['id']}", "phone": sub.phone,
                         "kind": "survey",
                         "body": talk.survey_text(ticket["number"], url, sub.lang)})
    # Online bookings need no events: the confirmation ("booking:<code>") is queued in the
    # booking's own transaction and the reminder ("reminder:<code>") by a round in
    # services/jobs.py (services/booking_whatsapp.py), both through ``enqueue``.
    rows += await _near(loket, {s for s in called_services if isinstance(s, str)})
    now = loket.clock.now()
    last = events[-1].seq
    async with loket.db.write(site, now) as tx:
        for row in rows:
            await enqueue(tx.conn, site, now, key=row["key"], phone=row["phone"],
                          kind=row["kind"], body=row["body"])
        await tx.conn.execute(update(t.wa_cursor).where(
            t.wa_cursor.c.site_id == site, t.wa_cursor.c.last_seq < last
        ).values(last_seq=last))
    return len(rows)


async def _subscribers(conn: AsyncConnection, site: int,
                       ticket_ids: set[str]) -> dict[str, _Subscriber]:
    if not ticket_ids:
        return {}
    ws = t.wa_subscriptions
    rows = (await conn.execute(select(ws).where(ws.c.site_id == site,
                                                ws.c.ticket_id.in_(ticket_ids)))).all()
    return {r.ticket_id: _Subscriber(r.phone, "en" if r.lang == "en" else "id", r.created_at)
            for r in rows}


async def _visitor_keys(conn: AsyncConnection, site: int, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = (await conn.execute(select(t.tickets.c.id, t.tickets.c.visitor_key).where(
        t.tickets.c.site_id == site, t.tickets.c.id.in_(ids)))).all()
    return {r.id: r.visitor_key for r in rows if r.visitor_key}


def _survey_url(loket: Loket, ticket_id: str, key: str | None) -> str:
    return f"{loket.public_url}/t/{ticket_id}/survey" + (f"?k={key}" if key else "")


async def _near(loket: Loket, services: set[str]) -> list[dict[str, Any]]:
    """Subscribed tickets waiting at the services that just called, with few enough ahead."""
    ids = [loket.ids.services[s] for s in services if s in loket.ids.services]
    if not ids:
        return []
    tk, ws = t.tickets, t.wa_subscriptions
    async with loket.db.read() as conn:
        rows = (await conn.execute(
            select_tickets().add_columns(ws.c.phone, ws.c.lang)
            .select_from(tk.join(ws, ws.c.ticket_id == tk.c.id))
            .where(tk.c.site_id == loket.ids.site, tk.c.status == Status.WAITING.value,
                   tk.c.service_id.in_(ids)))).all()
    found = []
    for row in rows:
        view = await tickets.ticket_view(loket, to_domain(loket, row))
        ahead = view.get("ahead")
        if isinstance(ahead, int) and 0 < ahead <= NEAR_AHEAD:
            lang: talk.Lang = "en" if row.lang == "en" else "id"
            found.append({"key": f"near:{row.id}", "phone": row.phone, "kind": "near",
                          "body": talk.near_text(view["number"], ahead, lang)})
    return found


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutMessage:
    id: int
    phone: str
    body: str
    #: tries including the one this claim is for
    attempts: int
    template: Template | None = None


async def claim_due(loket: Loket, worker: str, limit: int = 20) -> list[OutMessage]:
    """Take up to ``limit`` due messages for this worker: each row moves ``pending`` →
    ``sending`` by a conditional ``UPDATE``, so no two workers send one message."""
    now = loket.clock.now()
    claimed: list[OutMessage] = []
    async with loket.db.write(loket.ids.site, now) as tx:
        query = (select(ob.c.id, ob.c.phone, ob.c.body, ob.c.attempts, ob.c.template)
                 .where(ob.c.site_id == loket.ids.site, ob.c.state == "pending",
                        ob.c.next_attempt_at <= now)
                 .order_by(ob.c.id).limit(limit))
        for row in (await tx.conn.execute(skip_locked(tx.conn, query))).all():
            result = await tx.conn.execute(update(ob).where(
                ob.c.id == row.id, ob.c.state == "pending").values(
                    state="sending", claimed_at=now, claimed_by=worker[:64],
                    attempts=ob.c.attempts + 1))
            if result.rowcount == 1:
                claimed.append(OutMessage(row.id, row.phone, row.body, row.attempts + 1,
                                          _template(row.template)))
    return claimed


def _template(stored: Any) -> Template | None:
    if not isinstance(stored, dict):
        return None
    return Template(str(stored["name"]), str(stored["language"]),
                    tuple(str(p) for p in stored.get("parameters") or ()))


async def record_result(loket: Loket, message: OutMessage, result: SendResult) -> str:
    """Store what became of one send; returns the row's new state, or ``"abandoned"`` when
    the claim had already been given up (``recover_abandoned``) and the row was left alone."""
    now = loket.clock.now()
    values: dict[str, Any] = {"error": result.error[:500] if result.error else None}
    if result.outcome is Outcome.SENT:
        values |= {"state": "sent", "sent_at": now, "provider_id": result.provider_id}
    elif result.outcome is Outcome.RETRY and not gives_up(message.attempts):
        values |= {"state": "pending",
                   "next_attempt_at": now + dt.timedelta(
                       seconds=retry_delay_s(message.attempts))}
    elif result.outcome is Outcome.IN_DOUBT:
        values |= {"state": "unknown"}
    else:
        values |= {"state": "failed"}
    async with loket.db.write(loket.ids.site, now) as tx:
        changed = await tx.conn.execute(update(ob).where(
            ob.c.id == message.id, ob.c.state == "sending").values(**values))
    return str(values["state"]) if changed.rowcount == 1 else "abandoned"


async def recover_abandoned(loket: Loket, lease_s: float = CLAIM_LEASE_S) -> int:
    """Claims older than the lease belong to a process that died mid-send: whether the
    provider got the message is unknown, so they are marked ``unknown``, never resent."""
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        result = await tx.conn.execute(update(ob).where(
            ob.c.site_id == loket.ids.site, ob.c.state == "sending",
            ob.c.claimed_at < now - dt.timedelta(seconds=lease_s)).values(
                state="unknown", error="the sending process stopped mid-send"))
    return int(result.rowcount)


async def purge_personal_data(loket: Loket) -> int:
    """Phone numbers are kept ``data_retention_days`` and then deleted with their rows."""
    now = loket.clock.now()
    cutoff = now - dt.timedelta(days=loket.site.data_retention_days)
    site = loket.ids.site
    removed = 0
    async with loket.db.write(site, now) as tx:
        for table, column in ((t.wa_inbound, t.wa_inbound.c.received_at),
                              (ob, ob.c.created_at),
                              (t.wa_subscriptions, t.wa_subscriptions.c.created_at)):
            result = await tx.conn.execute(delete(table).where(
                and_(table.c.site_id == site, column < cutoff)))
            removed += int(result.rowcount)
    return removed
