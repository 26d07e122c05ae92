"""The WhatsApp conversation on the Probolinggo catalogue: what a message asks, and the answer's
words."""

from __future__ import annotations

import pytest

from queue_server.domain import conversation as talk
from queue_server.domain.catalogue_search import search
from queue_server.domain.conversation import Intent
from queue_server.services.wa_catalogue import Catalogue, build_catalogue
from queue_server.site import DEMO_SITE, load_site


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return build_catalogue(load_site(DEMO_SITE))


def ask(catalogue: Catalogue, text: str) -> talk.Understood:
    return talk.understand(text, catalogue.entries, catalogue.agencies)


def test_syarat_ktp_finds_the_ktp_el_service_first(catalogue: Catalogue) -> None:
    understood = ask(catalogue, "syarat ktp")
    assert understood.intent is Intent.SERVICE
    assert understood.services[0] == "KTP-EL"
    assert understood.lang == "id"


def test_ktp_hilang_finds_the_replacement_of_a_lost_ktp(catalogue: Catalogue) -> None:
    assert ask(catalogue, "ktp hilang").services[0] == "KTP-EL-GANTI"


def test_paspor_names_passport_services_not_only_the_agency(catalogue: Catalogue) -> None:
    understood = ask(catalogue, "paspor")
    assert understood.intent is Intent.SERVICE
    names = [catalogue.site.services_by_code[c].name for c in understood.services]
    assert all("Paspor" in n for n in names), names


def test_an_agency_name_lists_its_services(catalogue: Catalogue) -> None:
    understood = ask(catalogue, "dukcapil")
    assert understood.intent is Intent.AGENCY
    assert understood.agency == "DUKCAPIL"


@pytest.mark.parametrize(("text", "intent"), [
    ("menu", Intent.MENU), ("Halo", Intent.MENU), ("1", Intent.SERVICES),
    ("layanan", Intent.SERVICES), ("jam", Intent.HOURS), ("jam buka", Intent.HOURS),
    ("antre", Intent.BOOKING), ("status A-012", Intent.STATUS), ("keluhan", Intent.COMPLAINT),
    ("5", Intent.COMPLAINT), ("stop", Intent.UNSUBSCRIBE), ("kabari abc def", Intent.SUBSCRIBE),
    ("qwertyuiop zxcv", Intent.UNKNOWN), ("", Intent.UNKNOWN),
])
def test_keywords_and_menu_numbers_pick_their_answer(catalogue: Catalogue, text: str,
                                                     intent: Intent) -> None:
    assert ask(catalogue, text).intent is intent


def test_antre_with_a_service_books_that_service(catalogue: Catalogue) -> None:
    understood = ask(catalogue, "antre ktp")
    assert understood.intent is Intent.BOOKING and understood.services[0] == "KTP-EL"


def test_english_questions_are_answered_in_english(catalogue: Catalogue) -> None:
    assert ask(catalogue, "what are the opening hours").lang == "en"
    assert ask(catalogue, "hours").lang == "en"
    assert ask(catalogue, "jam buka hari ini").lang == "id"


def test_status_reads_the_ticket_number_in_any_spelling() -> None:
    assert talk.ticket_number("A-012") == ("A", 12)
    assert talk.ticket_number("a12") == ("A", 12)
    assert talk.ticket_number("AB007") == ("AB", 7)
    assert talk.ticket_number("12") is None


def test_the_service_answer_has_requirements_fee_time_product_and_counter(
        catalogue: Catalogue) -> None:
    body = talk.service_text(catalogue.facts("KTP-EL"), [], "https://mpp.example/booking", "id")
    assert "Persyaratan" in body
    assert "Kartu Keluarga (asli atau fotokopi)" in body
    assert "Tidak dipungut biaya" in body and "1 hari kerja" in body
    assert "*Produk:* KTP-el" in body and "Loket" in body


def test_unknown_text_gets_the_menu_with_an_apology() -> None:
    body = talk.menu_text("MPP", "id", unknown=True)
    assert body.startswith("Maaf") and "layanan" in body and "keluhan" in body


def test_complaints_point_to_sp4n_lapor() -> None:
    assert "lapor.go.id" in talk.complaint_text("id")
    assert "SP4N LAPOR!" in talk.complaint_text("en")


def test_long_answers_stay_under_whatsapps_limit(catalogue: Catalogue) -> None:
    body = talk.agency_text("X", ["layanan yang sangat panjang sekali"] * 500, "id")
    assert len(body) <= talk.MAX_BODY


def test_words_that_name_nothing_find_nothing(catalogue: Catalogue) -> None:
    assert search(catalogue.entries, "syarat") == []
    assert search(catalogue.entries, "zzzz") == []


def test_a_ticket_id_in_the_message_does_not_decide_the_language() -> None:
    # token_urlsafe ids hold fragments such as "the" or "id" between '-' and '_'.
    assert talk.language_of("KABARI x-the_is-my tebakan") == "id"
    assert talk.language_of("what are the requirements?") == "en"
    assert talk.language_of("syarat ktp hilang apa?") == "id"
