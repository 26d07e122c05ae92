"""Breaks that never leave a service uncovered, and the day's rotation plan.

Every break decision of a site runs in one serialised transaction: SQLite serialises writers
already; on PostgreSQL a transaction-level advisory lock per site does it (rather than a row
lock on ``sites``, which every event-writing transaction takes last and which would make a
break and a call deadlock on each other's counter row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from queue_server.domain import breaks as rules
from queue_server.domain.errors import DomainError, Forbidden, Invalid
from queue_server.domain.rotation import Infeasible, plan_rotation
from queue_server.domain.schedule import hours_on, parse_hours, schedule_from_config
from queue_server.services import break_words
from queue_server.services.access import SUPERVISORS, require_role
from queue_server.services.context import Actor, Loket
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import lock_key, upsert

ACTIVE = ("granted", "overdue")
_LOCK_NAMESPACE = 0x10CE7  # advisory lock key = namespace << 32 | site id


def min_staffed(loket: Loket) -> int:
    return int(loket.site.breaks.get("min_staffed_counters", 1))


def default_minutes(loket: Loket) -> int:
    return int(loket.site.breaks.get("default_minutes", 30))


def _check_actor(actor: Actor, code: str) -> None:
    if actor.counter is None:
        raise Forbidden("no_counter")
    if actor.counter != code:
        raise Forbidden("wrong_counter", signed_in=actor.counter, counter=code)


async def _lock_site(tx: Tx, loket: Loket) -> None:
    await lock_key(tx.conn, (_LOCK_NAMESPACE << 32) | loket.ids.site)


# --- the book: counters, breaks under way, requests waiting ------------------------------------


async def _load(conn: AsyncConnection, loket: Loket, now: dt.datetime) -> tuple[
        rules.BreakBook, dict[str, Any], list[Any]]:
    """The site's break book, the stored rows of its active breaks and waiting requests by
    counter, and the rows that no longer match a counter's state (to be closed)."""
    c, b = t.counters, t.breaks
    states = {r.id: r for r in (await conn.execute(
        select(c.c.id, c.c.state, c.c.officer_id, c.c.state_since)
        .where(c.c.site_id == loket.ids.site))).all()}
    rows = (await conn.execute(select(b).where(
        b.c.site_id == loket.ids.site, b.c.state.in_([*ACTIVE, "queued"]))
        .order_by(b.c.requested_at, b.c.id))).all()
    counters, active, waiting, by_counter, stale = [], [], [], {}, []
    for counter in loket.site.counters:
        row = states.get(loket.ids.counters[counter.code])
        state = row.state if row else "closed"
        staffed = state in {"open", "break"} and row is not None and row.officer_id is not None
        counters.append(rules.CounterState(
            counter.code, frozenset(counter.services), staffed=staffed,
            open=state in {"open", "break"}, on_break=state == "break",
            priority_only=counter.priority_only))
    book_states = {cs.code: cs for cs in counters}
    for row in rows:
        code = loket.ids.counter_codes[row.counter_id]
        cs = book_states[code]
        if row.state in ACTIVE and cs.on_break and code not in by_counter:
            active.append(rules.ActiveBreak(code, row.granted_at or row.requested_at,
                                            row.until or now))
            by_counter[code] = row
        elif (row.state == "queued" and cs.staffed and cs.open and not cs.on_break
              and code not in by_counter):
            waiting.append(rules.BreakRequest(code, row.minutes, row.requested_at))
            by_counter[code] = row
        else:
            stale.append(row)
    for cs in counters:  # a counter left on break without a record still rests until now
        if cs.on_break and cs.code not in by_counter:
            active.append(rules.ActiveBreak(cs.code, now, now))
    book = rules.BreakBook(tuple(counters), min_staffed(loket), tuple(active), tuple(waiting),
                           frozenset(loket.site.services_by_code))
    return book, by_counter, stale


def _topics(code: str) -> tuple[str, ...]:
    return ("display", "supervisor", f"counter:{code}")


