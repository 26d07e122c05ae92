from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.site import DEMO_SITE, SiteFileInvalid, load_site, parse_site

GOOD = """\
[site]
code = "uji"
name = "MPP Uji"
timezone = "Asia/Jakarta"

[[agencies]]
code = "DUK"
name = "Dukcapil"
queue = "A"

[[agencies.services]]
code = "KTP"
name = "KTP-el"

[[agencies.counters]]
code = "A1"
number = 1
services = ["KTP"]
"""


def test_the_demo_site_is_valid_and_has_the_probolinggo_shape() -> None:
    site = load_site(DEMO_SITE)
    assert len(site.agencies) == 22
    assert sum(a.kind == "daerah" for a in site.agencies) == 12
    assert 140 <= len(site.services) <= 160
    assert any(c.priority_only for c in site.counters)


def test_a_minimal_site_parses() -> None:
    site = parse_site(GOOD)
    assert site.services_by_code["KTP"].queue == "A"
    assert site.counters[0].services == ("KTP",)


def test_every_error_is_reported_with_field_and_line() -> None:
    bad = GOOD.replace('queue = "A"', 'queue = "a1"').replace('number = 1', 'number = "1"')
    bad += '\n[[agencies.services]]\ncode = "KTP"\nname = "Dobel"\ndaily_quota = 0\n'
    with pytest.raises(SiteFileInvalid) as caught:
        parse_site(bad)
    found = {(e.path, e.line) for e in caught.value.errors}
    assert ("agencies[0].queue", 9) in found
    assert ("agencies[0].counters[0].number", 17) in found
    assert ("agencies[0].services[1].daily_quota", 23) in found
    assert any("sudah dipakai" in e.message for e in caught.value.errors)
    assert "baris 9" in str(caught.value)


def test_an_unknown_service_on_a_counter_is_an_error_and_an_unserved_service_a_warning() -> None:
    bad = GOOD.replace('services = ["KTP"]', 'services = ["KK"]')
    with pytest.raises(SiteFileInvalid) as caught:
        parse_site(bad)
    assert [(e.path, e.message) for e in caught.value.errors] == [
        ("agencies[0].counters[0].services[0]", "layanan 'KK' tidak ada di berkas ini")]
    unserved = [w for w in caught.value.warnings if w.path == "agencies[0].services[0].code"]
    assert "tidak dilayani loket mana pun" in unserved[0].message


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(GOOD + "\n[oops\n")
    with pytest.raises(SiteFileInvalid) as caught:
        load_site(path)
    assert caught.value.errors[0].line == 20
