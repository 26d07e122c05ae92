"""What an officer does with a ticket the counter holds (recall, start, finish, no-show,
return to the queue), for a batch of requests in one writing transaction (see
``group_commit.py``).

The outcome is that of the requests one after another in arrival order: each is checked
against the ticket as the earlier requests of the batch left it (a second "finish" of the
same ticket is refused as it would be alone), a refusal stays with its request, and each
ticket's row is written once with its last state. The cost is per batch: one locking read of
the tickets, one update, one event-sequence bump.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update

from queue_server.domain.errors import DomainError, Forbidden, NotFound
from queue_server.domain.tickets import Ticket
from queue_server.services.access import oversees_counters
from queue_server.services.context import Actor, Loket
from queue_server.services.ticket_events import emit_ticket
from queue_server.services.ticket_rows import select_tickets, to_domain
from queue_server.store import tables as t
from queue_server.store.db import Tx
from queue_server.store.dialect import locking


@dataclass(frozen=True)
class Request:
    ticket_id: str
    actor: Actor
    event_type: str
    #: the domain rule: the ticket before → the ticket after (raises when not allowed)
    change: Callable[[Ticket, datetime], Ticket]
    now: datetime
    #: more to write in the same transaction once the ticket is saved (a transfer's record)
    extra: Callable[[Tx, Ticket, Ticket], Awaitable[None]] | None = None


async def act_batch(loket: Loket, requests: list[Request]) -> list[Ticket | Exception]:
    """Each request's ticket after its action, or its refusal, in order."""
    async with loket.db.write(loket.ids.site, max(r.now for r in requests)) as tx:
        return await _act(tx, loket, requests)


async def _act(tx: Tx, loket: Loket, requests: list[Request]) -> list[Ticket | Exception]:
    tk = t.tickets
    ids = sorted({r.ticket_id for r in requests})
    # In id order: two processes locking overlapping batches lock in the same order.
    rows = (await tx.conn.execute(locking(tx.conn, select_tickets().where(
        tk.c.site_id == loket.ids.site, tk.c.id.in_(ids)).order_by(tk.c.id)))).all()
    stored = {row.id: to_domain(loket, row) for row in rows}
    current = dict(stored)
    outcomes: list[Ticket | Exception] = []
    extras: list[tuple[Request, Ticket, Ticket]] = []
    for request in requests:
        try:
            before = current.get(request.ticket_id)
            if before is None:
                raise NotFound("ticket_not_found")
            # The counter holding the ticket acts on it; a supervisor signed in without a
            # counter may clear up a ticket left at a closed counter.
            holds = before.counter is not None and request.actor.counter == before.counter
            if not (holds or oversees_counters(request.actor)):
                raise Forbidden("not_your_ticket")
            after = request.change(before, request.now)
        except Exception as exc:  # this request's refusal is its own
            outcomes.append(exc)
            continue
        current[after.id] = after
        if request.extra is not None:
            extras.append((request, before, after))
        emit_ticket(tx, loket, request.event_type, after if after.counter else before,
                    status=after.status.value)
        outcomes.append(after)
    changed = [(stored[i], current[i]) for i in ids
               if i in stored and current[i] is not stored[i]]
    if changed:
        await _store(tx, loket, changed)
    for request, before, after in extras:
        assert request.extra is not None
        await request.extra(tx, before, after)
    return outcomes


#: Built once: each changed ticket's row, if it is still as it was read (executemany).
_SAVE = update(t.tickets).where(
    t.tickets.c.id == bindparam("b_id"), t.tickets.c.status == bindparam("b_was"),
).values(status=bindparam("b_status"), service_id=bindparam("b_service"),
         counter_id=bindparam("b_counter"), officer_id=bindparam("b_officer"),
         called_at=bindparam("b_called", type_=t.tickets.c.called_at.type),
         started_at=bindparam("b_started", type_=t.tickets.c.started_at.type),
         finished_at=bindparam("b_finished", type_=t.tickets.c.finished_at.type),
         recall_count=bindparam("b_recalls"), transfer_count=bindparam("b_transfers"))


async def _store(tx: Tx, loket: Loket, changed: list[tuple[Ticket, Ticket]]) -> None:
    result = await tx.conn.execute(_SAVE, [
        {"b_id": after.id, "b_was": before.status.value, "b_status": after.status.value,
         "b_service": loket.ids.services[after.service],
         "b_counter": loket.ids.counters[after.counter] if after.counter else None,
         "b_officer": int(after.officer) if after.officer else None,
         "b_called": after.called_at, "b_started": after.started_at,
         "b_finished": after.finished_at, "b_recalls": after.recall_count,
         "b_transfers": after.transfer_count} for before, after in changed])
    if (tx.conn.dialect.supports_sane_multi_rowcount
            and result.rowcount != len(changed)):  # pragma: no cover - the rows are locked
        raise DomainError("conflict")
