"""Only the visitor can answer their survey: the key is in the slip's QR and the tracking URL,
never on a public topic; the ticket id (which the lobby feed shows) is not enough."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tests.support.staff import PASSWORD

SCORES = {f"u{i}": 4 for i in range(1, 10)}


def _bearer(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _serve(client: TestClient, officer: dict[str, str], ticket_id: str) -> None:
    called = client.post("/api/v1/counters/A1/call", headers=officer)
    assert called.json()["ticket"]["id"] == ticket_id
    for action in ("start", "finish"):
        assert client.post(f"/api/v1/tickets/{ticket_id}/{action}",
                           headers=officer).status_code == 200


def test_the_public_feed_never_carries_the_visitor_key_and_its_ids_cannot_file_a_survey(
        client: TestClient) -> None:
    officer = _bearer(client, "siti", "A1")
    topics = "display,service:KTP,counter:A1"
    with client.websocket_connect(f"/ws?topics={topics}") as feed:
        raw = [feed.receive_text()]  # the snapshot
        issued = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
        key = issued["visitor_key"]
        assert issued["track_url"].endswith(f"/t/{issued['id']}?k={key}")
        _serve(client, officer, issued["id"])
        while json.loads(raw[-1])["type"] != "ticket.finished":
            raw.append(feed.receive_text())
    seen_ids = {json.loads(m).get("ticket", {}).get("id") for m in raw}
    assert issued["id"] in seen_ids  # the feed does show the id (the lobby needs it) ...
    assert not any(key in message for message in raw)  # ... but never the key
    assert "visitor_key" not in client.get(f"/api/v1/tickets/{issued['id']}").json()["ticket"]

    replayed = client.post(f"/api/v1/tickets/{issued['id']}/survey", json=SCORES)
    assert replayed.status_code == 403, replayed.text
    assert replayed.json()["error"]["code"] == "survey_key"
    guessed = client.post(f"/api/v1/tickets/{issued['id']}/survey",
                          json={**SCORES, "key": "x" * len(key)})
    assert guessed.status_code == 403
    mine = client.post(f"/api/v1/tickets/{issued['id']}/survey", json={**SCORES, "key": key})
    assert mine.status_code == 201, mine.text


def test_the_ticket_page_links_the_survey_only_for_the_holder(client: TestClient) -> None:
    issued = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    key = issued["visitor_key"]
    public = client.get(f"/t/{issued['id']}").text
    assert "/survey" not in public and key not in public
    holder = client.get(f"/t/{issued['id']}?k={key}").text
    assert f"/t/{issued['id']}/survey?k={key}" in holder
    assert "/survey" not in client.get(f"/t/{issued['id']}?k=wrong").text
    form = client.get(f"/t/{issued['id']}/survey").text
    assert key not in form
    for page in (f"/t/{issued['id']}?k={key}", f"/t/{issued['id']}/survey?k={key}"):
        assert client.get(page).headers["Referrer-Policy"] == "no-referrer"


def test_the_kiosk_gives_the_key_only_to_the_visitor_at_the_kiosk(client: TestClient) -> None:
    answer = client.post("/kiosk/api/tickets", json={"service": "KTP"},
                         headers={"Idempotency-Key": "tap-1"}).json()
    key = answer["ticket"]["visitor_key"]
    assert answer["ticket"]["track_url"].endswith(f"?k={key}")
    assert answer["qr_url"].endswith(f"?k={key}")
    again = client.post("/kiosk/api/tickets", json={"service": "KTP"},
                        headers={"Idempotency-Key": "tap-1"}).json()
    assert again["ticket"]["visitor_key"] == key  # a retry is the same holder


def test_the_counter_tablet_must_be_signed_in_to_get_the_key(client: TestClient) -> None:
    officer = _bearer(client, "siti", "A1")
    issued = client.post("/api/v1/tickets", json={"service": "KTP"}).json()["ticket"]
    _serve(client, officer, issued["id"])
    client.cookies.clear()  # signing in above left a session cookie
    anonymous = client.get("/api/v1/counters/A1/survey-ticket")
    assert anonymous.status_code == 401
    elsewhere = client.get("/api/v1/counters/A1/survey-ticket",
                           headers=_bearer(client, "budi", "A2"))
    assert elsewhere.status_code == 403
    tablet: Any = client.get("/api/v1/counters/A1/survey-ticket",
                             headers=_bearer(client, "kepala", None)).json()["ticket"]
    assert tablet["id"] == issued["id"] and tablet["visitor_key"] == issued["visitor_key"]
    client.cookies.clear()
    assert "tablet-signin" in client.get("/survey?counter=A1").text


def test_opening_a_counter_puts_no_account_id_on_the_public_feed(client: TestClient) -> None:
    with client.websocket_connect("/ws?topics=display") as feed:
        feed.receive_text()  # the snapshot
        _bearer(client, "siti", "A1")
        message = json.loads(feed.receive_text())
        while message["type"] != "counter.opened":
            message = json.loads(feed.receive_text())
    assert set(message) == {"seq", "type", "at", "counter", "state"}
