"""The opening-hours gate on its own: the estimated wait must not run past closing time."""

from __future__ import annotations

import datetime as dt

import pytest

from queue_server.domain.errors import Closed
from queue_server.messages import message
from queue_server.services.hours import OpeningHours
from queue_server.site import load_site
from tests.conftest import SITE_FILE

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def gate() -> OpeningHours:
    return OpeningHours(load_site(SITE_FILE))


def _ktp():
    return load_site(SITE_FILE).services_by_code["KTP"]


def test_a_wait_that_fits_before_closing_is_accepted(gate: OpeningHours) -> None:
    gate.waits = {"KTP": (3600, 1)}
    gate.check(_ktp(), dt.datetime(2025, 11, 24, 12, 0, tzinfo=WIB))


def test_a_wait_past_closing_stops_issuing_with_a_message(gate: OpeningHours) -> None:
    gate.waits = {"KTP": (3 * 3600, 2)}
    with pytest.raises(Closed) as caught:
        gate.check(_ktp(), dt.datetime(2025, 11, 24, 12, 0, tzinfo=WIB))
    error = caught.value
    assert error.code == "wait_past_closing"
    assert error.params["next_open"] == "2025-11-25T08:00:00+07:00"
    assert message(error.code, "id", error.params) == (
        "Perkiraan waktu tunggu layanan KTP-el sekitar 180 menit, melewati jam tutup pukul "
        "14.00 WIB. Nomor antrean hari ini tidak dapat diambil lagi. Layanan dibuka kembali "
        "Selasa, 25 November 2025 pukul 08.00 WIB.")
    assert message(error.code, "en", error.params).startswith(
        "The estimated wait for KTP-el is about 180 minutes, past closing time at 14:00 WIB")


def test_without_an_open_counter_only_the_hours_decide(gate: OpeningHours) -> None:
    gate.waits = {"KTP": (10 * 3600, 0)}
    gate.check(_ktp(), dt.datetime(2025, 11, 24, 12, 0, tzinfo=WIB))


def test_before_the_kiosk_opens_the_answer_names_this_mornings_opening(
        gate: OpeningHours) -> None:
    with pytest.raises(Closed) as caught:
        gate.check(_ktp(), dt.datetime(2025, 11, 24, 7, 30, tzinfo=WIB))
    assert caught.value.code == "closed"
    assert caught.value.params["next_open"] == "2025-11-24T08:00:00+07:00"
    assert caught.value.params["message_id"] == (
        "Layanan dibuka kembali Senin, 24 November 2025 pukul 08.00 WIB.")
