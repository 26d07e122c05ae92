"""A ticket issued at a second site of a multi-site server leads its holder back to that site:
the tracking link and the QR code carry the site's path (in-process app)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import FIXTURES, SITE_FILE

#: Monday 11.00: both sites are open ("tetangga" opens at 10.00).
MONDAY_ELEVEN = "2025-11-24T11:00:00+07:00"


def test_each_sites_kiosk_ticket_links_to_its_own_ticket_page(sqlite_url: str) -> None:
    settings = Settings.from_env(database_url=sqlite_url, site_file=SITE_FILE,
                                 more_site_files=(FIXTURES / "site_b.toml",),
                                 clock_start=MONDAY_ELEVEN)
    with TestClient(create_app(settings)) as client:
        for prefix in ("", "/s/tetangga"):
            answer = client.post(f"{prefix}/kiosk/api/tickets", json={"service": "KTP"})
            assert answer.status_code == 201, answer.text
            ticket = answer.json()["ticket"]
            link = urlsplit(ticket["track_url"])
            assert link.path == f"{prefix}/t/{ticket['id']}", ticket["track_url"]
            page = client.get(f"{link.path}?{link.query}")
            assert page.status_code == 200 and ticket["number"] in page.text
            qr = client.get(f"{prefix}/t/{ticket['id']}/qr.svg",
                            params={"k": ticket["visitor_key"]})
            assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg")
