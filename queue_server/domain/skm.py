"""Survei Kepuasan Masyarakat (SKM) and its index (IKM), after Permenpan RB 14/2017.

Nine *unsur* are each scored 1..4. ``NRR_i`` is the mean score of unsur *i*, ``NRR
tertimbang = NRR_i × weight`` (1/9 by default; some offices use 0.111), the unit's IKM is
their sum (1..4) and is converted ``× 25`` to 25..100.

Rounding: everything is computed exactly (the weight is read as the decimal it is written
as, so 0.111 means 111/1000), then the converted value is rounded **half up** to 2 decimals,
as the ROUND of the office spreadsheets does, and only that rounded value is graded. So
88.305 becomes 88.31 and is an A, while 88.3049… becomes 88.30 and is a B. The unrounded NRR
values are returned as they are; displays round them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

from queue_server.domain.errors import Invalid


@dataclass(frozen=True, slots=True)
class Unsur:
    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    #: Labels for scores 1, 2, 3, 4.
    answers_id: tuple[str, str, str, str]
    answers_en: tuple[str, str, str, str]


# The regulation numbers the unsur as below; its sample form asks about facilities before
# complaints (questions 8 and 9 swapped). We keep the unsur numbering everywhere.
UNSUR: tuple[Unsur, ...] = (
    Unsur("U1", "Persyaratan", "Requirements",
          "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
          "pelayanannya?",
          "How well do the requirements match the service you received?",
          ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
          ("Not appropriate", "Somewhat appropriate", "Appropriate", "Very appropriate")),
    Unsur("U2", "Sistem, Mekanisme, dan Prosedur", "System, mechanism and procedure",
          "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
          "How easy was the service procedure at this unit?",
          ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
          ("Not easy", "Somewhat easy", "Easy", "Very easy")),
    Unsur("U3", "Waktu Penyelesaian", "Completion time",
          "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
          "How fast was the service delivered?",
          ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
          ("Not fast", "Somewhat fast", "Fast", "Very fast")),
    Unsur("U4", "Biaya/Tarif", "Cost/fee",
          "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
          "How fair was the cost or fee of the service?",
          ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
          ("Very expensive", "Rather expensive", "Cheap", "Free")),
    Unsur("U5", "Produk Spesifikasi Jenis Pelayanan", "Service product",
          "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
          "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
          "How well did the result match the product listed in the service standard?",
          ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
          ("Not appropriate", "Somewhat appropriate", "Appropriate", "Very appropriate")),
    Unsur("U6", "Kompetensi Pelaksana", "Staff competence",
          "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
          "How competent were the officers who served you?",
          ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
          ("Not competent", "Somewhat competent", "Competent", "Very competent")),
    Unsur("U7", "Perilaku Pelaksana", "Staff conduct",
          "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
          "kesopanan dan keramahan?",
          "How polite and friendly were the officers?",
          ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
           "Sangat sopan dan ramah"),
          ("Not polite and friendly", "Somewhat polite and friendly", "Polite and friendly",
           "Very polite and friendly")),
    Unsur("U8", "Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and feedback",
          "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
          "How are complaints from service users handled?",
          ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
           "Dikelola dengan baik"),
          ("None", "Exists but does not work", "Works, but not fully", "Well managed")),
    Unsur("U9", "Sarana dan Prasarana", "Facilities",
          "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
          "How good are the facilities?",
          ("Buruk", "Cukup", "Baik", "Sangat baik"),
          ("Poor", "Fair", "Good", "Very good")),
)


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label_id: str
    label_en: str


GENDERS = (Option("L", "Laki-laki", "Male"), Option("P", "Perempuan", "Female"))
AGE_BANDS = (
    Option("<20", "Di bawah 20 tahun", "Under 20"),
    Option("20-29", "20–29 tahun", "20–29"),
    Option("30-39", "30–39 tahun", "30–39"),
    Option("40-49", "40–49 tahun", "40–49"),
    Option("50-59", "50–59 tahun", "50–59"),
    Option("60+", "60 tahun ke atas", "60 and over"),
)
EDUCATION = (
    Option("SD", "SD ke bawah", "Primary school or less"),
    Option("SMP", "SMP/sederajat", "Junior high school"),
    Option("SMA", "SMA/SMK/sederajat", "Senior high school"),
    Option("D1-D3", "Diploma (D1–D3)", "Diploma (D1–D3)"),
    Option("D4-S1", "D4/S1", "Bachelor (D4/S1)"),
    Option("S2", "S2", "Master (S2)"),
    Option("S3", "S3", "Doctorate (S3)"),
)
OCCUPATIONS = (
    Option("PNS", "PNS/ASN", "Civil servant"),
    Option("TNI", "TNI", "Armed forces"),
    Option("POLRI", "POLRI", "Police"),
    Option("SWASTA", "Pegawai swasta", "Private employee"),
    Option("WIRAUSAHA", "Wirausaha", "Self-employed"),
    Option("PELAJAR", "Pelajar/Mahasiswa", "Student"),
    Option("LAINNYA", "Lainnya", "Other"),
)
PROFILE_OPTIONS: dict[str, tuple[Option, ...]] = {
    "gender": GENDERS, "age": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS,
}
SCORE_FIELDS = tuple(u.code.lower() for u in UNSUR)
SUGGESTION_MAX = 2000


class InvalidSkmResponse(Invalid, ValueError):
    """A questionnaire answer is missing or not allowed; ``field`` names it and ``what`` the
    sentence (``queue_server.messages.INVALID_DETAILS``)."""

    def __init__(self, field: str, what: str, **params: Any) -> None:
        super().__init__("invalid", field=field, what=what, **params)
        self.field = field
        self.what = what

    def __str__(self) -> str:
        return f"{self.field}: {self.what}"


@dataclass(frozen=True, slots=True)
class SkmResponse:
    scores: tuple[int, ...]  # U1..U9, each 1..4
    gender: str | None = None
    age: str | None = None
    education: str | None = None
    occupation: str | None = None
    suggestion: str | None = None


def validate_response(data: Mapping[str, Any]) -> SkmResponse:
    """Check a submitted questionnaire: ``u1``..``u9`` (ints 1..4, or digit strings as an HTML
    form sends them) are required; ``gender``, ``age`` (a band code or an age in years),
    ``education``, ``occupation`` and ``suggestion`` are optional, blank meaning not given.
    Unknown keys are refused, so a misspelt field is not silently lost."""
    for name in data:
        if name not in SCORE_FIELDS and name not in PROFILE_OPTIONS and name != "suggestion":
            raise InvalidSkmResponse(str(name), "unknown_field")
    scores = tuple(_score(name, data.get(name)) for name in SCORE_FIELDS)
    profile = {name: _option(name, data.get(name)) for name in PROFILE_OPTIONS}
    suggestion = data.get("suggestion")
    if suggestion is not None and not isinstance(suggestion, str):
        raise InvalidSkmResponse("suggestion", "not_text")
    if suggestion is not None and len(suggestion) > SUGGESTION_MAX:
        raise InvalidSkmResponse("suggestion", "longer_than", limit=SUGGESTION_MAX)
    return SkmResponse(scores, suggestion=(suggestion or "").strip() or None, **profile)


def _score(name: str, value: Any) -> int:
    if value is None or value == "":
        raise InvalidSkmResponse(name, "required")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 3.0 is the whole number 3
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise InvalidSkmResponse(name, "score")
    return value


def _option(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if name == "age" and not isinstance(value, bool):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            if not 1 <= value <= 120:
                raise InvalidSkmResponse(name, "age")
            return age_band(value)
    codes = [option.code for option in PROFILE_OPTIONS[name]]
    if not isinstance(value, str) or value not in codes:
        raise InvalidSkmResponse(name, "one_of", options=", ".join(codes))
    return value


def age_band(years: int) -> str:
    if years < 20:
        return "<20"
    if years >= 60:
        return "60+"
    decade = years // 10 * 10
    return f"{decade}-{decade + 9}"


@dataclass(frozen=True, slots=True)
class Grade:
    letter: Literal["A", "B", "C", "D"]
    label_id: str
    label_en: str


GRADES: tuple[tuple[Decimal, Grade], ...] = (
    (Decimal("88.31"), Grade("A", "Sangat Baik", "Very good")),
    (Decimal("76.61"), Grade("B", "Baik", "Good")),
    (Decimal("65.00"), Grade("C", "Kurang Baik", "Poor")),
    (Decimal("25.00"), Grade("D", "Tidak Baik", "Very poor")),
)


def round_ikm(value: Fraction | Decimal | float | str) -> Decimal:
    """Half up to 2 decimals; a float is read as the decimal it prints as (88.305 → 88.31)."""
    if isinstance(value, Fraction):
        hundredths = value * 100
        whole = hundredths.numerator * 2 + hundredths.denominator
        # floor(x + 1/2) for x ≥ 0, done in integers so no binary rounding creeps in
        return Decimal(whole // (2 * hundredths.denominator)).scaleb(-2)
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def classify(value: Fraction | Decimal | float | str) -> Grade:
    """The mutu pelayanan for a converted IKM (25..100), after rounding to 2 decimals."""
    rounded = round_ikm(value)
    for lower, grade in GRADES:
        if rounded >= lower:
            return grade
    return GRADES[-1][1]  # below 25 cannot come from valid scores; treat it as the worst


@dataclass(frozen=True, slots=True)
class IkmResult:
    respondents: int
    weight: float
    nrr: tuple[float, ...]  # mean score per unsur, U1..U9
    nrr_weighted: tuple[float, ...]
    ikm_unit: float  # Σ NRR tertimbang, 1..4 (with weight 1/9)
    ikm: Decimal  # converted × 25 and rounded half up to 2 decimals
    grade: Grade

    @property
    def weakest(self) -> Unsur:
        """The unsur with the lowest NRR (the first one on a tie): where to improve first."""
        return UNSUR[min(range(len(self.nrr)), key=lambda i: self.nrr[i])]


def compute_ikm(responses: Iterable[SkmResponse], weight: float | None = None) -> IkmResult | None:
    """The IKM of a set of responses, or ``None`` when there are none."""
    totals = [0] * len(UNSUR)
    count = 0
    for response in responses:
        for i, score in enumerate(response.scores):
            totals[i] += score
        count += 1
    return ikm_from_totals(totals, count, weight)


def ikm_from_totals(totals: Sequence[int], count: int,
                    weight: float | None = None) -> IkmResult | None:
    """The IKM from the sum of each unsur's scores over ``count`` responses (what a SQL
    ``SUM`` gives), or ``None`` when there are none; exactly :func:`compute_ikm`'s figure."""
    if count == 0:
        return None
    w = Fraction(1, len(UNSUR)) if weight is None else Fraction(repr(float(weight)))
    if w <= 0:
        raise ValueError("weight must be positive")
    nrr = [Fraction(total, count) for total in totals]
    unit = sum((value * w for value in nrr), Fraction(0))
    return IkmResult(
        respondents=count,
        weight=float(w),
        nrr=tuple(float(value) for value in nrr),
        nrr_weighted=tuple(float(value * w) for value in nrr),
        ikm_unit=float(unit),
        ikm=round_ikm(unit * 25),
        grade=classify(unit * 25),
    )


@dataclass(frozen=True, slots=True)
class KeyedResponse:
    """A response with what it is about, for :func:`ikm_by`."""

    response: SkmResponse
    service: str | None = None
    agency: str | None = None
    officer: str | None = None


def ikm_by(
    responses: Iterable[KeyedResponse],
    key: Literal["service", "agency", "officer", "all"],
    weight: float | None = None,
) -> dict[str | None, IkmResult]:
    """IKM per service, agency or officer (``None`` collects responses without one), or
    ``{"all": …}`` overall; keys in sorted order with ``None`` last."""
    if key not in ("service", "agency", "officer", "all"):
        raise ValueError(f"cannot group SKM responses by {key!r}")
    groups: dict[str | None, list[SkmResponse]] = defaultdict(list)
    for item in responses:
        group = "all" if key == "all" else getattr(item, key)
        groups[group].append(item.response)
    result: dict[str | None, IkmResult] = {}
    for group in sorted(groups, key=lambda g: (g is None, g or "")):
        ikm = compute_ikm(groups[group], weight)
        if ikm is not None:
            result[group] = ikm
    return result
