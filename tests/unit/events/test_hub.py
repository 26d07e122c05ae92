"""The hub delivers each event once, in seq order, and cuts off subscribers that fall
behind; gaps are left to the feed that reads the events table."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from queue_server.events.hub import Hub, Mailbox
from queue_server.store.db import StoredEvent

AT = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)


def ev(seq: int, topics: tuple[str, ...] = ("display",)) -> StoredEvent:
    return StoredEvent(1, seq, "ticket.called", AT, topics, {"n": seq})


def drain(queue: Mailbox) -> list[int]:
    seqs = []
    while not queue.empty():
        seqs.append(queue.get_nowait().seq)
    return seqs


async def test_events_at_or_below_the_cursor_are_not_delivered_twice() -> None:
    hub = Hub()
    hub.start_at(3)
    sub = hub.subscribe(["display"])
    await hub.publish([ev(2), ev(3), ev(4)])
    await hub.publish([ev(4), ev(5)])
    assert drain(sub.queue) == [4, 5]


async def test_a_gap_wakes_the_feed_instead_of_delivering_out_of_order() -> None:
    hub = Hub()
    hub.start_at(10)
    woken: list[int] = []
    hub.on_gap = lambda: woken.append(hub.cursor or 0)
    sub = hub.subscribe(["display"])
    await hub.publish([ev(12)])  # 11 was committed by another process
    assert drain(sub.queue) == [] and woken == [10]
    assert hub.deliver([ev(11), ev(12)], from_table=True) == 2
    await hub.publish([ev(12)])  # the late local publish is a duplicate now
    assert drain(sub.queue) == [11, 12]


async def test_subscribers_get_only_their_topics() -> None:
    hub = Hub()
    display = hub.subscribe(["display"])
    ticket = hub.subscribe(["ticket:x"])
    hub.deliver([ev(1, ("display",)), ev(2, ("ticket:x", "display")), ev(3, ("supervisor",))])
    assert drain(display.queue) == [1, 2]
    assert drain(ticket.queue) == [2]


async def test_a_subscriber_that_falls_behind_is_cut_off_and_others_are_not() -> None:
    hub = Hub(maxsize=2)
    slow = hub.subscribe(["display"])
    fast = hub.subscribe(["display"])
    for seq in range(1, 4):
        hub.deliver([ev(seq)])
        drain(fast.queue)
    assert slow.overflowed
    assert await slow.get(timeout=0.01) is None
    assert hub.subscriber_count == 1 and hub.overflows == 1
    hub.deliver([ev(4)])
    assert drain(fast.queue) == [4]


async def test_get_times_out_with_none_when_nothing_comes() -> None:
    sub = Hub().subscribe(["display"])
    assert await sub.get(timeout=0.01) is None


async def test_a_waiting_get_wakes_for_the_next_event_and_returns_the_rest_at_once() -> None:
    hub = Hub()
    sub = hub.subscribe(["display"])
    waiting = asyncio.create_task(sub.get(timeout=30))
    await asyncio.sleep(0)  # the task is now waiting on the subscription
    assert not waiting.done()
    hub.deliver([ev(1), ev(2)])
    first = await asyncio.wait_for(waiting, 5)
    assert first is not None and first.seq == 1
    second = await sub.get(timeout=0)
    assert second is not None and second.seq == 2
    assert await sub.get(timeout=0.01) is None


async def test_a_waiting_subscriber_that_is_cut_off_gets_none_at_once() -> None:
    hub = Hub(maxsize=1)
    sub = hub.subscribe(["display"])
    hub.deliver([ev(1)])
    assert (await sub.get(timeout=0)) is not None
    waiting = asyncio.create_task(sub.get(timeout=30))
    await asyncio.sleep(0)
    # Both arrive before the woken get() runs: the second overflows the queue of one.
    hub.deliver([ev(2), ev(3)])
    assert await asyncio.wait_for(waiting, 5) is None
    assert sub.overflowed and hub.overflows == 1


async def test_an_event_is_encoded_once_for_all_subscribers() -> None:
    calls: list[int] = []

    def encoder(event: StoredEvent) -> dict:
        calls.append(event.seq)
        return event.message()

    hub = Hub(encoder=encoder)
    subs = [hub.subscribe(["display"]) for _ in range(5)]
    hub.deliver([ev(1)])
    assert calls == [1]
    texts = {s.queue.get_nowait().text for s in subs}
    assert len(texts) == 1 and json.loads(texts.pop())["seq"] == 1


@given(st.lists(st.lists(st.integers(1, 30), max_size=6), max_size=20))
def test_whatever_arrives_subscribers_see_a_gapless_increasing_run(
        batches: list[list[int]]) -> None:
    async def run() -> list[int]:
        hub = Hub(maxsize=10_000)
        hub.start_at(0)
        table: list[int] = []
        hub.on_gap = lambda: table.append(-1)  # a feed would read the table here
        sub = hub.subscribe(["display"])
        for batch in batches:
            hub.deliver([ev(s) for s in batch])
            # the feed catching up from the table: everything up to the largest seen
            top = max([hub.cursor or 0, *batch])
            hub.deliver([ev(s) for s in range(1, top + 1)], from_table=True)
        return drain(sub.queue)

    seqs = asyncio.run(run())
    assert seqs == list(range(1, len(seqs) + 1))


async def test_a_subscriber_of_several_of_an_events_topics_gets_it_once() -> None:
    hub = Hub()
    both = hub.subscribe(["display", "service:KTP"])
    other = hub.subscribe(["ticket:abc"])
    await hub.publish([ev(1, ("display", "service:KTP", "ticket:xyz"))])
    assert drain(both.queue) == [1]
    assert drain(other.queue) == []


async def test_closed_subscriptions_leave_nothing_behind_among_thousands_of_phones() -> None:
    hub = Hub()
    phones = [hub.subscribe([f"ticket:{n}"]) for n in range(5000)]
    await hub.publish([ev(1, ("ticket:4321",))])
    assert [n for n, sub in enumerate(phones) if not sub.queue.empty()] == [4321]
    for sub in phones:
        sub.close()
    sub = phones[0]
    sub.close()  # twice is harmless
    assert hub.subscriber_count == 0
    assert hub._by_topic == {}
