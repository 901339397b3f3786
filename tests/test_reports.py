"""Reports on the bundled sample project: JSON against its schema, Markdown against a
snapshot, HTML in a real headless browser."""

from __future__ import annotations

import copy
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "sample_project.md"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    pytest.importorskip("tensorflow")
    out = tmp_path_factory.mktemp("reports")
    for suffix in ("json", "md", "html"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "seq2func",
                "convert",
                "fixtures/sample_project",
                "--diff",
                "--verify",
                "--report",
                str(out / f"report.{suffix}"),
                "-q",
                "-j",
                "2",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def _stable(markdown: str) -> str:
    """Timings vary from run to run, and the host from machine to machine; everything
    else must not."""
    markdown = markdown.replace(f") at {socket.gethostname()}, ", ") at HOST, ")
    return re.sub(r"\d+\.\d+ s\b", "N s", markdown)


@pytest.mark.framework
def test_json_report_validates_against_the_shipped_schema(reports):
    jsonschema = pytest.importorskip("jsonschema")
    from seq2func.reports import schema

    data = json.loads((reports / "report.json").read_text())
    jsonschema.validate(data, schema())
    assert data["overview"]["verification"]["equivalent"] == 6


@pytest.mark.framework
def test_schema_rejects_a_report_missing_its_version(reports):
    jsonschema = pytest.importorskip("jsonschema")
    from seq2func.reports import schema

    data = json.loads((reports / "report.json").read_text())
    del data["schema_version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema())


@pytest.mark.framework
def test_markdown_report_matches_the_snapshot(reports):
    assert _stable((reports / "report.md").read_text()) == SNAPSHOT.read_text()


@pytest.mark.framework
def test_markdown_answers_seed_002_for_the_users_model(reports):
    text = (reports / "report.md").read_text()
    assert (
        "input_shape=(44,) on dense_1 was ignored by Keras; the layer really received (None, 32)"
        in text
    )


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        try:
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "chromium"],
                check=True,
                capture_output=True,
                timeout=900,
            )
        except (OSError, subprocess.SubprocessError):
            try:
                subprocess.run(
                    ["apt-get", "update", "-qq"],
                    check=True,
                    capture_output=True,
                    timeout=900,
                )
                subprocess.run(
                    ["apt-get", "install", "-y", "-qq", "chromium"],
                    check=True,
                    capture_output=True,
                    timeout=900,
                )
            except (OSError, subprocess.SubprocessError) as error:
                pytest.skip(
                    f"Chromium is not installed and could not be installed: {error}"
                )
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("Chromium could not be installed on this machine")
    return found


def _dom(chromium: str, page: Path, profile: Path) -> str:
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout


def _visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", dom, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@pytest.mark.framework
def test_html_report_renders_in_a_browser_with_the_site_table(
    reports, chromium, tmp_path
):
    text = _visible_text(_dom(chromium, reports / "report.html", tmp_path / "profile"))
    assert "seq2func report" in text
    assert "7 of 7 sites" in text  # the filter script ran
    assert "explicit input" in text
    assert "input_shape=(44,) ignored; received (None, 32)" in text
    assert "acts on the last axis of (None, 28, 28, 1)" in text


@pytest.mark.framework
def test_html_report_is_self_contained(reports):
    html = (reports / "report.html").read_text()
    assert "http://" not in html and "https://" not in html
    assert "<script src" not in html and "<link" not in html


@pytest.mark.framework
def test_html_report_with_thousands_of_sites_still_renders(reports, chromium, tmp_path):
    from seq2func.reports import html

    data = json.loads((reports / "report.json").read_text())
    template = data["sites"][0]
    data["sites"] = []
    for index in range(3000):
        site = copy.deepcopy(template)
        site["path"] = f"pkg/module_{index}.py"
        data["sites"].append(site)
    page = tmp_path / "big.html"
    page.write_text(html.render(data))
    text = _visible_text(_dom(chromium, page, tmp_path / "profile"))
    assert "3000 of 3000 sites" in text


