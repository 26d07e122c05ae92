"""An in-process app on a fresh SQLite file, for fast tests of the HTTP surface."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import MONDAY_MORNING, SITE_FILE
from tests.support.staff import add_users, cheap_passwords


@pytest.fixture
def app_db(sqlite_url: str) -> str:
    add_users(sqlite_url, SITE_FILE, {"siti": "officer", "budi": "officer",
                                      "kepala": "supervisor"})
    return sqlite_url


@pytest.fixture
def client(app_db: str) -> Iterator[TestClient]:
    settings = Settings.from_env(database_url=app_db, site_file=SITE_FILE,
                                 clock_start=MONDAY_MORNING)
    app = create_app(settings)
    with TestClient(app) as test_client:
        cheap_passwords(app)
        yield test_client
