"""Calling in groups (``services/group_commit.py`` + ``calling_batch.py``) gives exactly the
outcome of calling one counter after another: the same ticket per call, the same refusals
(on break, closed, still holding a ticket), ``None`` once a counter's queues are empty, and no
ticket called twice — on SQLite and PostgreSQL. The officer's actions on a held ticket
(``acting_batch.py``) likewise answer each request as if it were alone."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from queue_server.clock import ShiftedClock
from queue_server.domain.errors import DomainError
from queue_server.services import calling_batch, staff, tickets
from queue_server.services.acting_batch import act_batch
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.calling_batch import call_batch
from queue_server.services.context import Actor, Loket
from queue_server.services.group_commit import GroupCommit
from queue_server.services.passwords import PasswordHashing
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import CHEAP_HASHER, PASSWORD

#: Counters that sign in and call; A1-A3 share queue A, P1 calls priority tickets of all.
OPEN = ["A1", "A2", "A3", "B1", "C1", "P1"]
SERVICES = ["KTP", "KK", "NPWP", "JKN", "KTP", "KK"]  # twice as many in queue A
Outcome = tuple[Any, ...]


@pytest.fixture
async def loket(database_url: str) -> AsyncIterator[Loket]:
    db = Database(create_engine(database_url))
    clock = ShiftedClock(datetime.fromisoformat(MONDAY_MORNING))
    site, ids, _ = await open_site_at_start(db.engine, load_site(SITE_FILE), clock.now())
    loket = Loket(db=db, site=site, ids=ids, clock=clock,
                  passwords=PasswordHashing(hasher=CHEAP_HASHER))
    try:
        yield loket
    finally:
        loket.passwords.close()
        await db.dispose()


async def officers(loket: Loket) -> dict[str, Actor]:
    """One signed-in officer per counter of ``OPEN``."""
    actors: dict[str, Actor] = {}
    for code in OPEN:
        async with loket.db.write(loket.ids.site, loket.clock.now()) as tx:
            await staff.add_user(tx.conn, loket.ids.site, f"o{code}", PASSWORD, "officer",
                                 loket.clock.now(), hasher=CHEAP_HASHER)
        signed = await staff.sign_in(loket, f"o{code}", PASSWORD, code)
        actors[code] = signed.actor
    return actors


async def issue(loket: Loket, count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        ticket, _ = await tickets.issue_ticket(loket, SERVICES[i % len(SERVICES)],
                                               "lansia" if i % 4 == 0 else None)
        out.append(ticket)
    return out


async def call(loket: Loket, code: str, actor: Actor) -> Outcome:
    try:
        ticket = await tickets.call_next(loket, code, actor)
    except DomainError as refused:
        return (refused.code, refused.params)
    return ("nobody",) if ticket is None else ("called", ticket["number"], ticket["counter"])


async def finish_all(loket: Loket, actors: dict[str, Actor]) -> None:
    tk = t.tickets
    async with loket.db.read() as conn:
        held = (await conn.execute(select(tk.c.id, tk.c.counter_id).where(
            tk.c.status == "called"))).all()
    for ticket_id, counter_id in held:
        await tickets.finish(loket, ticket_id, actors[loket.ids.counter_codes[counter_id]])


def rounds(actors: dict[str, Actor]) -> list[list[tuple[str, Actor]]]:
    """Each round every counter calls once, A1 twice (its second call finds it busy); C1 is
    on break and B1 closed. Nine rounds: the queues run dry on the way."""
    order = ["A1", "A2", "P1", "A3", "A1", "C1", "B1"]
    return [[(code, actors[code]) for code in order] for _ in range(9)]


async def restore(loket: Loket, actors: dict[str, Actor]) -> None:
    """Every ticket waiting again and every streak back at 0, as before the serial run."""
    async with loket.db.engine.begin() as conn:
        await conn.execute(update(t.tickets).values(
            status="waiting", counter_id=None, officer_id=None, called_at=None,
            started_at=None, finished_at=None))
        await conn.execute(update(t.counters).values(priority_streak=0))


async def test_calls_made_together_give_what_calls_one_after_another_give(
        loket: Loket, monkeypatch: pytest.MonkeyPatch) -> None:
    # On SQLite the heads come in statements of this many lines (two per service): a batch
    # here needs several, as a batch of counters serving more than 16 services does at the
    # real limit.
    monkeypatch.setattr(calling_batch, "_BRANCHES", 3)
    actors = await officers(loket)
    await issue(loket, 30)
    async with loket.db.engine.begin() as conn:
        await conn.execute(update(t.counters).where(
            t.counters.c.id == loket.ids.counters["C1"]).values(state="break"))
    async with loket.db.engine.begin() as conn:  # B1 signs out: its counter is closed
        await conn.execute(update(t.counters).where(
            t.counters.c.id == loket.ids.counters["B1"]).values(state="closed"))

    serial: list[list[Outcome]] = []
    for requests in rounds(actors):
        serial.append([await call(loket, code, actor) for code, actor in requests])
        await finish_all(loket, actors)
    await restore(loket, actors)

    batches: list[int] = []

    async def recorded(batch: list[Any]) -> list[Any]:
        batches.append(len(batch))
        return await call_batch(loket, batch)

    loket.calling = GroupCommit(recorded)
    grouped: list[list[Outcome]] = []
    for requests in rounds(actors):
        grouped.append(list(await asyncio.gather(*(call(loket, code, actor)
                                                   for code, actor in requests))))
        await finish_all(loket, actors)

    assert grouped == serial
    assert max(batches) == len(rounds(actors)[0]), batches  # each round was one batch
    kinds = collections.Counter(o[0] for outcomes in grouped for o in outcomes)
    assert kinds["called"] > 20 and kinds["nobody"] > 3, kinds
    assert kinds["counter_busy"] and kinds["counter_on_break"] and kinds["counter_closed"]
    # Serial and grouped runs together: each ticket called exactly twice, once in each.
    async with loket.db.read() as conn:
        called = (await conn.execute(select(t.events.c.payload).where(
            t.events.c.type == "ticket.called"))).scalars().all()
    per_ticket = collections.Counter(p["ticket"]["id"] for p in called)
    assert set(per_ticket.values()) == {2}, per_ticket


async def test_officers_calling_and_finishing_at_once_call_every_ticket_once(
        loket: Loket) -> None:
    actors = await officers(loket)
    issued = await issue(loket, 120)
    called: list[tuple[str, str]] = []

    async def officer(code: str) -> None:
        for _ in range(200):  # bounded: more rounds than tickets
            ticket = await tickets.call_next(loket, code, actors[code])
            if ticket is None:
                return
            called.append((code, ticket["id"]))
            await tickets.finish(loket, ticket["id"], actors[code])

    await asyncio.wait_for(asyncio.gather(*(officer(c) for c in OPEN)), 300)
    ids = [ticket_id for _, ticket_id in called]
    assert len(ids) == len(set(ids)), "a ticket was called twice"
    # Every counter's queues emptied, so every ticket was called, as serial calling would.
    assert set(ids) == {ticket["id"] for ticket in issued}
    assert {code for code, _ in called} == set(OPEN)
    async with loket.db.read() as conn:
        left = (await conn.execute(select(t.tickets.c.status).where(
            t.tickets.c.status != "done"))).scalars().all()
    assert left == []


async def test_actions_made_together_each_answer_as_if_alone(loket: Loket) -> None:
    """Finishing, recalling and refusing in one batch: a second finish of the same ticket is
    refused as it would be alone, an officer acting on another counter's ticket is refused,
    and the others' actions are saved."""
    actors = await officers(loket)
    await issue(loket, 12)
    held = {code: await tickets.call_next(loket, code, actors[code])
            for code in ["A1", "A2", "A3", "B1"]}
    ids = {code: ticket["id"] for code, ticket in held.items() if ticket is not None}
    batches: list[int] = []

    async def recorded(batch: list[Any]) -> list[Any]:
        batches.append(len(batch))
        return await act_batch(loket, batch)

    loket.acting = GroupCommit(recorded)

    async def act(action: Any, ticket_id: str, code: str) -> Outcome:
        try:
            ticket = await action(loket, ticket_id, actors[code])
        except DomainError as refused:
            return (refused.code, refused.params)
        return (ticket["status"], ticket["recall_count"])

    answers = await asyncio.gather(
        act(tickets.finish, ids["A1"], "A1"),
        act(tickets.finish, ids["A1"], "A1"),
        act(tickets.finish, ids["A2"], "A3"),
        act(tickets.recall, ids["A3"], "A3"),
        act(tickets.finish, "no-such-ticket", "B1"),
        act(tickets.recall, ids["B1"], "B1"),
        act(tickets.finish, ids["B1"], "B1"))
    assert answers == [
        ("done", 0),
        ("bad_state", {"action": "finish", "status": "done"}),
        ("not_your_ticket", {}),
        ("called", 1),
        ("ticket_not_found", {}),
        ("called", 1),
        ("done", 1)]
    assert batches == [7]
    async with loket.db.read() as conn:
        rows = dict((await conn.execute(select(t.tickets.c.id, t.tickets.c.status).where(
            t.tickets.c.id.in_(ids.values())))).all())
    assert rows == {ids["A1"]: "done", ids["A2"]: "called", ids["A3"]: "called",
                    ids["B1"]: "done"}
