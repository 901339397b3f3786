"""The planning rules say which fixtures pin them down, and those fixtures exist."""

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLANNING = sorted((ROOT / "seq2func" / "planning").rglob("*.py"))
FIXTURES = [p.stem for p in (ROOT / "fixtures" / "cases").glob("*.py")]


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _cited_fixtures(path: Path) -> list[str]:
    _, _, cited = _docstring(path).partition("Fixtures:")
    cited = cited.split(";")[0]  # what follows names tests, not fixtures
    return re.findall(r"`([\w*]+)`", cited)


RULES = [p for p in PLANNING if _cited_fixtures(p)]


def test_every_step_and_use_rule_cites_its_fixtures():
    steps = {p.stem for p in PLANNING if p.parent.name == "planning"}
    uses = {p.stem for p in PLANNING if p.parent.name == "uses"}
    # "Fixtures: none" is a citation too, for rules that read runtime state.
    cited = {p.stem for p in PLANNING if "Fixtures:" in _docstring(p)}
    missing = (steps | uses) - cited - {"__init__", "plan", "base", "input_arguments"}
    assert not missing


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_cited_fixtures_exist(path):
    for pattern in _cited_fixtures(path):
        assert fnmatch.filter(FIXTURES, pattern), f"{path.stem} cites {pattern}"
