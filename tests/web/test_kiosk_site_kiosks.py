"""A kiosk named in the site file prints on the printer its ``[[kiosks]]`` entry names."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_a_kiosk_of_the_site_file_prints_on_its_printer(client: TestClient) -> None:
    page = client.get("/kiosk?kiosk=lobi")
    assert page.status_code == 200 and 'data-printer="kiosk-1"' in page.text


def test_the_printer_in_the_address_still_wins(client: TestClient) -> None:
    assert 'data-printer="lain"' in client.get("/kiosk?kiosk=lobi&printer=lain").text


def test_an_unknown_kiosk_is_refused_plainly(client: TestClient) -> None:
    answer = client.get("/kiosk?kiosk=lantai9", headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid" and "lantai9" in answer.text
