"""``loket serve --demo`` keeps its promise: slips show in the log and are kept as bytes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from printers.escpos_decode import decode
from queue_server.cli import DEMO_SITE
from tests.conftest import MONDAY_MORNING
from tests.support.servers import start_server


def test_a_demo_slip_appears_in_the_log_and_under_loket_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'loket.db'}"
    with start_server(url, DEMO_SITE, tmp_path, clock=MONDAY_MORNING, demo=True) as server:
        answer = httpx.post(f"{server.url}/kiosk/api/tickets", json={"service": "KTP-EL"},
                            timeout=30)
        assert answer.status_code == 201, answer.text
        number = answer.json()["ticket"]["number"]
        slips = tmp_path / "loket-data" / "slips"
        deadline = time.monotonic() + 30
        while not (list(slips.glob("*.bin")) and number in server.output()):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        [kept] = list(slips.glob("*.bin"))
        assert number in decode(kept.read_bytes()).text_lines
        assert "Perekaman dan Pencetakan KTP-el" in server.output()
        while (printed := _printed_jobs(server.url)) == 0:
            assert time.monotonic() < deadline, "the print job never counted as printed"
            time.sleep(0.1)
        assert printed == 1


def _printed_jobs(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics", timeout=30).text
    return sum(s.value for family in text_string_to_metric_families(metrics)
               for s in family.samples
               if s.name == "loket_print_jobs_total" and s.labels["state"] == "printed")
