"""How an HTTP exchange with a provider turns into a ``SendResult``: shared by the adapters so
they agree on what may be retried and what is in doubt."""

from __future__ import annotations

import httpx

from queue_server.channels.base import Outcome, SendResult

#: connection failures before any byte of the request left: the provider has nothing
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def from_response(response: httpx.Response, provider_id: str | None) -> SendResult:
    code = response.status_code
    if 200 <= code < 300 and provider_id:
        return SendResult(Outcome.SENT, provider_id)
    detail = f"HTTP {code}: {response.text[:300]}"
    if code == 429 or code >= 500:
        return SendResult(Outcome.RETRY, error=detail)
    if 200 <= code < 300:  # taken, but the answer lacks the message id
        return SendResult(Outcome.SENT, None, error="no message id in the answer")
    return SendResult(Outcome.FAILED, error=detail)


def from_error(exc: httpx.HTTPError) -> SendResult:
    if isinstance(exc, NOT_SENT):
        return SendResult(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}")
    # A read timeout or a connection dropped mid-answer: the provider may have the message.
    return SendResult(Outcome.IN_DOUBT, error=f"{type(exc).__name__}: {exc}")
