"""The WhatsApp worker's batch against the claim lease."""

from __future__ import annotations

from queue_server.services.wa_outbox import CLAIM_LEASE_S
from queue_server.services.wa_worker import BATCH


def test_a_whole_claimed_batch_is_sent_well_inside_the_claim_lease() -> None:
    send_timeout_s = 15.0 + 5.0  # the adapters' read timeout plus their connect timeout
    assert BATCH * (send_timeout_s + 1.0) < CLAIM_LEASE_S
