"""WA SMART MPP end to end: a real server, the Probolinggo site with ``[whatsapp]`` pointed at
a local fake Cloud API, signed webhooks in, ``messages`` requests out — on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.channels.base import sign
from queue_server.site import DEMO_SITE
from queue_server.store import tables as t
from queue_server.store.db import create_engine
from tests.conftest import MONDAY_MORNING
from tests.support.fake_whatsapp import FakeCloudApi, fake_cloud_api
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in
from tests.support.waiting import wait_until

APP_SECRET = "uji-app-secret"
VERIFY_TOKEN = "uji-verify-token"
TOKEN = "uji-access-token"
PHONE_ID = "109876543210"
VISITOR = "6281234567890"
PUBLIC_URL = "https://mpp.example"
WEBHOOK = "/api/v1/channels/whatsapp/webhook"
ENV = {"LOKET_WHATSAPP_TOKEN": TOKEN, "LOKET_WHATSAPP_APP_SECRET": APP_SECRET,
       "LOKET_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN, "LOKET_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def fake() -> Iterator[FakeCloudApi]:
    with fake_cloud_api() as api:
        yield api


@pytest.fixture
def site_file(tmp_path: Path, fake: FakeCloudApi) -> Path:
    """The Probolinggo demo site with its WhatsApp number sending to the fake."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    text += (f'\n[whatsapp]\napi_base_url = "{fake.url}/v21.0"\n'
             f'phone_number_id = "{PHONE_ID}"\nnumber = "6282100000000"\n')
    path = tmp_path / "probolinggo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def serve(database_url: str, site_file: Path, tmp_path: Path) -> AbstractContextManager[Server]:
    return start_server(database_url, site_file, tmp_path, clock=MONDAY_MORNING, extra_env=ENV,
                        timeout_s=60)


def inbound(text: str, wamid: str | None = None, phone: str = VISITOR) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6282100000000", "phone_number_id": PHONE_ID},
            "contacts": [{"profile": {"name": "Warga"}, "wa_id": phone}],
            "messages": [{"from": phone, "id": wamid or f"wamid.{secrets.token_hex(8)}",
                          "timestamp": "1764000000", "type": "text",
                          "text": {"body": text}}]}}]}]}).encode()


def post_signed(server: Server, body: bytes, secret: str | None = APP_SECRET) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-hub-signature-256"] = sign(secret, body)
    return httpx.post(server.url + WEBHOOK, content=body, headers=headers, timeout=30)


def query(database_url: str, statement: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(statement)).all())
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def count(database_url: str, table: Any) -> int:
    return int(query(database_url, select(func.count()).select_from(table))[0][0])


def texts_to(fake: FakeCloudApi, phone: str = VISITOR) -> list[str]:
    return [r.text for r in fake.accepted(phone)]


def all_settled(database_url: str) -> bool:
    """Every outbox row has left ``pending``/``sending``."""
    rows = query(database_url, select(t.wa_outbox.c.state))
    return bool(rows) and all(r.state not in ("pending", "sending") for r in rows)


# --- the tests -----------------------------------------------------------------------------


def test_the_webhook_verification_echoes_the_challenge_for_the_right_token(
        database_url: str, site_file: Path, tmp_path: Path) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        ok = httpx.get(server.url + WEBHOOK, params={
            "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444"}, timeout=30)
        wrong = httpx.get(server.url + WEBHOOK, params={
            "hub.mode": "subscribe", "hub.verify_token": "tebakan",
            "hub.challenge": "1158201444"}, timeout=30)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "bad_verify_token"


