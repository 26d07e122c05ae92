"""The site check, rule by rule: each finding names its field and line, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.sitecheck import Finding, check_site, check_site_text, errors, warnings

SITE = (Path(__file__).parents[2] / "fixtures" / "site.toml").read_text(encoding="utf-8")


def check(text: str) -> list[Finding]:
    data, found = check_site_text(text)
    assert data is not None
    return found


def replace(old: str, new: str, text: str = SITE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def paths(found: list[Finding], severity: str = "error") -> set[str]:
    return {f.path for f in found if f.severity == severity}


def only(found: list[Finding], path: str) -> Finding:
    hits = [f for f in found if f.path == path]
    assert len(hits) == 1, found
    return hits[0]


def test_the_test_site_and_the_demo_site_have_no_findings() -> None:
    from queue_server.site import DEMO_SITE

    assert check(SITE) == []
    assert check(DEMO_SITE.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("value", "says"), [
    ('"14:00-08:00"', "jam buka harus sebelum jam tutup"),
    ('"08:00-25:00"', "jam 00-23 dan menit 00-59"),
    ('"08:00-11:60"', "jam 00-23 dan menit 00-59"),
    ('"8-11"', "harus berbentuk"),
    ("800", "harus teks"),
])
def test_a_wrong_day_of_hours_is_an_error_on_that_day_and_line(value: str, says: str) -> None:
    found = only(check(replace('friday = "08:00-11:00"', f"friday = {value}")), "hours.friday")
    assert found.is_error and found.line == 16 and says in found.message_id
    assert found.message_en and found.message_en != found.message_id


def test_every_error_of_the_file_is_reported_at_once() -> None:
    text = replace('monday = "08:00-14:00"', 'monday = "14:00-08:00"')
    text = replace('number = 2', 'number = "2"', text)
    text = replace('queue = "B"', 'queue = "b"', text)
    assert paths(check(text)) == {"hours.monday", "agencies[0].counters[1].number",
                                  "agencies[1].queue"}


def test_a_misspelt_weekday_is_refused_rather_than_closing_the_day() -> None:
    found = only(check(replace("friday =", "firday =")), "hours.firday")
    assert found.is_error and "tidak dikenal" in found.message_id


def test_a_cutoff_longer_than_a_day_of_service_is_an_error() -> None:
    text = replace("cutoff_minutes_before_close = 30", "cutoff_minutes_before_close = 180")
    assert paths(check(text)) == {"hours.friday"}


OVERRIDE = '\n[[hours.overrides]]\n{body}\nreason = "Uji"\n'


def with_override(*bodies: str) -> str:
    extra = "".join(OVERRIDE.format(body=b) for b in bodies)
    return replace("holidays = true\n", "holidays = true\n" + extra)


@pytest.mark.parametrize(("body", "path"), [
    ('from = 2026-03-10\nto = 2026-03-02\nclosed = true', "hours.overrides[0].to"),
    ('to = 2026-03-02\nclosed = true', "hours.overrides[0].from"),
    ('from = 2026-03-02\nclosed = true', "hours.overrides[0].to"),
    ('date = 2026-03-02\nclosed = true\nhours = "08:00-12:00"', "hours.overrides[0].hours"),
    ('date = 2026-03-02', "hours.overrides[0].hours"),
    ('date = 2026-03-02T08:00:00\nclosed = true', "hours.overrides[0].date"),
    ('date = "2 Maret"\nclosed = true', "hours.overrides[0].date"),
    ('date = 2026-03-02\nhours = "12:00-08:00"', "hours.overrides[0].hours"),
    ('date = 2026-03-02\nclosed = "ya"', "hours.overrides[0].closed"),
    ('date = 2026-03-02\nclosed = true\nalasan = "x"', "hours.overrides[0].alasan"),
])
def test_a_wrong_override_names_its_field(body: str, path: str) -> None:
    found = check(with_override(body))
    assert path in paths(found), found
    assert only(found, path).line is not None


def test_overlapping_overrides_are_an_error_on_the_later_one() -> None:
    found = check(with_override("from = 2026-03-02\nto = 2026-03-05\nclosed = true",
                                "date = 2026-03-04\nclosed = true"))
    assert paths(found) == {"hours.overrides[1]"}


def test_a_break_window_outside_every_days_hours_is_an_error() -> None:
    found = only(check(replace('window = "11:30-13:30"', 'window = "15:00-16:00"')),
                 "breaks.window")
    assert found.is_error and "di luar jam layanan" in found.message_id


def test_a_break_window_running_past_closing_is_a_warning_naming_the_days() -> None:
    found = only(check(replace('window = "11:30-13:30"', 'window = "13:00-15:00"')),
                 "breaks.window")
    assert found.severity == "warning" and "Senin" in found.message_id
    assert "Jumat" not in found.message_id  # Friday closes at 11.00: no overlap at all


def test_a_break_longer_than_the_rules_allow_is_an_error() -> None:
    assert paths(check(replace("default_minutes = 30", "default_minutes = 500"))) == {
        "breaks.default_minutes"}


def test_more_staffed_counters_than_a_service_has_is_an_error_naming_the_services() -> None:
    found = only(check(replace("min_staffed_counters = 1", "min_staffed_counters = 2")),
                 "breaks.min_staffed_counters")
    # KTP and KK have three counters, AKTA two; NPWP and JKN one each. P1 is priority-only.
    assert found.is_error and "NPWP (1)" in found.message_id and "JKN (1)" in found.message_id
    assert "KTP" not in found.message_id and "AKTA" not in found.message_id


def test_a_service_no_counter_serves_is_a_warning() -> None:
    text = replace('services = ["NPWP"]', 'services = ["JKN"]')
    found = check(text)
    assert errors(found) == []
    assert only(found, "agencies[1].services[0].code").severity == "warning"
    assert errors(found, strict=True) == warnings(found)


def test_a_counter_naming_an_unknown_service_is_an_error_on_that_item() -> None:
    text = replace('services = ["JKN"]', 'services = ["JKN", "SIM"]')
    found = check(text)
    assert found == [only(found, "agencies[2].counters[0].services[1]")]
    assert found[0].line == text.splitlines().index('services = ["JKN", "SIM"]') + 1


def test_a_service_listed_twice_on_a_counter_is_an_error() -> None:
    found = check(replace('services = ["JKN"]', 'services = ["JKN", "JKN"]'))
    assert paths(found) == {"agencies[2].counters[0].services[1]"}


def test_two_agencies_sharing_one_queue_is_a_warning_on_the_second() -> None:
    found = check(replace('queue = "C"', 'queue = "B"'))
    assert errors(found) == []
    assert "KPP" not in only(found, "agencies[2].queue").message_id  # names the code
    assert "PAJAK" in only(found, "agencies[2].queue").message_id


def test_services_of_one_agency_share_its_queue_without_a_finding() -> None:
    assert check(replace('code = "KK"\n', 'code = "KK"\nqueue = "A"\n')) == []


def test_a_kiosk_naming_a_missing_printer_is_an_error() -> None:
    text = SITE + '\n[[kiosks]]\ncode = "lantai2"\nprinter = "kiosk-2"\n'
    found = only(check(text), "kiosks[1].printer")
    assert found.is_error and found.line == text.splitlines().index('printer = "kiosk-2"') + 1


@pytest.mark.parametrize(("edit", "path"), [
    (('kind = "dummy"', ""), "printers[0].kind"),
    (('kind = "dummy"', 'kind = "network"'), "printers[0].host"),
    (('kind = "dummy"', 'kind = "usb"\nvendor_id = "0x04b8"\nproduct_id = "zz"'),
     "printers[0].product_id"),
    (('paper_mm = 80', "paper_mm = 76"), "printers[0].paper_mm"),
    (('paper_mm = 80', "paper_mm = 80\ntimeout_s = 0"), "printers[0].timeout_s"),
    (('paper_mm = 80', 'paper_mm = 80\nstatus = "yes"'), "printers[0].status"),
])
def test_a_wrong_printer_names_its_field(edit: tuple[str, str], path: str) -> None:
    assert path in paths(check(replace(*edit)))


def test_a_usb_printer_with_hex_ids_passes() -> None:
    text = replace('kind = "dummy"', 'kind = "usb"\nvendor_id = "0x04b8"\nproduct_id = 0x0202')
    assert check(text) == []


def test_every_key_the_printer_builder_reads_is_known_to_the_check() -> None:
    # ``status`` (answer DLE EOT before a job counts as printed) is read by the server, so
    # the check must not call it a typo.
    text = replace('kind = "dummy"', 'kind = "network"\nhost = "10.0.0.9"\nport = 9100\n'
                   'status = false\nattempts = 3\ntimeout_s = 5\nretry_s = 0.5')
    assert check(text) == []


def test_a_standard_holds_only_text() -> None:
    found = check(replace('biaya = "Gratis"', "biaya = 2026-01-01"))
    assert paths(found) == {"agencies[0].services[0].standard.biaya"}


def test_unknown_keys_outside_the_hours_are_warnings() -> None:
    found = check(replace("[ordering]", "[suara]\nengine = \"clips\"\n\n[ordering]"))
    assert paths(found, "warning") == {"suara"} and errors(found) == []
    found = check(replace("[ordering]", "[voice]\nengine = \"clips\"\n\n[ordering]"))
    assert paths(found, "warning") == {"voice.engine"} and errors(found) == []


def test_voice_settings_and_logos_are_checked() -> None:
    found = check(replace("[ordering]", "[voice]\nrepeat = 4\npause_ms = 50\n\n[ordering]"))
    assert {"voice.repeat", "voice.pause_ms"} <= paths(found, "error")
    found = check(SITE.replace('queue = "A"\n', 'queue = "A"\nlogo = "logo.exe"\n', 1))
    assert "agencies[0].logo" in paths(found, "error")
    found = check(SITE.replace('queue = "A"\n', 'queue = "A"\nlogo = "logos/a.svg"\n', 1))
    assert errors(found) == []


def test_a_priority_counter_without_categories_is_a_warning() -> None:
    text = SITE.replace("[[priority_categories]]", "[[unused]]")
    found = check(text)
    assert "counters[0].priority_only" in paths(found, "warning")


def test_the_check_takes_a_document_without_lines_for_admin_edits() -> None:
    import tomllib

    data = tomllib.loads(SITE)
    data["agencies"][0]["services"][2]["daily_quota"] = 0
    found = check_site(data)
    assert [(f.path, f.line) for f in found] == [("agencies[0].services[2].daily_quota", None)]
    assert found[0].as_json()["message"]["en"].startswith("must be from 1")


def test_broken_toml_is_one_error_with_its_line() -> None:
    data, found = check_site_text(SITE + "\n[oops\n")
    assert data is None and found[0].is_error and found[0].line == SITE.count("\n") + 2


def test_a_code_with_a_trailing_newline_is_refused() -> None:
    # "$" in a pattern also matches before a final newline; codes end at "\Z".
    from queue_server.sitecheck.catalogue import CODE
    from queue_server.sitecheck.general import SITE_CODE

    assert CODE.match("KTP") and not CODE.match("KTP\n")
    assert SITE_CODE.match("probolinggo") and not SITE_CODE.match("probolinggo\n")