def _break_json(loket: Loket, code: str, state: str, decision: rules.BreakDecision | None,
                until: dt.datetime | None, **extra: Any) -> dict[str, Any]:
    return {"counter": code, "state": state,
            "reason_id": decision.reason_id if decision else None,
            "reason_en": decision.reason_en if decision else None,
            "until": loket.local(until), **extra}


async def _start_break(tx: Tx, loket: Loket, code: str, until: dt.datetime,
                       row_id: int | None, minutes: int, officer: int | None) -> None:
    counter_id = loket.ids.counters[code]
    if row_id is None:
        await tx.conn.execute(insert(t.breaks).values(
            site_id=loket.ids.site, counter_id=counter_id, officer_id=officer, state="granted",
            minutes=minutes, requested_at=tx.now, granted_at=tx.now, until=until))
    else:
        await tx.conn.execute(update(t.breaks).where(t.breaks.c.id == row_id).values(
            state="granted", granted_at=tx.now, until=until, reason=None))
    await tx.conn.execute(update(t.counters).where(
        t.counters.c.id == counter_id, t.counters.c.state == "open").values(
            state="break", state_since=tx.now))


async def _grant(tx: Tx, loket: Loket, granted: rules.Granted, by_counter: dict[str, Any]) -> None:
    for code, until in granted:
        row = by_counter[code]
        await _start_break(tx, loket, code, until, row.id, row.minutes, row.officer_id)
        words = break_words.turn_came(loket, until)
        tx.emit("counter.break", _topics(code), _break_json(
            loket, code, "granted", rules.BreakDecision(
                True, "Giliran istirahat Anda tiba: istirahat disetujui",
                "Your turn has come: break granted"), until, minutes=row.minutes,
            waited_since=loket.local(row.requested_at),
            message_id=words[0], message_en=words[1]))


async def _close_stale(tx: Tx, stale: list[Any]) -> None:
    for row in stale:
        await tx.conn.execute(update(t.breaks).where(t.breaks.c.id == row.id).values(
            state="ended" if row.state in ACTIVE else "cancelled", ended_at=tx.now))


# --- use cases ----------------------------------------------------------------------------------


async def request_break(loket: Loket, code: str, minutes: int | None,
                        actor: Actor) -> dict[str, Any]:
    """Ask for a break at the actor's counter: granted now, queued until coverage allows
    (first come, first served), or refused with the reason."""
    loket.counter(code)
    _check_actor(actor, code)
    minutes = default_minutes(loket) if minutes is None else minutes
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await _lock_site(tx, loket)
        book, _, stale = await _load(tx.conn, loket, now)
        await _close_stale(tx, stale)
        result = rules.request_break(book, code, minutes, now)
        position = None
        if result.outcome == "granted":
            assert result.until is not None
            await _start_break(tx, loket, code, result.until, None, minutes, actor.user_id)
        else:
            if result.outcome == "queued":
                position = len(result.state.waiting)
            await tx.conn.execute(insert(t.breaks).values(
                site_id=loket.ids.site, counter_id=loket.ids.counters[code],
                officer_id=actor.user_id, state=result.outcome, minutes=minutes,
                reason=result.decision.reason_id, requested_at=now))
        if result.outcome == "granted":
            words = break_words.granted(loket, result.until)
        elif result.outcome == "queued":
            words = break_words.queued(loket, result.decision.blocked_services, position)
        else:
            words = break_words.refused(loket, book, code, minutes, result.decision)
        answer = _break_json(loket, code, result.outcome, result.decision, result.until,
                             minutes=minutes, position=position,
                             blocked_services=list(result.decision.blocked_services),
                             message_id=words[0], message_en=words[1])
        if result.outcome != "refused":
            tx.emit("counter.break", _topics(code), answer)
    return answer


