"""The region's report and role rules, in-process with two sites on one SQLite file."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.web.app import create_app
from tests.conftest import FIXTURES, SITE_FILE
from tests.support.staff import PASSWORD, add_users

SITE_B = FIXTURES / "site_b.toml"
BOTH_OPEN = "2025-11-24T10:30:00+07:00"


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    add_users(sqlite_url, SITE_FILE, {"wilayah": "region", "admin": "admin", "siti": "officer"})
    add_users(sqlite_url, SITE_B, {"adminb": "admin"})
    settings = Settings.from_env(database_url=sqlite_url, site_file=SITE_FILE,
                                 more_site_files=(SITE_B,), clock_start=BOTH_OPEN)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def bearer(client: TestClient, name: str, base: str = "") -> dict[str, str]:
    answer = client.post(f"{base}/api/v1/session", json={
        "username": name, "password": PASSWORD, "counter": None})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_the_monthly_report_is_a_workbook_and_a_printable_page_in_indonesian(
        client: TestClient) -> None:
    for base in ("", "", "/s/tetangga"):
        assert client.post(f"{base}/api/v1/tickets", json={"service": "KTP"}).status_code == 201
    region = bearer(client, "wilayah")
    answer = client.get("/api/v1/region/report.xlsx?month=2025-11", headers=region)
    assert answer.status_code == 200
    assert "monev-wilayah-2025-11.xlsx" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["Ringkasan"]
    assert sheet["A1"].value == "Laporan Monev Pelayanan — Wilayah — November 2025"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows["MPP Uji"][1] == 2 and rows["MPP Tetangga (uji)"][1] == 1
    assert rows["Wilayah (gabungan)"][1] == 3
    one = client.get("/api/v1/region/report.xlsx?month=2025-11&site=tetangga", headers=region)
    assert load_workbook(io.BytesIO(one.content))["Ringkasan"]["A1"].value.endswith(
        "MPP Tetangga (uji) — November 2025")
    page = client.get("/region/report?month=2025-11", headers=region)
    assert page.status_code == 200
    assert "@page { size: A4" in page.text and "Laporan Monev Pelayanan" in page.text
    # tickets carry booking_id since online booking (issue 16): none of these came from a
    # booking, so the share is 0 %
    stats = client.get("/api/v1/region/stats?from=2025-11-24&to=2025-11-24",
                       headers=region).json()
    assert [row["online_share"] for row in stats["sites"]] == [0.0, 0.0]
    assert client.get("/api/v1/region/report.xlsx?month=2025-13",
                      headers=region).status_code == 422
    assert client.get("/api/v1/region/report.xlsx?month=2025-11&site=nowhere",
                      headers=region).status_code == 404


def test_only_the_region_and_the_default_sites_admin_read_the_region(
        client: TestClient) -> None:
    assert client.get("/api/v1/region/stats", headers=bearer(client, "admin")).status_code == 200
    assert client.get("/api/v1/region/stats",
                      headers=bearer(client, "siti")).status_code == 403
    # another site's administrator is nobody at the region's (default site's) address
    assert client.get("/api/v1/region/stats",
                      headers=bearer(client, "adminb", "/s/tetangga")).status_code == 401


def test_a_sites_administrator_cannot_make_a_region_account(client: TestClient) -> None:
    admin_b = bearer(client, "adminb", "/s/tetangga")
    answer = client.post("/s/tetangga/api/v1/admin/users", headers=admin_b, json={
        "username": "provinsi", "full_name": "Provinsi", "role": "region",
        "password": "sandi-panjang-sekali-77"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid"
