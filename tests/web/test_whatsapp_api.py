"""The WhatsApp routes when the channel is off, and the supervisor's figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from queue_server.channels.base import sign
from queue_server.settings import Settings, WhatsAppSecrets
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import PASSWORD

WEBHOOK = "/api/v1/channels/whatsapp/webhook"


def test_without_a_whatsapp_table_the_webhook_is_not_there(client: TestClient) -> None:
    assert client.get(WEBHOOK, params={"hub.mode": "subscribe"}).status_code == 404
    answer = client.post(WEBHOOK, content=b"{}",
                         headers={"x-hub-signature-256": sign("x", b"{}")})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "whatsapp_off"


@pytest.fixture
def half_configured(app_db: str, tmp_path: Path) -> Iterator[TestClient]:
    """``[whatsapp]`` in the site file, but the secrets missing from the environment."""
    site = tmp_path / "site.toml"
    site.write_text(SITE_FILE.read_text(encoding="utf-8") + '\n[whatsapp]\napi_base_url = '
                    '"http://127.0.0.1:9"\nphone_number_id = "1"\n', encoding="utf-8")
    settings = Settings.from_env(database_url=app_db, site_file=site,
                                 clock_start=MONDAY_MORNING,
                                 whatsapp=WhatsAppSecrets(token="t", app_secret="s"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_missing_secret_turns_whatsapp_off_instead_of_half_on(
        half_configured: TestClient) -> None:
    assert half_configured.app.state.whatsapp is None  # type: ignore[attr-defined]
    assert half_configured.post(WEBHOOK, content=b"{}").status_code == 404


def test_secrets_never_show_in_the_settings_repr() -> None:
    secrets = WhatsAppSecrets(token="EAAG-secret", app_secret="app", verify_token="v")
    assert "EAAG-secret" not in repr(Settings(whatsapp=secrets))


def test_the_supervisor_figures_need_a_supervisor(client: TestClient) -> None:
    assert client.get("/api/v1/supervisor/whatsapp").status_code == 401
    token = client.post("/api/v1/session", json={"username": "kepala", "password": PASSWORD,
                                                 "counter": None}).json()["token"]
    answer = client.get("/api/v1/supervisor/whatsapp",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["enabled"] is False
    assert body["totals"] == {"in": 0, "out": 0, "failed": 0, "pending": 0}
    assert body["top_questions"] == []
    officer = client.post("/api/v1/session", json={"username": "siti", "password": PASSWORD,
                                                   "counter": "A1"}).json()["token"]
    assert client.get("/api/v1/supervisor/whatsapp",
                      headers={"Authorization": f"Bearer {officer}"}).status_code == 403


def test_a_signed_body_of_another_shape_is_refused_in_the_asked_language(
        app_db: str, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(SITE_FILE.read_text(encoding="utf-8") + '\n[whatsapp]\napi_base_url = '
                    '"http://127.0.0.1:9"\nphone_number_id = "1"\n', encoding="utf-8")
    settings = Settings.from_env(database_url=app_db, site_file=site,
                                 clock_start=MONDAY_MORNING,
                                 whatsapp=WhatsAppSecrets(token="t", app_secret="s",
                                                          verify_token="v"))
    with TestClient(create_app(settings)) as client:
        answer = client.post(WEBHOOK + "?lang=en", content=b"[]",
                             headers={"x-hub-signature-256": sign("s", b"[]")})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Invalid data: the webhook body is not in the provider's shape")
