from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.errors import Invalid
from queue_server.domain.skm import (
    UNSUR,
    InvalidSkmResponse,
    KeyedResponse,
    SkmResponse,
    classify,
    compute_ikm,
    ikm_by,
    round_ikm,
    validate_response,
)


def uniform(score: int, n: int = 1) -> list[SkmResponse]:
    return [SkmResponse((score,) * 9) for _ in range(n)]


def with_total(n: int, total: int) -> list[SkmResponse]:
    """``n`` responses whose scores add up to ``total`` over all unsur and respondents."""
    base, extra = divmod(total, n)
    result = []
    for i in range(n):
        s = base + (i < extra)
        low, high = divmod(s, 9)
        result.append(SkmResponse((low + 1,) * high + (low,) * (9 - high)))
    return result


def test_the_questionnaire_has_the_nine_unsur_with_four_answers_each() -> None:
    assert [u.code for u in UNSUR] == [f"U{i}" for i in range(1, 10)]
    assert all(len(u.answers_id) == 4 == len(u.answers_en) for u in UNSUR)
    assert UNSUR[0].answers_id == ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")
    assert UNSUR[3].answers_id[-1] == "Gratis"
    assert UNSUR[7].name_id == "Penanganan Pengaduan, Saran dan Masukan"
    assert UNSUR[7].answers_id[0] == "Tidak ada"
    assert UNSUR[8].answers_id == ("Buruk", "Cukup", "Baik", "Sangat baik")


def test_all_threes_give_75_and_grade_c() -> None:
    result = compute_ikm(uniform(3, 10))

    assert result is not None
    assert result.nrr == (3.0,) * 9
    assert result.ikm_unit == pytest.approx(3.0)
    assert result.ikm == Decimal("75.00")
    assert str(result.ikm) == "75.00"
    assert (result.grade.letter, result.grade.label_id) == ("C", "Kurang Baik")


def test_all_fours_give_100_and_grade_a() -> None:
    result = compute_ikm(uniform(4, 3))

    assert result is not None
    assert result.ikm == Decimal("100.00")
    assert (result.grade.letter, result.grade.label_id) == ("A", "Sangat Baik")


def test_all_ones_give_25_and_grade_d() -> None:
    result = compute_ikm(uniform(1))

    assert result is not None
    assert result.ikm == Decimal("25.00")
    assert result.grade.letter == "D"


def test_a_mixed_set_gives_hand_computed_nrr_and_ikm() -> None:
    responses = [
        SkmResponse((4, 3, 3, 2, 4, 3, 4, 3, 3)),
        SkmResponse((3, 3, 4, 2, 4, 4, 4, 2, 3)),
        SkmResponse((4, 3, 2, 2, 3, 4, 4, 3, 3)),
    ]
    result = compute_ikm(responses)

    assert result is not None
    assert result.respondents == 3
    expected = (11 / 3, 3, 3, 2, 11 / 3, 11 / 3, 4, 8 / 3, 3)
    assert result.nrr == pytest.approx(expected)
    assert result.nrr_weighted == pytest.approx([v / 9 for v in expected])
    assert result.ikm_unit == pytest.approx(86 / 27)  # Σ NRR = 86/3
    assert result.ikm == Decimal("79.63")  # 79.6296…
    assert result.grade.letter == "B"
    assert result.weakest.code == "U4"


def test_no_responses_give_no_result() -> None:
    assert compute_ikm([]) is None
    assert ikm_by([], "service") == {}


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
        ("65.00", "C"), ("64.99", "D"), ("25.00", "D"),
        ("88.305", "A"), ("88.3049", "B"), ("76.605", "B"), ("64.995", "C"), ("64.9949", "D"),
    ],
)
def test_grades_follow_the_regulation_after_rounding_half_up(value: str, letter: str) -> None:
    assert classify(value).letter == letter
    assert classify(Decimal(value)).letter == letter


def test_a_float_is_rounded_as_the_decimal_it_prints_as() -> None:
    # 88.305 is stored as 88.30499999…; we still round it up, as a spreadsheet would
    assert round_ikm(88.305) == Decimal("88.31")
    assert classify(88.305).letter == "A"
    assert classify(88.30).letter == "B"


@pytest.mark.parametrize(
    ("n", "total", "ikm", "letter"),
    [
        (2500, 79479, "88.31", "A"),
        (250, 7947, "88.30", "B"),
        (5000, 158949, "88.31", "A"),  # exactly 88.305, rounded half up
        (2500, 68949, "76.61", "B"),
        (125, 3447, "76.60", "C"),
        (5, 117, "65.00", "C"),
        (2500, 58491, "64.99", "D"),
    ],
)
def test_response_sets_at_the_grade_boundaries(n: int, total: int, ikm: str, letter: str) -> None:
    result = compute_ikm(with_total(n, total))

    assert result is not None
    assert result.ikm == Decimal(ikm)
    assert result.grade.letter == letter


def test_the_weight_0111_variant_is_computed_with_that_weight() -> None:
    all_fours = compute_ikm(uniform(4), weight=0.111)
    all_threes = compute_ikm(uniform(3), weight=0.111)

    assert all_fours is not None and all_threes is not None
    assert all_fours.ikm == Decimal("99.90")  # 4 × 9 × 0.111 × 25
    assert all_fours.grade.letter == "A"
    assert all_threes.ikm == Decimal("74.93")  # 74.925 rounded half up
    assert all_threes.weight == 0.111


