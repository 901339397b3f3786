"""Every fixture the converter changes builds an equivalent model, proven with the framework.

One pool of workers verifies all cases, so the framework starts once per
worker, not once per case.
"""

from __future__ import annotations

import pytest

from cases import all_cases

pytestmark = pytest.mark.framework

CHANGED = [case for case in all_cases() if case.changes]


@pytest.fixture(scope="module")
def reports():
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    items = [(case.source, case.expected, case.name) for case in CHANGED]
    found = verify_many(items, Options(jobs=2, timeout=300))
    return {case.name: report for case, report in zip(CHANGED, found)}


@pytest.mark.parametrize("case", CHANGED, ids=[c.name for c in CHANGED])
def test_converted_fixture_builds_an_equivalent_model(case, reports):
    report = reports[case.name]
    assert report.sites, "no converted site was verified"
    expected = case.verify.split()[0]
    for site in report.sites:
        assert site.status == expected, (site.label, site.reason, site.differences)
        # `# verify: equivalent on Keras 2 (...)`: code written for Keras 2 is
        # verified on Keras 2 (tf-keras), both sides.
        assert site.keras == (
            "2" if "Keras 2" in case.verify else "3"
        ), site.keras_reason
        if expected == "equivalent":
            assert all(check.passed for check in site.checks)
            assert {c.name for c in site.checks} == {
                "layers",
                "input",
                "parameters",
                "initial weights",
                "outputs",
                "checkpoint",
            }
