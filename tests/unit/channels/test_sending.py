"""Both adapters sending to a real HTTP server on loopback: what counts as sent, what may be
retried, and what is in doubt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from queue_server.channels.base import Channel, Outcome, Template
from queue_server.channels.http_gateway import HttpGateway
from queue_server.channels.whatsapp_cloud import WhatsAppCloud
from tests.support.fake_whatsapp import FakeCloudApi, fake_cloud_api
from tests.support.servers import free_port


@pytest.fixture
def fake() -> Iterator[FakeCloudApi]:
    with fake_cloud_api() as api:
        yield api


def adapters(base: str, timeout_s: float = 15.0) -> list[Channel]:
    return [WhatsAppCloud(base, "1234", token="tok", app_secret="s", verify_token="v",
                          timeout_s=timeout_s),
            HttpGateway(base, token="tok", app_secret="s", timeout_s=timeout_s)]


async def test_both_adapters_send_with_the_bearer_token_and_keep_the_message_id(
        fake: FakeCloudApi) -> None:
    results = []
    for channel in adapters(fake.url):
        results.append(await channel.send("628111", "halo"))
        await channel.aclose()
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert [r.provider_id for r in results] == ["wamid.fake-1", "g-2"]
    cloud, gateway = fake.accepted()
    assert (cloud.path, gateway.path) == ("/1234/messages", "/messages")
    assert cloud.authorization == gateway.authorization == "Bearer tok"
    assert (cloud.text, gateway.text) == ("halo", "halo")
    assert cloud.body["to"] == gateway.body["to"] == "628111"


async def test_the_cloud_api_sends_a_template_and_a_gateway_the_text(
        fake: FakeCloudApi) -> None:
    template = Template("loket_booking_confirmed", "id", ("KTP-el", "Selasa", "K7MX3P"))
    for channel in adapters(fake.url):
        result = await channel.send("628111", "Pesanan berhasil", template)
        await channel.aclose()
        assert result.outcome is Outcome.SENT
    cloud, gateway = fake.accepted()
    # The Cloud API's shape: type "template", the approved name and language, the body's
    # parameters in order as text.
    assert cloud.body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "628111",
        "type": "template", "template": {
            "name": "loket_booking_confirmed", "language": {"code": "id"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "KTP-el"}, {"type": "text", "text": "Selasa"},
                {"type": "text", "text": "K7MX3P"}]}]}}
    assert gateway.body == {"to": "628111", "text": "Pesanan berhasil"}


async def test_a_server_error_may_be_retried(fake: FakeCloudApi) -> None:
    fake.fail_next = 2
    for channel in adapters(fake.url):
        result = await channel.send("628111", "halo")
        await channel.aclose()
        assert result.outcome is Outcome.RETRY and "HTTP 500" in (result.error or "")


async def test_a_refused_connection_may_be_retried() -> None:
    for channel in adapters(f"http://127.0.0.1:{free_port()}"):
        result = await channel.send("628111", "halo")
        await channel.aclose()
        assert result.outcome is Outcome.RETRY


async def test_an_answer_that_never_comes_leaves_the_send_in_doubt(fake: FakeCloudApi) -> None:
    fake.delay_s = 1.5
    for channel in adapters(fake.url, timeout_s=0.3):
        result = await channel.send("628111", "halo")
        await channel.aclose()
        assert result.outcome is Outcome.IN_DOUBT


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.SENT), (400, Outcome.FAILED), (401, Outcome.FAILED), (404, Outcome.FAILED),
    (429, Outcome.RETRY), (500, Outcome.RETRY), (503, Outcome.RETRY)])
def test_each_answer_maps_to_one_outcome(status: int, outcome: Outcome) -> None:
    import httpx

    from queue_server.channels.http_result import from_response

    answer = httpx.Response(status, json={"error": {"message": "x"}})
    result = from_response(answer, "wamid.1" if status == 200 else None)
    assert result.outcome is outcome