async def resume(loket: Loket, code: str, actor: Actor) -> dict[str, Any]:
    """End the counter's break (or withdraw its waiting request); breaks waiting for the
    coverage this brings back start now."""
    loket.counter(code)
    _check_actor(actor, code)
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await _lock_site(tx, loket)
        book, by_counter, stale = await _load(tx.conn, loket, now)
        await _close_stale(tx, stale)
        mine = by_counter.get(code)
        counter_id = loket.ids.counters[code]
        if book.counter(code).on_break:
            book, granted = rules.end_break(book, code, now)
            state = "ended"
            await tx.conn.execute(update(t.counters).where(
                t.counters.c.id == counter_id, t.counters.c.state == "break").values(
                    state="open", state_since=now))
        elif mine is not None:
            book = rules.cancel_request(book, code)
            granted, state = [], "cancelled"
        else:
            raise DomainError("not_on_break", counter=code)
        if mine is not None:
            await tx.conn.execute(update(t.breaks).where(t.breaks.c.id == mine.id).values(
                state=state, ended_at=now))
        words = (("Istirahat selesai. Loket kembali buka.", "Break over. The counter is open "
                  "again.") if state == "ended" else
                 ("Permintaan istirahat dibatalkan.", "Break request withdrawn."))
        answer = _break_json(loket, code, state, None, None,
                             overdue_s=_overdue_s(mine, now) if state == "ended" else None,
                             message_id=words[0], message_en=words[1])
        tx.emit("counter.break", _topics(code), answer)
        await _grant(tx, loket, granted, by_counter)
    return {**answer, "granted": [g for g, _ in granted]}


def _overdue_s(row: Any, now: dt.datetime) -> int | None:
    if row is None or row.until is None or row.until >= now:
        return None
    return int((now - row.until).total_seconds())


async def reconcile(loket: Loket) -> list[str]:
    """After staffing changed (an officer signed in or out, perhaps in another process):
    drop requests of counters no longer staffed, close breaks of closed counters, and grant
    the waiting requests that coverage now allows. Returns the counters granted."""
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await _lock_site(tx, loket)
        book, by_counter, stale = await _load(tx.conn, loket, now)
        await _close_stale(tx, stale)
        book, granted = rules.grant_waiting(book, now)
        await _grant(tx, loket, granted, by_counter)
    return [code for code, _ in granted]


