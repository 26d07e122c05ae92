"""The seam every messaging provider sits behind (docs/whatsapp.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class Inbound:
    """A message a visitor sent: the provider's id makes it once-only."""

    provider_id: str
    phone: str
    text: str


@dataclass(frozen=True)
class DeliveryStatus:
    """What the provider says became of a message we sent (sent, delivered, read, failed)."""

    provider_id: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Template:
    """A message template the office had approved at Meta, filled for one message: the only
    way the Cloud API delivers a business-initiated message to someone who has not written in
    the last 24 hours (docs/whatsapp.md, "Templates")."""

    name: str
    #: the language code the template was approved in (``id``, ``en``, ``en_US`` …)
    language: str
    #: the body's {{1}}, {{2}} … in order, each one line
    parameters: tuple[str, ...]


class Outcome(Enum):
    #: the provider took the message
    SENT = "sent"
    #: the provider surely did not take it (refused connection, 429, 5xx): try again later
    RETRY = "retry"
    #: the provider refused it for good (bad number, outside the reply window)
    FAILED = "failed"
    #: the request may or may not have reached the provider (cut off mid-answer)
    IN_DOUBT = "in_doubt"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None


class Channel(Protocol):
    """One provider: parse and authenticate what it posts to us, send what we say."""

    name: str

    def signature_ok(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether ``body`` carries the provider's valid signature."""
        ...

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        """The challenge to echo for a webhook verification request, or ``None``."""
        ...

    def parse(self, body: bytes) -> tuple[list[Inbound], list[DeliveryStatus]]:
        """The messages and delivery statuses in a (verified) webhook body; raises
        ``ValueError`` for a body that is not the provider's shape."""
        ...

    async def send(self, phone: str, text: str,
                   template: Template | None = None) -> SendResult:
        """Send one message; never raises for a network or provider failure. A provider
        that knows templates sends ``template`` when given; the others send ``text``."""
        ...

    async def aclose(self) -> None: ...


def hmac_matches(secret: str, body: bytes, header: str | None) -> bool:
    """``header`` is ``sha256=<hex of HMAC-SHA256(secret, body)>``, compared in constant
    time; a missing secret never matches."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def sign(secret: str, body: bytes) -> str:
    """The header value a provider would send (used by tests and the fake gateway)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
