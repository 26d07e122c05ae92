"""The SKM survey against a real server, on SQLite and PostgreSQL: one response per ticket
even when submissions race, only after service, the IKM as the regulation computes it, and
the retention purge of the optional profile."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from queue_server.store import tables as t
from tests.conftest import SITE_FILE
from tests.integration.test_stats_api import DAY, _rows
from tests.support.servers import Server, start_server
from tests.support.staff import add_users, sign_in

#: Visitor keys of the tickets made here, by ticket id: the survey needs the holder's key.
KEYS: dict[str, str] = {}


def _done_tickets(server: Server, database_url: str, count: int) -> list[str]:
    add_users(database_url, SITE_FILE, {"ani": "officer", "sri": "supervisor"})
    ani = sign_in(server.url, "ani", "A1")
    done = []
    for _ in range(count):
        issued = httpx.post(f"{server.url}/api/v1/tickets", json={"service": "KTP"},
                            timeout=10).json()["ticket"]
        ticket = httpx.post(f"{server.url}/api/v1/counters/A1/call", headers=ani,
                            timeout=10).json()["ticket"]
        assert ticket["id"] == issued["id"]
        KEYS[ticket["id"]] = issued["visitor_key"]
        answer = httpx.post(f"{server.url}/api/v1/tickets/{ticket['id']}/finish", headers=ani,
                            timeout=10)
        assert answer.status_code == 200, answer.text
        done.append(ticket["id"])
    return done


def _scores(*values: int) -> dict[str, Any]:
    return {f"u{i}": v for i, v in enumerate(values, 1)}


def _survey(server: Server, ticket_id: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/tickets/{ticket_id}/survey",
                      json={"key": KEYS.get(ticket_id), **body}, timeout=10)


def test_one_response_per_ticket_even_when_twenty_arrive_at_once(
        server: Server, database_url: str) -> None:
    [ticket] = _done_tickets(server, database_url, 1)

    async def race() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*(
                client.post(f"{server.url}/api/v1/tickets/{ticket}/survey",
                            json={**_scores(*([1 + i % 4] * 9)), "key": KEYS[ticket]})
                for i in range(20)))
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["error"]["code"] == "conflict"
        return [a.status_code for a in answers]

    codes = asyncio.run(race())
    assert sorted(codes) == [201] + [409] * 19
    assert len(_rows(server.database_url, t.skm_responses)) == 1
    again = _survey(server, ticket, _scores(*[4] * 9))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_a_ticket_not_yet_served_cannot_be_rated(server: Server, database_url: str) -> None:
    add_users(database_url, SITE_FILE, {"ani": "officer"})
    waiting = httpx.post(f"{server.url}/api/v1/tickets", json={"service": "KK"},
                         timeout=10).json()["ticket"]
    KEYS[waiting["id"]] = waiting["visitor_key"]
    refused = _survey(server, waiting["id"], _scores(*[4] * 9))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "survey_not_available"
    assert _survey(server, "no-such-ticket", _scores(*[4] * 9)).status_code == 404
    assert _rows(server.database_url, t.skm_responses) == []


def test_bad_answers_are_refused_and_nothing_is_stored(server: Server,
                                                       database_url: str) -> None:
    [ticket] = _done_tickets(server, database_url, 1)
    for body in (_scores(*[4] * 8), _scores(*[5] * 9), {**_scores(*[4] * 9), "name": "Budi"},
                 {**_scores(*[4] * 9), "gender": "X"}):
        answer = _survey(server, ticket, body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["code"] == "invalid"
    assert _rows(server.database_url, t.skm_responses) == []


def test_ikm_on_the_dashboard_matches_the_hand_computation(server: Server,
                                                           database_url: str) -> None:
    tickets = _done_tickets(server, database_url, 4)
    answers = [(4, 4, 4, 4, 4, 4, 4, 4, 4), (3, 3, 3, 3, 3, 3, 3, 3, 3),
               (4, 3, 2, 4, 3, 4, 4, 2, 3)]
    results = [_survey(server, tk, {**_scores(*a), "gender": "P", "age": 34})
               for tk, a in zip(tickets, answers, strict=False)]
    assert [r.status_code for r in results] == [201, 201, 201]
    # a good rating (B or better) is asked for a Google review; a poor one is not
    assert results[0].json()["response"]["google_review_url"] == "https://example.org/review"
    poor = _survey(server, tickets[3], _scores(*[2] * 9)).json()["response"]
    assert (poor["ikm"], poor["grade"], poor["google_review_url"]) == (50.0, "D", None)

    sri = sign_in(server.url, "sri", None)
    data = httpx.get(f"{server.url}/api/v1/stats", params={"from": DAY, "to": DAY},
                     headers=sri, timeout=10).json()
    overall = data["skm"]["overall"]
    # by hand, four respondents: unsur totals 13 12 11 13 12 13 13 11 12 = 110,
    # IKM = 110 / 4 / 9 × 25 = 76.388… → 76.39, grade C (below 76.61)
    assert overall["respondents"] == 4
    assert overall["nrr"][0] == 3.25 and overall["nrr"][2] == 2.75
    assert overall["ikm"] == 76.39
    assert overall["grade"] == "C"
    assert data["skm"]["by_agency"]["DUKCAPIL"]["ikm"] == 76.39
    assert data["skm"]["by_service"]["KTP"]["respondents"] == 4
    assert data["skm"]["by_officer"]["ani"]["ikm"] == 76.39


def test_the_profile_is_blanked_after_the_retention_period(
        server: Server, database_url: str, tmp_path: Path) -> None:
    [ticket] = _done_tickets(server, database_url, 1)
    body = {**_scores(*[4] * 9), "gender": "L", "age": "20-29", "education": "SMA",
            "occupation": "WIRAUSAHA", "suggestion": "Antrean cepat."}
    assert _survey(server, ticket, body).status_code == 201
    [kept] = _rows(server.database_url, t.skm_responses)
    assert (kept.gender, kept.age_band, kept.comment) == ("L", "20-29", "Antrean cepat.")
    # the test site keeps personal data 365 days; start the server again two years later
    later = tmp_path / "later"
    later.mkdir()
    with start_server(server.database_url, SITE_FILE, later, clock="2027-12-01T09:00:00+07:00"):
        pass
    [purged] = _rows(server.database_url, t.skm_responses)
    assert (purged.gender, purged.age_band, purged.education, purged.occupation,
            purged.comment) == (None, None, None, None, None)
    assert purged.u1 == 4  # the anonymous scores stay