def _notebook_run():
    """A verified notebook of five sites, one per cell, in every state a site can be in."""
    from seq2func import diagnostics
    from seq2func.results import Site
    from seq2func.runner import FileOutcome
    from seq2func.summary import Summary
    from seq2func.verify.results import (
        RunVerification,
        SiteVerification,
        VerificationReport,
    )

    verdicts = [
        ("equivalent", None, ""),
        (
            "unverifiable",
            "S2F312",
            " (sklearn: ModuleNotFoundError: No module named 'sklearn')",
        ),
        (
            "different",
            "S2F306",
            " (layer 0 (dense): output shape (None, 8) != (None, 16))",
        ),
        (
            "unverifiable",
            "S2F302",
            " (build() needs argument `units`: pass --bind units=VALUE)",
        ),
        (
            "unverifiable",
            "S2F312",
            " (gymnasium: ModuleNotFoundError: No module named 'gymnasium')",
        ),
    ]
    sites, checked = [], []
    for cell, (status, code, detail) in enumerate(verdicts, start=1):
        site = Site(f"m{cell}", "<module>", 2, 0, 4, "converted", "list", cell=cell)
        sites.append(site)
        found = (
            (diagnostics.make(code, model=site.label, line=2, detail=detail),)
            if code
            else ()
        )
        checked.append(
            SiteVerification(
                path="nb.ipynb",
                line=2,
                scope="<module>",
                target=site.target,
                status=status,
                diagnostics=found,
                reason=detail.strip()[1:-1],
                keras="2" if cell == 5 else "3",
                keras_version="2.21.0" if cell == 5 else "3.15.1",
                keras_reason="the file imports tf_keras" if cell == 5 else "",
                cell=cell,
            )
        )
    outcome = FileOutcome(
        "nb.ipynb",
        "changed",
        tuple(sites),
        original="{}",
        converted="{}",
        kind="notebook",
    )
    verification = RunVerification(
        {"nb.ipynb": VerificationReport(tuple(checked), "nb.ipynb")}
    )
    summary = Summary.of([outcome], verification=verification)
    return [outcome], summary, verification


def test_reports_lead_with_sites_that_need_a_person_grouped_by_reason():
    from seq2func.reports import build

    data = build(*_notebook_run(), command="verify")
    order = [(s["label"], s["verification"]["status"]) for s in data["sites"]]
    assert order == [
        ("m3", "different"),
        ("m4", "unverifiable"),  # S2F302
        ("m2", "unverifiable"),  # S2F312, the two together
        ("m5", "unverifiable"),
        ("m1", "equivalent"),
    ]
    missing, unreachable = data["overview"]["unverifiable_by_reason"]
    assert (missing["code"], missing["count"]) == ("S2F312", 2)
    assert missing["modules"] == ["sklearn", "gymnasium"]
    assert "gymnasium, sklearn" in missing["fix"]
    assert (unreachable["code"], unreachable["count"]) == ("S2F302", 1)
    assert "--bind" in unreachable["fix"]


def test_json_report_of_a_notebook_validates_with_cells_keras_and_reasons():
    jsonschema = pytest.importorskip("jsonschema")
    from seq2func.reports import build, schema

    data = json.loads(json.dumps(build(*_notebook_run(), command="verify")))
    jsonschema.validate(data, schema())
    assert [s["cell"] for s in data["sites"]] == [3, 4, 2, 5, 1]
    keras = {s["label"]: s["verification"]["keras"] for s in data["sites"]}
    assert keras["m5"] == "2" and keras["m1"] == "3"


def test_html_report_shows_cells_and_a_bar_chart_of_reasons_with_fixes():
    from seq2func.reports import build, html

    page = html.render(build(*_notebook_run(), command="verify"))
    text = _visible_text(page)
    assert "cell 3, line 2" in text and "cell 5, line 2" in text
    assert "line 1" not in text
    assert "Unverifiable, by reason" in text
    assert "S2F312 missing-module (sklearn, gymnasium)" in text
    assert "Fix: Install what provides gymnasium, sklearn" in text
    assert "pass it to a function with --bind" not in text  # no S2F313 here
    assert "Fix: Pass values with --bind NAME=VALUE" in text
    assert "2.21.0 (Keras 2, tf-keras)" in text
    # The rows that need a person come first, in the table as in the details.
    rows = re.findall(r"<tr data-status='(\w+)'", page)
    assert rows == [
        "different",
        "unverifiable",
        "unverifiable",
        "unverifiable",
        "equivalent",
    ]
    assert page.count("class='bar'") == 2
    assert "http://" not in page and "https://" not in page
