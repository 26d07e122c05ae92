"""Each site of a multi-site server keeps its own opening hours (in-process app)."""

from __future__ import annotations

from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import FIXTURES, MONDAY_MORNING, SITE_FILE


def test_each_site_opens_by_its_own_hours(sqlite_url: str) -> None:
    # Monday 09.00: "uji" opens at 08.00, "tetangga" only at 10.00.
    settings = Settings.from_env(database_url=sqlite_url, site_file=SITE_FILE,
                                 more_site_files=(FIXTURES / "site_b.toml",),
                                 clock_start=MONDAY_MORNING)
    with TestClient(create_app(settings)) as client:
        open_here = client.post("/api/v1/tickets", json={"service": "KTP"})
        assert open_here.status_code == 201, open_here.text
        closed_there = client.post("/s/tetangga/api/v1/tickets", json={"service": "KTP"})
        assert closed_there.status_code == 409, closed_there.text
        assert closed_there.json()["error"]["code"] == "closed"
        # and the kiosk pages of each site call their own site's API
        assert 'data-base="/s/tetangga"' in client.get("/s/tetangga/kiosk").text
        assert 'data-base=""' in client.get("/kiosk").text
