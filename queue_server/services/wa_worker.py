"""One round of the WhatsApp outbox worker (started by ``services/jobs.py``): give up
abandoned claims, claim what is due, send it at the provider's pace, record the outcome.

The provider's rate limit is per sending number, not per process: only one process at a time
sends for a number (the others' rounds pass), so two servers never send at twice the pace."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import zlib

from queue_server.domain.delivery import TokenBucket
from queue_server.services.wa_outbox import claim_due, record_result, recover_abandoned
from queue_server.services.whatsapp import WhatsAppDesk
from queue_server.store.dialect import one_process_at_a_time

log = logging.getLogger("loket.whatsapp")

#: Messages claimed at once. Small on purpose: the last of a batch is sent at most
#: BATCH × (send timeout 15 s + pacing) after its claim, which must stay well inside the claim
#: lease (``wa_outbox.CLAIM_LEASE_S``, 120 s), or another process would count it abandoned.
BATCH = 5
#: Advisory lock keys of the sending turn: namespace << 32 | a checksum of the number.
_TURN_NAMESPACE = 0x3A5E


def turn_key(account: str) -> int:
    """The lock key for sending from ``account`` (the provider's URL and number id)."""
    return (_TURN_NAMESPACE << 32) | zlib.crc32(account.encode())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class Sender:
    def __init__(self, desk: WhatsAppDesk, messages_per_second: int, account: str = "") -> None:
        self.desk = desk
        self.turn = turn_key(account)
        self.bucket = TokenBucket(rate=float(messages_per_second),
                                  burst=float(messages_per_second))
        self.name = worker_name()

    async def round(self) -> int:
        """Send what is due now, if no other process is sending from the same number;
        returns how many were sent."""
        async with one_process_at_a_time(self.desk.loket.db.engine, self.turn) as mine:
            return await self._send_due() if mine else 0

    async def _send_due(self) -> int:
        loket = self.desk.loket
        await recover_abandoned(loket)
        sent = 0
        for _ in range(100):  # bounded: at most 100 batches in one round
            batch = await claim_due(loket, self.name, BATCH)
            if not batch:
                break
            for message in batch:
                await self._pace()
                result = await self.desk.channel.send(message.phone, message.body,
                                                     message.template)
                state = await record_result(loket, message, result)
                if state == "sent":
                    sent += 1
                elif result.error:
                    log.warning("WhatsApp message %s: %s (%s)", message.id, state,
                                result.error)
        return sent

    async def _pace(self) -> None:
        for _ in range(1000):
            wait = self.bucket.wait_s(time.monotonic())
            if wait <= 0:
                return
            await asyncio.sleep(wait)