def test_a_signed_syarat_ktp_is_answered_with_the_ktp_el_requirements(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        body = inbound("syarat ktp", wamid="wamid.ktp-1")
        answer = post_signed(server, body)
        assert answer.status_code == 200, answer.text
        # Meta delivers a webhook again when unsure: it is stored and answered once.
        assert post_signed(server, body).json()["answered"] == 0
        replies = wait_until(lambda: texts_to(fake), what="the reply")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
        metrics = httpx.get(server.url + "/metrics", timeout=30).text
    assert len(texts_to(fake)) == 1
    assert 'loket_whatsapp_outbox{state="sent"} 1.0' in metrics
    assert 'loket_whatsapp_outbox{state="pending"} 0.0' in metrics
    reply = replies[0]
    assert "Perekaman dan Pencetakan KTP-el" in reply
    assert "Berusia 17 tahun atau sudah/pernah kawin" in reply
    assert "Kartu Keluarga (asli atau fotokopi)" in reply
    assert "Tidak dipungut biaya" in reply and "Loket 1 Dispendukcapil" in reply
    assert f"{PUBLIC_URL}/booking?service=KTP-EL" in reply
    request = fake.accepted(VISITOR)[0]
    assert request.path == f"/v21.0/{PHONE_ID}/messages"
    assert request.authorization == f"Bearer {TOKEN}"
    assert request.body["messaging_product"] == "whatsapp" and request.body["type"] == "text"
    stored = query(database_url, select(t.wa_inbound.c.intent, t.wa_inbound.c.topic))
    assert [(r.intent, r.topic) for r in stored] == [("service", "KTP-EL")]


def test_an_unsigned_or_wrongly_signed_message_is_refused_and_nothing_is_stored(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    with serve(database_url, site_file, tmp_path) as server:
        unsigned = post_signed(server, inbound("syarat ktp"), secret=None)
        forged = post_signed(server, inbound("syarat ktp"), secret="bukan-rahasianya")
        # A signed one afterwards goes through, so the two above were judged, not lost.
        post_signed(server, inbound("jam"))
        wait_until(lambda: texts_to(fake), what="the reply to the signed message")
    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert unsigned.json()["error"]["code"] == "bad_signature"
    assert count(database_url, t.wa_inbound) == 1
    assert count(database_url, t.wa_outbox) == 1
    assert "Jam pelayanan" in texts_to(fake)[0]


def test_a_called_ticket_sends_exactly_one_notification(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    add_users(database_url, site_file, {"siti": "officer"})
    with serve(database_url, site_file, tmp_path) as server:
        ticket = httpx.post(server.url + "/api/v1/tickets", json={"service": "KTP-EL"},
                            timeout=30).json()["ticket"]
        post_signed(server, inbound(f"KABARI {ticket['id']} {ticket['visitor_key']}"))
        wait_until(lambda: any("kami akan mengabari" in x for x in texts_to(fake)),
                   what="the subscription's confirmation")
        headers = sign_in(server.url, "siti", "A1")
        called = httpx.post(server.url + "/api/v1/counters/A1/call", headers=headers,
                            timeout=30)
        assert called.json()["ticket"]["id"] == ticket["id"]
        wait_until(lambda: any("dipanggil ke" in x for x in texts_to(fake)),
                   what="the call notification")
        finish = httpx.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish",
                            headers=headers, timeout=30)
        assert finish.status_code == 200, finish.text
        wait_until(lambda: any("Survei" in x for x in texts_to(fake)), what="the survey link")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    calls = [x for x in texts_to(fake) if "dipanggil ke" in x]
    assert calls == [f"Nomor *{ticket['number']}* dipanggil ke *Loket 1 Dispendukcapil*. "
                     "Silakan menuju loket."]
    survey = [x for x in texts_to(fake) if "Survei" in x]
    assert len(survey) == 1
    assert f"{PUBLIC_URL}/t/{ticket['id']}/survey?k={ticket['visitor_key']}" in survey[0]


def test_three_ahead_is_told_once_as_the_queue_moves(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    add_users(database_url, site_file, {"siti": "officer"})
    with serve(database_url, site_file, tmp_path) as server:
        issued = [httpx.post(server.url + "/api/v1/tickets", json={"service": "KTP-EL"},
                             timeout=30).json()["ticket"] for _ in range(6)]
        mine = issued[-1]  # five ahead
        post_signed(server, inbound(f"kabari {mine['id']} {mine['visitor_key']}"))
        wait_until(lambda: texts_to(fake), what="the confirmation")
        headers = sign_in(server.url, "siti", "A1")
        for _ in range(4):  # 5 → 4 → 3 → 2 → 1 ahead
            previous = httpx.post(server.url + "/api/v1/counters/A1/call", headers=headers,
                                  timeout=30).json()["ticket"]
            httpx.post(f"{server.url}/api/v1/tickets/{previous['id']}/finish",
                       headers=headers, timeout=30)
        wait_until(lambda: any(x.startswith("Antrean") for x in texts_to(fake)),
                   what="the three-ahead notice")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    near = [x for x in texts_to(fake) if x.startswith("Antrean")]
    assert len(near) == 1
    assert mine["number"] in near[0]


def test_a_gateway_that_fails_then_recovers_sends_once_even_across_a_restart(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    fake.fail_next = 2
    with serve(database_url, site_file, tmp_path) as server:
        started = httpx.get(server.url + "/healthz", timeout=30)
        assert started.status_code == 200
        answer = post_signed(server, inbound("paspor", wamid="wamid.paspor-1"))
        assert answer.status_code == 200  # the webhook never waits for the gateway
        wait_until(lambda: fake.refused(), what="the first refused send")
        rows = wait_until(lambda: query(database_url, select(t.wa_outbox).where(
            t.wa_outbox.c.state == "pending", t.wa_outbox.c.attempts >= 1)),
            what="the message waiting for its retry")
        assert "HTTP 500" in (rows[0].error or "")
    # The server stops with the message still owed; a new process picks it up.
    with serve(database_url, site_file, tmp_path) as server:
        post_signed(server, inbound("paspor", wamid="wamid.paspor-1"))  # Meta retries too
        wait_until(lambda: texts_to(fake), timeout_s=90, what="the message after recovery")
        wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    assert len(fake.refused()) == 2
    sent = texts_to(fake)
    assert len(sent) == 1 and "Paspor" in sent[0]
    row = query(database_url, select(t.wa_outbox))[0]
    assert (row.state, row.attempts, row.provider_id) == ("sent", 3, "wamid.fake-3")


def test_a_stalled_provider_never_holds_up_issuing_calling_or_the_webhook(
        database_url: str, site_file: Path, tmp_path: Path, fake: FakeCloudApi) -> None:
    add_users(database_url, site_file, {"siti": "officer"})
    fake.hold = threading.Event()
    try:
        with serve(database_url, site_file, tmp_path) as server:
            ticket = httpx.post(server.url + "/api/v1/tickets", json={"service": "KTP-EL"},
                                timeout=30).json()["ticket"]
            answer = post_signed(server, inbound(f"KABARI {ticket['id']} "
                                                 f"{ticket['visitor_key']}"))
            assert answer.status_code == 200
            wait_until(lambda: fake.in_flight == 1, what="the reply stuck at the provider")
            # While that send hangs, the office works as usual.
            other = httpx.post(server.url + "/api/v1/tickets", json={"service": "KTP-EL"},
                               timeout=30)
            called = httpx.post(server.url + "/api/v1/counters/A1/call",
                                headers=sign_in(server.url, "siti", "A1"), timeout=30)
            again = post_signed(server, inbound("jam"))
            assert (other.status_code, called.status_code, again.status_code) == (201, 200, 200)
            assert fake.in_flight == 1 and fake.accepted() == []  # still hanging
            fake.hold.set()
            wait_until(lambda: any("dipanggil ke" in x for x in texts_to(fake)),
                       what="the call notification after the provider recovers")
            wait_until(lambda: all_settled(database_url), what="the outbox to settle")
    finally:
        fake.hold.set()
    sent = texts_to(fake)
    assert len(sent) == 3 and len(set(sent)) == 3
