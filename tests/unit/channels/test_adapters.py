"""Both adapters behind the one channel seam: signatures, verification, parsing."""

from __future__ import annotations

import json

import pytest

from queue_server.channels.base import Channel, sign
from queue_server.channels.http_gateway import HttpGateway
from queue_server.channels.whatsapp_cloud import WhatsAppCloud

SECRET = "app-secret"


def cloud() -> WhatsAppCloud:
    return WhatsAppCloud("http://127.0.0.1:9", "1234", token="t", app_secret=SECRET,
                         verify_token="verify-me")


def cloud_body(text: str, wamid: str = "wamid.1") -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "messages": [{"from": "6281234567890", "id": wamid, "timestamp": "1",
                          "type": "text", "text": {"body": text}}],
            "statuses": [{"id": "wamid.out", "status": "failed", "recipient_id": "62",
                          "errors": [{"code": 131047, "title": "Re-engagement message"}]}],
        }}]}]}).encode()


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256=00", "md5=abc",
                                    sign("another-secret", cloud_body("x"))])
def test_a_missing_or_wrong_signature_is_refused(header: str | None) -> None:
    headers = {} if header is None else {"x-hub-signature-256": header}
    assert not cloud().signature_ok(cloud_body("x"), headers)


def test_the_right_signature_over_the_exact_bytes_is_accepted() -> None:
    body = cloud_body("syarat ktp")
    assert cloud().signature_ok(body, {"x-hub-signature-256": sign(SECRET, body)})
    assert not cloud().signature_ok(body + b" ", {"x-hub-signature-256": sign(SECRET, body)})


def test_an_empty_app_secret_never_matches() -> None:
    channel = WhatsAppCloud("http://x", "1", token="t", app_secret="", verify_token="v")
    assert not channel.signature_ok(b"{}", {"x-hub-signature-256": sign("", b"{}")})


def test_webhook_verification_echoes_the_challenge_only_for_the_right_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    assert cloud().verify_subscription(params) == "42"
    assert cloud().verify_subscription({**params, "hub.verify_token": "nope"}) is None
    assert cloud().verify_subscription({**params, "hub.mode": "unsubscribe"}) is None


def test_cloud_bodies_give_messages_and_delivery_statuses() -> None:
    messages, statuses = cloud().parse(cloud_body("syarat ktp"))
    assert [(m.provider_id, m.phone, m.text) for m in messages] == [
        ("wamid.1", "6281234567890", "syarat ktp")]
    assert statuses[0].status == "failed" and "131047" in (statuses[0].error or "")


def test_a_body_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError):
        cloud().parse(b"[]")


def test_the_plain_gateway_fits_the_same_seam() -> None:
    gateway: Channel = HttpGateway("http://127.0.0.1:9", token="t", app_secret=SECRET)
    body = json.dumps({"id": "g-1", "from": "628111", "text": "jam"}).encode()
    assert gateway.signature_ok(body, {"x-signature": sign(SECRET, body)})
    assert not gateway.signature_ok(body, {})
    messages, statuses = gateway.parse(body)
    assert messages[0].text == "jam" and statuses == []
    _, statuses = gateway.parse(json.dumps({"status": {"id": "g-9", "status": "delivered"}}
                                           ).encode())
    assert statuses[0].status == "delivered"
    assert gateway.verify_subscription({"hub.mode": "subscribe"}) is None
