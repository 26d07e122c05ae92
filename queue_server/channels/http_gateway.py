"""A plain HTTP gateway, the shape many Indonesian WhatsApp gateway providers offer:
outbound ``POST {api_base_url}/messages {"to", "text"}`` with a Bearer token answering
``{"id"}``; inbound ``POST`` of ``{"id", "from", "text"}`` or ``{"status": {"id", "status"}}``
signed ``X-Signature: sha256=HMAC-SHA256(app_secret, body)``. An office whose provider speaks
another dialect writes one more adapter like this one."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from queue_server.channels.base import (
    DeliveryStatus,
    Inbound,
    SendResult,
    Template,
    hmac_matches,
)
from queue_server.channels.http_result import from_error, from_response

SIGNATURE_HEADER = "x-signature"


class HttpGateway:
    name = "http"

    def __init__(self, api_base_url: str, *, token: str, app_secret: str,
                 timeout_s: float = 15.0) -> None:
        self._url = f"{api_base_url.rstrip('/')}/messages"
        self._token = token
        self._app_secret = app_secret
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0))

    def signature_ok(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return hmac_matches(self._app_secret, body, headers.get(SIGNATURE_HEADER))

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        return None  # the gateway is configured by hand; it has no verification handshake

    def parse(self, body: bytes) -> tuple[list[Inbound], list[DeliveryStatus]]:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a gateway body")
        status = data.get("status")
        if isinstance(status, dict) and status.get("id") and status.get("status"):
            return [], [DeliveryStatus(str(status["id"])[:128], str(status["status"])[:12],
                                       str(status["error"]) if status.get("error") else None)]
        if data.get("id") and data.get("from"):
            return [Inbound(str(data["id"])[:128], str(data["from"])[:32],
                            str(data.get("text", ""))[:2000])], []
        raise ValueError("neither a message nor a status")

    async def send(self, phone: str, text: str,
                   template: Template | None = None) -> SendResult:
        # Gateways have no 24-hour window and no templates: the text always goes.
        try:
            response = await self._client.post(
                self._url, json={"to": phone, "text": text},
                headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:
            return from_error(exc)
        try:
            found = response.json().get("id")
        except (ValueError, AttributeError):
            found = None
        return from_response(response, str(found) if found else None)

    async def aclose(self) -> None:
        await self._client.aclose()
