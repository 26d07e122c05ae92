"""The TOML writer behind ``loket config export`` gives back the very document it wrote."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from queue_server import toml_out
from queue_server.site import DEMO_SITE, load_site


def test_the_demo_site_reads_back_as_the_same_document() -> None:
    document = load_site(DEMO_SITE).document
    assert tomllib.loads(toml_out.dump(document)) == document


def test_a_table_after_an_array_of_tables_keeps_its_keys_in_place() -> None:
    document = {"site": {"code": "x", "notices": ["a"]},
                "hours": {"monday": "08:00-14:00",
                          "overrides": [{"date": "2026-03-02", "closed": True}]},
                "agencies": [{"code": "A", "services": [{"code": "S", "standard": {
                    "persyaratan": ["KTP"], "biaya": "Gratis"}}],
                    "counters": [{"code": "A1", "services": ["*"]}]}],
                "weird key": {"sp ace": 1.5}}
    text = toml_out.dump(document, header="baris satu\nbaris dua")
    assert text.startswith("# baris satu\n# baris dua\n")
    assert tomllib.loads(text) == document


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_scalar = st.one_of(_text, st.integers(-2**63, 2**63 - 1), st.booleans())


@given(st.dictionaries(_text.filter(bool), st.one_of(_scalar, st.lists(_scalar, max_size=3)),
                       max_size=5))
def test_any_text_and_numbers_survive(table: dict[str, object]) -> None:
    # TOML arrays may mix types since 1.0; tomllib reads them.
    document = {"site": table}
    assert tomllib.loads(toml_out.dump(document)) == document


def test_a_key_ending_in_a_newline_is_quoted() -> None:
    # Found by hypothesis: the bare-key pattern's "$" matched before a trailing newline.
    document = {"site": {"0\n": ""}}
    assert tomllib.loads(toml_out.dump(document)) == document
