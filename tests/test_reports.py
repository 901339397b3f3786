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