def test_weight_0111_can_move_a_set_across_the_a_boundary() -> None:
    responses = with_total(500, 15903)
    ninth = compute_ikm(responses)
    office = compute_ikm(responses, weight=0.111)

    assert ninth is not None and office is not None
    assert (ninth.ikm, ninth.grade.letter) == (Decimal("88.35"), "A")
    assert (office.ikm, office.grade.letter) == (Decimal("88.26"), "B")  # 88.26165


def test_weight_0111_rounds_an_exact_half_up() -> None:
    result = compute_ikm(with_total(555, 15321), weight=0.111)  # 76.605 exactly

    assert result is not None
    assert (result.ikm, result.grade.letter) == (Decimal("76.61"), "B")


def test_ikm_is_grouped_per_key_with_unkeyed_responses_last() -> None:
    items = [
        KeyedResponse(uniform(4)[0], service="KTP", agency="DUKCAPIL", officer="budi"),
        KeyedResponse(uniform(3)[0], service="KK", agency="DUKCAPIL", officer=None),
        KeyedResponse(uniform(2)[0], service="SKCK", agency="POLRES", officer="siti"),
    ]

    by_agency = ikm_by(items, "agency")
    by_officer = ikm_by(items, "officer")
    overall = ikm_by(items, "all")

    assert list(by_agency) == ["DUKCAPIL", "POLRES"]
    assert by_agency["DUKCAPIL"].ikm == Decimal("87.50")
    assert by_agency["DUKCAPIL"].respondents == 2
    assert list(by_officer) == ["budi", "siti", None]
    assert overall["all"].ikm == Decimal("75.00")
    with pytest.raises(ValueError, match="cannot group"):
        ikm_by(items, "loket")  # type: ignore[arg-type]


FULL = {f"u{i}": 3 for i in range(1, 10)}


def test_a_complete_form_is_accepted_with_form_strings_and_an_age() -> None:
    data: dict[str, Any] = {**FULL, "u1": "4", "gender": "P", "age": "34", "education": "D4-S1",
                            "occupation": "WIRAUSAHA", "suggestion": "  Antrean cepat  "}
    response = validate_response(data)

    assert response.scores == (4, 3, 3, 3, 3, 3, 3, 3, 3)
    assert (response.gender, response.age, response.education) == ("P", "30-39", "D4-S1")
    assert (response.occupation, response.suggestion) == ("WIRAUSAHA", "Antrean cepat")


def test_the_profile_is_optional_and_blank_means_not_given() -> None:
    response = validate_response({**FULL, "gender": "", "age": None, "suggestion": "  "})

    assert (response.gender, response.age, response.suggestion) == (None, None, None)


@pytest.mark.parametrize("age", [17, "<20"])
def test_a_young_visitor_falls_in_the_youngest_band(age: int | str) -> None:
    assert validate_response({**FULL, "age": age}).age == "<20"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"u3": None}, "u3"),
        ({"u3": ""}, "u3"),
        ({"u1": 5}, "u1"),
        ({"u2": 0}, "u2"),
        ({"u4": True}, "u4"),
        ({"u5": 3.5}, "u5"),  # 3.0 is the number 3 in JSON (and JSON Schema)
        ({"u6": "tiga"}, "u6"),
        ({"gender": "X"}, "gender"),
        ({"age": 0}, "age"),
        ({"age": "tua"}, "age"),
        ({"education": "S4"}, "education"),
        ({"occupation": "pns"}, "occupation"),
        ({"suggestion": 12}, "suggestion"),
        ({"suggestion": "x" * 2001}, "suggestion"),
        ({"u10": 4}, "u10"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    data = {k: v for k, v in {**FULL, **change}.items() if not (k == "u3" and v is None)}

    with pytest.raises(InvalidSkmResponse) as caught:
        validate_response(data)

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}:")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, Invalid)
    assert caught.value.status == 422
    assert caught.value.params["field"] == field


scores = st.tuples(*[st.integers(1, 4)] * 9)


@given(st.lists(scores, min_size=1, max_size=40), st.sampled_from([None, 0.111]))
def test_ikm_stays_between_25_and_100(sets: list[tuple[int, ...]], weight: float | None) -> None:
    result = compute_ikm([SkmResponse(s) for s in sets], weight)

    assert result is not None
    assert Decimal("25.00") <= result.ikm <= Decimal("100.00")
    assert all(1 <= v <= 4 for v in result.nrr)
    assert result.grade == classify(result.ikm)


@given(
    st.lists(scores, min_size=1, max_size=40),
    st.integers(0, 39),
    st.integers(0, 8),
    st.sampled_from([None, 0.111]),
)
def test_raising_one_score_never_lowers_the_ikm_or_grade(
    sets: list[tuple[int, ...]], who: int, unsur: int, weight: float | None
) -> None:
    who %= len(sets)
    raised = list(sets[who])
    raised[unsur] = min(4, raised[unsur] + 1)
    after_sets = [*sets[:who], tuple(raised), *sets[who + 1:]]

    before = compute_ikm([SkmResponse(s) for s in sets], weight)
    after = compute_ikm([SkmResponse(s) for s in after_sets], weight)

    assert before is not None and after is not None
    assert after.ikm >= before.ikm
    assert after.grade.letter <= before.grade.letter  # "A" < "B": A is better


def test_a_score_sent_as_a_whole_float_counts_as_that_number() -> None:
    response = validate_response({**{f"u{i}": 3.0 for i in range(1, 10)}, "age": 34.0})
    assert response.scores == (3,) * 9
    with pytest.raises(InvalidSkmResponse):
        validate_response({f"u{i}": 2.5 for i in range(1, 10)})
