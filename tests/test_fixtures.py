"""Every fixture case converts to exactly its expected output, with the expected sites."""

from __future__ import annotations

from functools import lru_cache

import pytest

import seq2func
from cases import all_cases

CASES = all_cases()


@lru_cache(maxsize=None)
def convert(source: str):
    return seq2func.convert_source(source)


IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conversion_gives_the_expected_output(case):
    assert convert(case.source).code == case.expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_site_is_converted_or_skipped_as_expected(case):
    result = convert(case.source)
    found = [(site.status, site.skip_codes) for site in result.sites]
    assert found == list(case.sites)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_converted_sites_carry_the_expected_notes(case):
    result = convert(case.source)
    notes = {d.code for d in result.diagnostics if d.kind == "note"}
    assert notes == case.notes


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_second_run_changes_nothing(case):
    once = convert(case.source).code
    assert convert(once).code == once


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.changes], ids=[c.name for c in CASES if c.changes]
)
def test_converted_code_compiles(case):
    compile(case.expected, case.name, "exec")


def test_every_seed_is_in_the_fixtures():
    for seed in ("seed000", "seed001", "seed002", "seed003", "seed004"):
        assert any(case.name.startswith(seed) for case in CASES), seed


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_planning_without_rewriting_reports_the_same_sites(case):
    from seq2func.convert import plan_source

    assert plan_source(case.source) == convert(case.source).sites


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_file_changes_exactly_when_planning_converts_a_site(case):
    from seq2func.convert import plan_source

    would_change = any(site.status == "converted" for site in plan_source(case.source))
    assert would_change == convert(case.source).changed
