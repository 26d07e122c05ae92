"""In-process fan-out of committed events to subscribers, with bounded queues."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from queue_server.store.db import StoredEvent


class Subscription:
    def __init__(self, hub: Hub, topics: frozenset[str], maxsize: int) -> None:
        self.hub = hub
        self.topics = topics
        self.queue: asyncio.Queue[StoredEvent] = asyncio.Queue(maxsize=maxsize)
        #: set when the subscriber fell behind; it must reconnect and replay with ``since``
        self.overflowed = False

    def wants(self, event: StoredEvent) -> bool:
        return not self.topics.isdisjoint(event.topics)

    def close(self) -> None:
        self.hub._subscriptions.discard(self)


class Hub:
    """Delivers each event once to every subscription that follows one of its topics.

    A subscriber that cannot keep up is cut off (``overflowed``) instead of growing an
    unbounded queue; it recovers by reconnecting with the last sequence it saw.
    """

    def __init__(self, maxsize: int = 1000) -> None:
        self.maxsize = maxsize
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        sub = Subscription(self, frozenset(topics), self.maxsize)
        self._subscriptions.add(sub)
        return sub

    async def publish(self, events: list[StoredEvent]) -> None:
        for event in events:
            for sub in list(self._subscriptions):
                if sub.overflowed or not sub.wants(event):
                    continue
                try:
                    sub.queue.put_nowait(event)
                except asyncio.QueueFull:
                    sub.overflowed = True
                    sub.close()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