async def flag_overdue(loket: Loket) -> list[str]:
    """Raise ``break.overdue`` once for each break that ran past its time; the conditional
    UPDATE makes it once across processes too."""
    now = loket.clock.now()
    b = t.breaks
    async with loket.db.write(loket.ids.site, now) as tx:
        rows = (await tx.conn.execute(update(b).where(
            b.c.site_id == loket.ids.site, b.c.state == "granted", b.c.until < now)
            .values(state="overdue").returning(b.c.counter_id, b.c.until))).all()
        for row in rows:
            code = loket.ids.counter_codes[row.counter_id]
            late = int((now - row.until).total_seconds() // 60)
            reason_id, reason_en = break_words.overdue(code)
            tx.emit("break.overdue", ("supervisor", f"counter:{code}"), {
                "counter": code, "until": loket.local(row.until), "late_minutes": late,
                "reason_id": reason_id, "reason_en": reason_en})
    return [loket.ids.counter_codes[r.counter_id] for r in rows]


async def current(loket: Loket) -> dict[str, Any]:
    """Breaks under way and requests waiting, for the screens."""
    now = loket.clock.now()
    async with loket.db.read() as conn:
        book, by_counter, _ = await _load(conn, loket, now)
    return {
        "min_staffed": book.min_staffed,
        "breaks": [{"counter": a.counter, "since": loket.local(a.started),
                    "until": loket.local(a.until), "overdue": a.until < now,
                    "minutes": by_counter[a.counter].minutes if a.counter in by_counter else None}
                   for a in book.active],
        "queue": [{"counter": w.counter, "minutes": w.minutes, "position": i + 1,
                   "requested_at": loket.local(w.requested_at)}
                  for i, w in enumerate(book.waiting)],
    }


# --- rotation plan ------------------------------------------------------------------------------


async def propose_rotation(loket: Loket, day: dt.date, lang: str = "id") -> dict[str, Any]:
    """The staggered break plan for ``day``'s staffed counters (every counter when nobody is
    signed in yet), inside the site's break window clipped to the day's hours."""
    raw_window = loket.site.breaks.get("window")
    if not isinstance(raw_window, str):
        raise Invalid("invalid", what="no_break_window")
    window = parse_hours(raw_window)
    schedule = schedule_from_config(loket.site.hours, loket.site.timezone)
    tz = loket.tz
    now = loket.clock.now()
    async with loket.db.read() as conn:
        book, _, _ = await _load(conn, loket, now)
        adopted = (await conn.execute(select(t.rotation_plans).where(
            t.rotation_plans.c.site_id == loket.ids.site,
            t.rotation_plans.c.business_day == day))).first()
    counters = [c for c in book.counters if c.staffed]
    basis = "staffed"
    if not counters:
        basis = "all_counters"
        counters = [replace(c, staffed=True, open=True, on_break=False) for c in book.counters]
    minutes = default_minutes(loket)
    answer: dict[str, Any] = {"date": day.isoformat(), "break_minutes": minutes,
                              "min_staffed": book.min_staffed, "basis": basis,
                              "counters": [c.code for c in counters], "feasible": True,
                              "entries": [], "problem": None, "note": None,
                              "adopted": _adopted_json(loket, adopted)}
    hours = hours_on(schedule, day)
    start = max(window.open, hours.open) if hours else window.open
    end = min(window.close, hours.close) if hours else window.close
    answer["window"] = {"start": dt.datetime.combine(day, start, tzinfo=tz).isoformat(),
                        "end": dt.datetime.combine(day, end, tzinfo=tz).isoformat()}
    if hours is None or start >= end:
        note_id, note_en = break_words.no_window(_span(hours), _span(hours, "en"))
        answer["note"] = note_en if lang == "en" else note_id
        return answer
    plan = plan_rotation(counters, dt.datetime.combine(day, start, tzinfo=tz),
                         dt.datetime.combine(day, end, tzinfo=tz), minutes, book.min_staffed,
                         all_services=loket.site.services_by_code)
    if isinstance(plan, Infeasible):
        answer["feasible"] = False
        answer["problem"] = {"service": plan.service, "kind": plan.kind,
                             "services": list(plan.services),
                             "reason": plan.reason if lang == "id" else plan.reason_en,
                             "reason_id": plan.reason, "reason_en": plan.reason_en}
        return answer
    answer["entries"] = [{"counter": e.counter, "start": loket.local(e.start),
                          "end": loket.local(e.end)} for e in plan.entries]
    return answer


def _span(hours: Any, lang: str = "id") -> str:
    if hours is None:
        return "tutup" if lang == "id" else "closed"
    sep = "." if lang == "id" else ":"
    return f"{hours.open:%H}{sep}{hours.open:%M}–{hours.close:%H}{sep}{hours.close:%M}"


def _adopted_json(loket: Loket, row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {**row.plan, "adopted_at": loket.local(row.adopted_at), "adopted_by": row.adopted_by}


async def adopt_rotation(loket: Loket, day: dt.date, actor: Actor) -> dict[str, Any]:
    """Store the plan proposed now as the day's plan (supervisor); an impossible plan is
    refused with the service that makes it impossible."""
    require_role(actor, SUPERVISORS)
    proposal = await propose_rotation(loket, day)
    problem = proposal["problem"]
    if problem is not None:
        raise DomainError("rotation_impossible", service=problem["service"],
                          message_id=problem["reason_id"] + ".",
                          message_en=problem["reason_en"] + ".")
    stored = {k: proposal[k] for k in ("date", "window", "break_minutes", "min_staffed",
                                       "basis", "counters", "entries", "note")}
    now = loket.clock.now()
    async with loket.db.write(loket.ids.site, now) as tx:
        await tx.conn.execute(upsert(
            tx.conn, t.rotation_plans,
            {"site_id": loket.ids.site, "business_day": day, "plan": stored,
             "adopted_by": actor.user_id, "adopted_at": now},
            key=["site_id", "business_day"],
            update={"plan": stored, "adopted_by": actor.user_id, "adopted_at": now}))
        topics = ("supervisor", *(f"counter:{e['counter']}" for e in stored["entries"]))
        tx.emit("rotation.adopted", topics, {"date": day.isoformat(), "plan": stored})
    return {**stored, "adopted_at": loket.local(now), "adopted_by": actor.user_id}

