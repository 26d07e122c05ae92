"""Calling one particular number at the counter (a visitor standing there), and the list of
who waits at the counter in calling order."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from tests.support.staff import PASSWORD


def _bearer(client: TestClient, user: str, counter: str | None) -> dict[str, str]:
    answer = client.post("/api/v1/session",
                         json={"username": user, "password": PASSWORD, "counter": counter})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _issue(client: TestClient, service: str, priority: str | None = None) -> dict[str, str]:
    answer = client.post("/api/v1/tickets", json={"service": service, "priority": priority})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["ticket"])


def _call(client: TestClient, headers: dict[str, str], number: object,
          counter: str = "A1") -> object:
    return client.post(f"/api/v1/counters/{counter}/call-number", json={"number": number},
                       headers=headers)


def test_an_officer_calls_the_visitor_at_the_counter_out_of_turn(client: TestClient) -> None:
    first = _issue(client, "KTP")
    third = [_issue(client, "KTP"), _issue(client, "KK")][1]
    siti = _bearer(client, "siti", "A1")
    answer = _call(client, siti, "a 3")  # typed loosely from the slip: A-003
    assert answer.status_code == 200, answer.text
    ticket = answer.json()["ticket"]
    assert (ticket["id"], ticket["status"], ticket["counter"]) == (third["id"], "called", "A1")
    stored = client.get(f"/api/v1/tickets/{third['id']}").json()["ticket"]
    assert (stored["status"], stored["counter_name"]) == ("called", "Loket 1")
    # the others keep their place
    assert client.get(f"/api/v1/tickets/{first['id']}").json()["ticket"]["status"] == "waiting"


def test_a_number_that_is_not_waiting_is_refused_with_its_state(client: TestClient) -> None:
    ticket = _issue(client, "KTP")
    siti = _bearer(client, "siti", "A1")
    budi = _bearer(client, "budi", "A2")
    assert _call(client, budi, ticket["number"], "A2").status_code == 200
    answer = _call(client, siti, ticket["number"])
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert (error["code"], error["status"]) == ("number_not_waiting", "called")
    assert error["message"] == "Nomor A-001 tidak sedang menunggu: sudah dipanggil."


def test_unknown_malformed_and_foreign_numbers_are_4xx_and_change_nothing(
        client: TestClient) -> None:
    npwp = _issue(client, "NPWP")
    siti = _bearer(client, "siti", "A1")
    assert _call(client, siti, "A-042").json()["error"]["code"] == "number_not_found"
    assert _call(client, siti, "A-042").status_code == 404
    for bad in ("", "042", "A-", "A-0", "A-1234567", 12, None):
        answer = _call(client, siti, bad)
        assert answer.status_code == 422, (bad, answer.text)
    foreign = _call(client, siti, npwp["number"])
    assert foreign.status_code == 409
    assert foreign.json()["error"]["code"] == "number_not_for_counter"
    assert "Pendaftaran NPWP" in foreign.json()["error"]["message"]
    assert client.get(f"/api/v1/tickets/{npwp['id']}").json()["ticket"]["status"] == "waiting"


def test_a_busy_counter_or_another_counter_cannot_call_by_number(client: TestClient) -> None:
    one, two = _issue(client, "KTP"), _issue(client, "KTP")
    siti = _bearer(client, "siti", "A1")
    assert _call(client, siti, one["number"]).status_code == 200
    busy = _call(client, siti, two["number"])
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "counter_busy")
    wrong = _call(client, siti, two["number"], "A2")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "wrong_counter")
    client.cookies.clear()  # the sign-ins above left a session cookie in this client
    assert client.post("/api/v1/counters/A1/call-number",
                       json={"number": two["number"]}).status_code == 401


def test_the_counter_lists_who_waits_in_the_order_it_will_call(client: TestClient) -> None:
    clock = client.app.state.loket.clock  # type: ignore[attr-defined]
    normal = [_issue(client, "KTP")]
    clock.advance(timedelta(minutes=1))
    normal.append(_issue(client, "KK"))
    elder = _issue(client, "KTP", "lansia")
    _issue(client, "NPWP")  # another agency's counter
    clock.advance(timedelta(minutes=2))
    siti = _bearer(client, "siti", "A1")
    listed = client.get("/api/v1/counters/A1/queues", headers=siti).json()["next"]
    assert [t["number"] for t in listed] == [elder["number"], normal[0]["number"],
                                             normal[1]["number"]]
    assert listed[0]["priority"] == "lansia"
    assert listed[1]["service_name"] == "KTP-el"
    assert 180 <= listed[1]["waited_s"] < 200
    # and the first in the list is what "call next" gives
    called = client.post("/api/v1/counters/A1/call", headers=siti).json()["ticket"]
    assert called["id"] == elder["id"]


def test_a_reloaded_counter_screen_still_sees_its_queued_break(client: TestClient) -> None:
    siti = _bearer(client, "siti", "A1")
    budi = _bearer(client, "budi", "A2")
    # A3 is closed: AKTA is served by A1 and A2 only, so one of them must stay open
    assert client.post("/api/v1/counters/A2/break", json={"minutes": 15},
                       headers=budi).json()["break"]["state"] == "granted"
    asked = client.post("/api/v1/counters/A1/break", json={"minutes": 30}, headers=siti).json()
    assert asked["break"]["state"] == "queued"
    message = asked["break"]["message"]
    assert "Akta Kelahiran" in message and "urutan ke-1" in message
    assert "AKTA" not in message and "A1" not in message
    current = client.get("/api/v1/counters/A1/current", headers=siti).json()
    assert current["state"] == "open"
    assert current["break"]["state"] == "queued" and current["break"]["position"] == 1
    assert "Menunggu giliran istirahat" in current["break"]["message_id"]
