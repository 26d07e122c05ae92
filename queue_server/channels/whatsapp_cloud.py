"""Meta's WhatsApp Business Cloud API: webhook verification, signed inbound messages and
delivery statuses, outbound ``POST {api_base_url}/{phone_number_id}/messages``."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from queue_server.channels.base import (
    DeliveryStatus,
    Inbound,
    SendResult,
    Template,
    hmac_matches,
)
from queue_server.channels.http_result import from_error, from_response

SIGNATURE_HEADER = "x-hub-signature-256"


class WhatsAppCloud:
    name = "cloud"

    def __init__(self, api_base_url: str, phone_number_id: str, *, token: str,
                 app_secret: str, verify_token: str, timeout_s: float = 15.0) -> None:
        self._url = f"{api_base_url.rstrip('/')}/{phone_number_id}/messages"
        self._token = token
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0))

    def signature_ok(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return hmac_matches(self._app_secret, body, headers.get(SIGNATURE_HEADER))

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        token = params.get("hub.verify_token", "")
        if (params.get("hub.mode") == "subscribe" and self._verify_token
                and hmac.compare_digest(token.encode(), self._verify_token.encode())):
            return params.get("hub.challenge", "")
        return None

    def parse(self, body: bytes) -> tuple[list[Inbound], list[DeliveryStatus]]:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
            raise ValueError("not a WhatsApp webhook body")
        inbound: list[Inbound] = []
        statuses: list[DeliveryStatus] = []
        for entry in data["entry"]:
            for change in _list(entry, "changes"):
                value = change.get("value") if isinstance(change, dict) else None
                if not isinstance(value, dict):
                    continue
                inbound += [m for m in map(_message, _list(value, "messages")) if m]
                statuses += [s for s in map(_status, _list(value, "statuses")) if s]
        return inbound, statuses

    async def send(self, phone: str, text: str,
                   template: Template | None = None) -> SendResult:
        body: dict[str, Any] = {"messaging_product": "whatsapp",
                                "recipient_type": "individual", "to": phone}
        if template is None:
            body |= {"type": "text", "text": {"preview_url": True, "body": text}}
        else:
            body |= {"type": "template", "template": template_object(template)}
        try:
            response = await self._client.post(
                self._url, json=body, headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:
            return from_error(exc)
        provider_id = None
        try:
            messages = response.json().get("messages") or []
            provider_id = str(messages[0]["id"]) if messages else None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            pass
        return from_response(response, provider_id)

    async def aclose(self) -> None:
        await self._client.aclose()


def template_object(template: Template) -> dict[str, Any]:
    """The Cloud API's ``template`` object: the approved name and language, and the body's
    positional parameters as text."""
    found: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if template.parameters:
        found["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": p} for p in template.parameters]}]
    return found


def _list(table: Any, key: str) -> list[Any]:
    value = table.get(key) if isinstance(table, dict) else None
    return value if isinstance(value, list) else []


def _message(item: Any) -> Inbound | None:
    if not isinstance(item, dict) or not item.get("id") or not item.get("from"):
        return None
    kind = item.get("type")
    text = ""
    if kind == "text":
        text = str((item.get("text") or {}).get("body", ""))
    elif kind == "interactive":  # a tapped button or list row: its title is the answer
        reply = item.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        text = str(chosen.get("id") or chosen.get("title") or "")
    elif kind == "button":
        text = str((item.get("button") or {}).get("text", ""))
    return Inbound(str(item["id"])[:128], str(item["from"])[:32], text[:2000])


def _status(item: Any) -> DeliveryStatus | None:
    if not isinstance(item, dict) or not item.get("id") or not item.get("status"):
        return None
    errors = item.get("errors")
    error = None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        error = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip()
    return DeliveryStatus(str(item["id"])[:128], str(item["status"])[:12], error)
