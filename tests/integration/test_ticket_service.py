"""``services/tickets.py`` called directly on a real database: each use case's answer and the
rows and events it leaves behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from queue_server.clock import ShiftedClock
from queue_server.domain.errors import Closed, DomainError, Forbidden, Invalid
from queue_server.services import staff, tickets
from queue_server.services.admin_config import open_site_at_start
from queue_server.services.context import Actor, Loket
from queue_server.site import load_site
from queue_server.store import tables as t
from queue_server.store.db import Database, create_engine
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import CHEAP_HASHER, PASSWORD


@pytest.fixture
async def loket(database_url: str) -> AsyncIterator[Loket]:
    site = load_site(SITE_FILE)
    db = Database(create_engine(database_url))
    clock = ShiftedClock(datetime.fromisoformat(MONDAY_MORNING))
    site, ids, _ = await open_site_at_start(db.engine, site, clock.now())
    loket = Loket(db=db, site=site, ids=ids, clock=clock)
    async with db.engine.begin() as conn:
        for name, role in {"siti": "officer", "budi": "officer", "kepala": "supervisor"}.items():
            await staff.add_user(conn, ids.site, name, PASSWORD, role, clock.now(),
                                 hasher=CHEAP_HASHER)
    try:
        yield loket
    finally:
        loket.passwords.close()
        await db.dispose()


async def at_counter(loket: Loket, username: str, counter: str | None) -> Actor:
    """``username`` signed in (at ``counter``, which opens it)."""
    return (await staff.sign_in(loket, username, PASSWORD, counter)).actor


async def stored(loket: Loket, ticket_id: str) -> Any:
    async with loket.db.read() as conn:
        return (await conn.execute(select(t.tickets).where(t.tickets.c.id == ticket_id))).one()


async def event_types(loket: Loket, ticket_id: str) -> list[str]:
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(t.events.c.type, t.events.c.topics)
                                   .order_by(t.events.c.seq))).all()
    return [row.type for row in rows if f"ticket:{ticket_id}" in row.topics.split()]


async def test_issuing_numbers_tickets_per_queue_and_stores_them_waiting(loket: Loket) -> None:
    first, created = await tickets.issue_ticket(loket, "KTP", None)
    second, _ = await tickets.issue_ticket(loket, "KK", "lansia")
    other, _ = await tickets.issue_ticket(loket, "NPWP", None)

    assert created is True
    assert (first["number"], second["number"], other["number"]) == ("A-001", "A-002", "B-001")
    assert first["status"] == "waiting" and first["ahead"] == 0
    assert second["priority"] == "lansia"
    assert first["visitor_key"] and first["track_url"].endswith(f"?k={first['visitor_key']}")
    row = await stored(loket, first["id"])
    assert (row.status, row.number, row.queue, row.channel) == ("waiting", 1, "A", "kiosk")
    assert row.visitor_key == first["visitor_key"]
    assert await event_types(loket, first["id"]) == ["ticket.issued"]


async def test_the_same_idempotency_key_gives_the_same_ticket_once(loket: Loket) -> None:
    first, created = await tickets.issue_ticket(loket, "KTP", None, idempotency_key="k-1")
    again, created_again = await tickets.issue_ticket(loket, "KTP", None, idempotency_key="k-1")

    assert (created, created_again) == (True, False)
    assert again["id"] == first["id"] and again["number"] == first["number"]
    async with loket.db.read() as conn:
        count = len((await conn.execute(select(t.tickets.c.id))).all())
    assert count == 1


async def test_issuing_refuses_unknown_services_priorities_and_a_used_up_quota(
        loket: Loket) -> None:
    with pytest.raises(Invalid) as unknown:
        await tickets.issue_ticket(loket, "NOPE", None)
    assert unknown.value.code == "unknown_service"
    with pytest.raises(Invalid) as priority:
        await tickets.issue_ticket(loket, "KTP", "vip")
    assert priority.value.code == "unknown_priority"
    for _ in range(3):  # AKTA has a quota of 3 a day
        await tickets.issue_ticket(loket, "AKTA", None)
    with pytest.raises(Closed) as quota:
        await tickets.issue_ticket(loket, "AKTA", None)
    assert quota.value.code == "quota_exhausted"
    async with loket.db.read() as conn:
        numbers = (await conn.execute(select(t.tickets.c.number).where(
            t.tickets.c.service_id == loket.ids.services["AKTA"]))).scalars().all()
    assert sorted(numbers) == [1, 2, 3]


async def test_calling_takes_the_oldest_waiting_ticket_and_marks_the_counter(
        loket: Loket) -> None:
    first, _ = await tickets.issue_ticket(loket, "KTP", None)
    await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")

    called = await tickets.call_next(loket, "A1", siti)

    assert called is not None
    assert (called["id"], called["status"], called["counter"]) == (first["id"], "called", "A1")
    row = await stored(loket, first["id"])
    assert (row.status, row.counter_id, row.officer_id) == (
        "called", loket.ids.counters["A1"], siti.user_id)
    assert row.called_at is not None
    assert await event_types(loket, first["id"]) == ["ticket.issued", "ticket.called"]


async def test_calling_with_nobody_waiting_answers_none_and_a_busy_counter_is_refused(
        loket: Loket) -> None:
    siti = await at_counter(loket, "siti", "A1")
    assert await tickets.call_next(loket, "A1", siti) is None
    await tickets.issue_ticket(loket, "KTP", None)
    await tickets.issue_ticket(loket, "KTP", None)
    await tickets.call_next(loket, "A1", siti)
    with pytest.raises(DomainError) as busy:
        await tickets.call_next(loket, "A1", siti)
    assert busy.value.code == "counter_busy"


async def test_an_officer_calls_only_at_the_counter_they_are_signed_in_at(loket: Loket) -> None:
    await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    with pytest.raises(Forbidden) as wrong:
        await tickets.call_next(loket, "A2", siti)
    assert wrong.value.code == "wrong_counter"
    nowhere = await at_counter(loket, "budi", None)
    with pytest.raises(Forbidden) as none:
        await tickets.call_next(loket, "A1", nowhere)
    assert none.value.code == "no_counter"


async def test_a_closed_counter_cannot_call(loket: Loket) -> None:
    await tickets.issue_ticket(loket, "KTP", None)
    supervisor = await at_counter(loket, "kepala", None)
    with pytest.raises(DomainError) as closed:
        await tickets.call_next(loket, "A2", supervisor)
    assert closed.value.code == "counter_closed"


async def test_recall_start_and_finish_are_stored_in_turn(loket: Loket) -> None:
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    await tickets.call_next(loket, "A1", siti)

    recalled = await tickets.recall(loket, ticket["id"], siti)
    assert (recalled["status"], recalled["recall_count"]) == ("called", 1)
    assert (await stored(loket, ticket["id"])).recall_count == 1

    started = await tickets.start(loket, ticket["id"], siti)
    assert started["status"] == "serving" and started["started_at"] is not None
    assert (await stored(loket, ticket["id"])).status == "serving"

    finished = await tickets.finish(loket, ticket["id"], siti)
    assert finished["status"] == "done" and finished["finished_at"] is not None
    row = await stored(loket, ticket["id"])
    assert (row.status, row.counter_id) == ("done", loket.ids.counters["A1"])
    assert row.finished_at is not None
    assert await event_types(loket, ticket["id"]) == [
        "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started",
        "ticket.finished"]


async def test_no_show_needs_the_recalls_first(loket: Loket) -> None:
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    await tickets.call_next(loket, "A1", siti)
    with pytest.raises(DomainError) as early:
        await tickets.no_show(loket, ticket["id"], siti)
    assert early.value.code == "recall_first"
    assert (await stored(loket, ticket["id"])).status == "called"

    for _ in range(loket.site.no_show_after_recalls):
        await tickets.recall(loket, ticket["id"], siti)
    gone = await tickets.no_show(loket, ticket["id"], siti)

    assert gone["status"] == "no_show"
    row = await stored(loket, ticket["id"])
    assert row.status == "no_show" and row.finished_at is not None
    assert (await event_types(loket, ticket["id"]))[-1] == "ticket.no_show"


async def test_a_transfer_queues_the_visitor_at_the_other_service_and_records_it(
        loket: Loket) -> None:
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    await tickets.call_next(loket, "A1", siti)

    moved = await tickets.transfer(loket, ticket["id"], "KK", siti)

    assert (moved["service"], moved["status"], moved["number"]) == ("KK", "waiting", "A-001")
    assert moved["transfer_count"] == 1 and moved["counter"] is None
    row = await stored(loket, ticket["id"])
    assert (row.status, row.service_id, row.first_service_id, row.counter_id) == (
        "waiting", loket.ids.services["KK"], loket.ids.services["KTP"], None)
    history = await tickets.transfer_history(loket, ticket["id"])
    assert [(h["from"], h["to"], h["counter"]) for h in history] == [("KTP", "KK", "A1")]
    assert (await event_types(loket, ticket["id"]))[-1] == "ticket.transferred"
    # Queued again at its old place: the next call at a KK counter takes it.
    budi = await at_counter(loket, "budi", "A2")
    again = await tickets.call_next(loket, "A2", budi)
    assert again is not None and again["id"] == ticket["id"]


async def test_a_transfer_to_an_unknown_service_changes_nothing(loket: Loket) -> None:
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    await tickets.call_next(loket, "A1", siti)
    with pytest.raises(Invalid):
        await tickets.transfer(loket, ticket["id"], "NOPE", siti)
    row = await stored(loket, ticket["id"])
    assert (row.status, row.service_id) == ("called", loket.ids.services["KTP"])


async def test_only_the_holding_counter_or_a_supervisor_without_one_acts_on_a_ticket(
        loket: Loket) -> None:
    ticket, _ = await tickets.issue_ticket(loket, "KTP", None)
    siti = await at_counter(loket, "siti", "A1")
    budi = await at_counter(loket, "budi", "A2")
    await tickets.call_next(loket, "A1", siti)

    with pytest.raises(Forbidden) as other:
        await tickets.finish(loket, ticket["id"], budi)
    assert other.value.code == "not_your_ticket"
    assert (await stored(loket, ticket["id"])).status == "called"

    supervisor = await at_counter(loket, "kepala", None)
    returned = await tickets.return_to_queue(loket, ticket["id"], supervisor)
    assert returned["status"] == "waiting" and returned["counter"] is None
    assert (await stored(loket, ticket["id"])).counter_id is None
