"""In-process fan-out of committed events to subscribers, in sequence order, with bounded
queues.

The hub keeps one cursor: the highest sequence number it has delivered. It delivers an event
only when it is the next one after the cursor, so subscribers see every event once and in
order, whichever way it arrived (a local commit, a NOTIFY from another process, a catch-up
read of the events table). When a batch does not follow on from the cursor (another process
committed in between, or two local commits finished out of order) the hub does not guess: it
asks its feed (``on_gap``) to read the missing rows from the events table.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from queue_server.store.db import StoredEvent

#: Per-subscriber queue length; a subscriber further behind than this is cut off.
DEFAULT_MAXSIZE = 1000


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event as every subscriber receives it, encoded once for all of them."""

    seq: int
    type: str
    topics: frozenset[str]
    text: str
    event: StoredEvent


Encoder = Callable[[StoredEvent], dict[str, Any]]


def default_message(event: StoredEvent) -> dict[str, Any]:
    return event.message()


class Mailbox:
    """A bounded FIFO of envelopes for one subscriber, without the waiters, locks and events
    of :class:`asyncio.Queue` (thousands exist at once; the subscription does the waiting)."""

    __slots__ = ("_items", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self._items: deque[Envelope] = deque()
        self.maxsize = maxsize

    def put_nowait(self, envelope: Envelope) -> None:
        if len(self._items) >= self.maxsize:
            raise asyncio.QueueFull
        self._items.append(envelope)

    def get_nowait(self) -> Envelope:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class Subscription:
    __slots__ = ("_waiter", "hub", "overflowed", "queue", "topics")

    def __init__(self, hub: Hub, topics: frozenset[str], maxsize: int) -> None:
        self.hub = hub
        self.topics = topics
        self.queue = Mailbox(maxsize)
        #: set when the subscriber fell behind; it must reconnect and replay with ``since``
        self.overflowed = False
        #: the one future a waiting :meth:`get` sleeps on; the hub resolves it on delivery
        self._waiter: asyncio.Future[None] | None = None

    def wants(self, event: StoredEvent | Envelope) -> bool:
        return not self.topics.isdisjoint(event.topics)

    async def get(self, timeout: float | None = None) -> Envelope | None:
        """The next envelope, or ``None`` after ``timeout`` seconds or once cut off.

        A queued envelope is returned without suspending; otherwise one future is awaited.
        With thousands of subscribers per event this is the per-client cost, so no task is
        created per call (``asyncio.wait`` on two tasks cost a quarter of the fan-out)."""
        if self.overflowed:
            return None
        if self.queue.empty():
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                async with asyncio.timeout(timeout):
                    await waiter
            except TimeoutError:
                return None
            finally:
                self._waiter = None
            if self.overflowed or self.queue.empty():
                return None
        return self.queue.get_nowait()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        self.hub._remove(self)

    def _overflow(self) -> None:
        self.overflowed = True
        self._wake()
        self.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub:
    """Delivers each event once, in sequence order, to every subscription that follows one
    of its topics.

    A subscriber that cannot keep up is cut off (``overflowed``) instead of growing an
    unbounded queue; it recovers by reconnecting with the last sequence it saw.
    """

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE, *,
                 encoder: Encoder = default_message) -> None:
        self.maxsize = maxsize
        self.encoder = encoder
        #: highest seq delivered; ``None`` until the first delivery or :meth:`start_at`
        self.cursor: int | None = None
        #: called when a batch leaves a gap after the cursor (the feed reads the table)
        self.on_gap: Callable[[], None] | None = None
        self._subscriptions: set[Subscription] = set()
        #: topic → its subscriptions, so an event for one phone's ticket touches that phone
        #: only, not every connected client
        self._by_topic: dict[str, set[Subscription]] = {}
        self.delivered = 0
        #: subscriptions dropped for a full queue
        self.overflows = 0
        #: clients closed for being too slow (counted by the transport, e.g. /ws)
        self.cut_off = 0

    def start_at(self, seq: int) -> None:
        """Everything up to ``seq`` is history (clients replay it from the table)."""
        if self.cursor is None or seq > self.cursor:
            self.cursor = seq

    def subscribe(self, topics: Iterable[str], maxsize: int | None = None) -> Subscription:
        sub = Subscription(self, frozenset(topics), maxsize or self.maxsize)
        self._subscriptions.add(sub)
        for topic in sub.topics:
            self._by_topic.setdefault(topic, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub not in self._subscriptions:
            return
        self._subscriptions.discard(sub)
        for topic in sub.topics:
            followers = self._by_topic.get(topic)
            if followers is not None:
                followers.discard(sub)
                if not followers:
                    del self._by_topic[topic]

    async def publish(self, events: list[StoredEvent]) -> None:
        """After a local commit: deliver at once if the batch follows on from the cursor,
        else leave it to the feed, which reads the events table in order."""
        self.deliver(events)

    def deliver(self, events: Iterable[StoredEvent], *, from_table: bool = False) -> int:
        """Deliver the events that follow on from the cursor, in order; returns how many.

        Events at or below the cursor are duplicates and skipped. At the first gap the rest
        is left alone and ``on_gap`` is called (without a feed the gap is accepted, which is
        right for a single process where nothing else writes). Rows read from the table
        (``from_table``) are the truth: a hole there (pruned history) is accepted.
        """
        count = 0
        for event in sorted(events, key=lambda e: e.seq):
            if self.cursor is not None and event.seq <= self.cursor:
                continue
            if (self.cursor is not None and event.seq != self.cursor + 1 and self.on_gap
                    and not from_table):
                self.on_gap()
                break
            self._fan_out(event)
            self.cursor = event.seq
            count += 1
        return count

    def _fan_out(self, event: StoredEvent) -> None:
        topics = frozenset(event.topics)
        envelope: Envelope | None = None
        # A subscription following several of the event's topics still gets it once.
        followers = set().union(*(self._by_topic.get(topic, ()) for topic in topics))
        for sub in followers:
            if sub.overflowed:
                continue
            if envelope is None:
                text = json.dumps(self.encoder(event), ensure_ascii=False, default=str)
                envelope = Envelope(event.seq, event.type, topics, text, event)
            try:
                sub.queue.put_nowait(envelope)
            except asyncio.QueueFull:
                sub._overflow()
                self.overflows += 1
            else:
                sub._wake()
        self.delivered += 1

    def encode(self, event: StoredEvent) -> Envelope:
        text = json.dumps(self.encoder(event), ensure_ascii=False, default=str)
        return Envelope(event.seq, event.type, frozenset(event.topics), text, event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
