"""The count-based forms the region's SQL aggregates use give exactly the figures of the
record-based rules the supervisor's statistics use."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import skm
from queue_server.domain.stats import TicketRecord, agency_rates, utilisation

AGENCIES = ("DUKCAPIL", "PAJAK", "BPJS", "POLRES")
MOMENT = datetime(2025, 11, 24, 2, tzinfo=UTC)

scores = st.lists(st.tuples(*(st.integers(1, 4) for _ in skm.UNSUR)), max_size=40)


@given(scores)
def test_the_ikm_from_score_sums_is_the_ikm_of_the_responses(answers: list[tuple[int, ...]]
                                                             ) -> None:
    responses = [skm.SkmResponse(a) for a in answers]
    totals = [sum(a[i] for a in answers) for i in range(len(skm.UNSUR))]
    assert skm.ikm_from_totals(totals, len(answers)) == skm.compute_ikm(responses)


@given(st.lists(st.sampled_from(AGENCIES), max_size=60),
       st.dictionaries(st.sampled_from(AGENCIES), st.integers(0, 4)),
       st.floats(min_value=0.5, max_value=200))
def test_agency_rates_from_counts_flag_as_the_utilisation_of_records(
        visits: list[str], staffing: dict[str, int], hours: float) -> None:
    records = [TicketRecord(f"t{i}", agency, "S", None, None, None, "done", MOMENT, None,
                            None, None, False, None) for i, agency in enumerate(visits)]
    from_records = {u.agency: (u.visitors, u.flag) for u in utilisation(records, staffing,
                                                                        hours)}
    from_counts = {a: (r.visitors, r.flag)
                   for a, r in agency_rates(Counter(visits), staffing, hours).items()}
    assert from_counts == from_records
