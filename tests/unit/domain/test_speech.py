from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from queue_server.domain.speech import (
    CLIP_NAMES,
    announcement_clips,
    announcement_phrases,
    announcement_text,
    letter_clip,
    letter_name,
    number_text,
    number_words,
)

VOICE_DIR = Path(__file__).resolve().parents[3] / "display_ui" / "static" / "voice"


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (115, "seratus lima belas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (1115, "seribu seratus lima belas"),
        (2025, "dua ribu dua puluh lima"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
    ],
)
def test_numbers_are_read_the_indonesian_way(n: int, spoken: str) -> None:
    assert number_text(n) == spoken
    assert number_words(n) == spoken.split()


@pytest.mark.parametrize("n", [-1, 10_000])
def test_numbers_outside_0_to_9999_are_refused(n: int) -> None:
    with pytest.raises(ValueError):
        number_words(n)


def test_satu_never_stands_before_a_scale_word() -> None:
    for n in range(10_000):
        words = number_words(n)
        for word, following in pairwise(words):
            assert not (word == "satu" and following in {"belas", "puluh", "ratus", "ribu"}), n


def test_every_number_is_said_with_shipped_clips_only() -> None:
    for n in range(10_000):
        assert set(number_words(n)) <= CLIP_NAMES, n


def test_letters_have_their_indonesian_names() -> None:
    names = [letter_name(chr(code)) for code in range(ord("A"), ord("Z") + 1)]
    assert " ".join(names) == (
        "a be ce de e ef ge ha i je ka el em en o pe ki er es te u ve we eks ye zet"
    )
    assert letter_name("x") == "eks"


@pytest.mark.parametrize("bad", ["", "AB", "1", "-", "É"])
def test_anything_but_one_letter_has_no_name(bad: str) -> None:
    with pytest.raises(ValueError):
        letter_name(bad)


def test_every_letter_has_a_clip() -> None:
    for code in range(ord("A"), ord("Z") + 1):
        assert letter_clip(chr(code)) in CLIP_NAMES


def test_a_call_starts_with_the_chime_and_ends_with_the_counter() -> None:
    assert announcement_clips("A-012", 3) == [
        "chime",
        "nomor_antrean",
        "huruf_a",
        "dua",
        "belas",
        "silakan_menuju_loket",
        "tiga",
    ]


def test_leading_zeros_are_not_read_and_every_prefix_letter_is() -> None:
    clips = announcement_clips("AB-007", 15)
    assert clips[2:5] == ["huruf_a", "huruf_b", "tujuh"]
    assert clips[-3:] == ["silakan_menuju_loket", "lima", "belas"]


def test_a_recall_says_so_after_the_chime() -> None:
    clips = announcement_clips("A-012", 3, recall=True)
    assert clips[:3] == ["chime", "panggilan_ulang", "nomor_antrean"]
    assert clips[3:] == announcement_clips("A-012", 3)[2:]


def test_the_text_reads_like_the_clips() -> None:
    assert announcement_text("A-012", 3) == "Nomor antrean A dua belas, silakan menuju loket tiga"
    assert announcement_text("AB-007", 10, recall=True) == (
        "Panggilan ulang, nomor antrean A B tujuh, silakan menuju loket sepuluh"
    )


def test_four_digit_tickets_and_two_digit_counters_are_read_in_full() -> None:
    assert " ".join(announcement_clips("C-9999", 99)[3:]) == (
        "sembilan ribu sembilan ratus sembilan puluh sembilan"
        " silakan_menuju_loket sembilan puluh sembilan"
    )
    assert announcement_text("C-1000", 21).endswith("C seribu, silakan menuju loket dua puluh satu")


@pytest.mark.parametrize(
    ("ticket", "counter"), [("A12", 1), ("a-012", 1), ("A-012", 0), ("A-10000", 1)]
)
def test_malformed_calls_are_refused(ticket: str, counter: int) -> None:
    with pytest.raises(ValueError):
        announcement_clips(ticket, counter)
    with pytest.raises(ValueError):
        announcement_text(ticket, counter)


def test_every_produced_clip_is_a_known_clip() -> None:
    produced: set[str] = set()
    for number in range(1, 10_000):
        produced.update(announcement_clips(f"A-{number:03d}", 1 + number % 99, recall=True))
    for code in range(ord("A"), ord("Z") + 1):
        produced.update(announcement_clips(f"{chr(code)}-000", 1))
    assert produced <= CLIP_NAMES
    assert produced == CLIP_NAMES, "CLIP_NAMES lists a clip nothing uses"


def test_every_clip_is_shipped() -> None:
    missing = sorted(name for name in CLIP_NAMES if not (VOICE_DIR / f"{name}.mp3").is_file())
    assert missing == []


def test_a_call_is_three_phrases_the_clips_in_the_same_order() -> None:
    phrases = announcement_phrases("A-024", 2)
    assert phrases == [["chime"], ["nomor_antrean", "huruf_a", "dua", "puluh", "empat"],
                       ["silakan_menuju_loket", "dua"]]
    assert [c for p in phrases for c in p] == announcement_clips("A-024", 2)


def test_a_recall_says_panggilan_ulang_as_its_own_phrase() -> None:
    phrases = announcement_phrases("BC-105", 12, recall=True)
    assert phrases[:2] == [["chime"], ["panggilan_ulang"]]
    assert phrases[2][0] == "nomor_antrean" and phrases[3][0] == "silakan_menuju_loket"
    assert [c for p in phrases for c in p] == announcement_clips("BC-105", 12, recall=True)
