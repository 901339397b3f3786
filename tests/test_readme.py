"""The README documents every diagnostic code with an example, and reads whole."""

from pathlib import Path

from seq2func.diagnostics import CODES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_diagnostic_code_has_a_row_with_its_name():
    for code in CODES.values():
        assert f"| {code.code} | {code.title} |" in README, code.code


def test_every_diagnostic_code_has_a_named_constant():
    from seq2func import diagnostics

    for code in CODES.values():
        name = code.title.upper().replace("-", "_")
        assert getattr(diagnostics, name, None) == code.code, name


def test_no_merge_conflict_is_left_in_the_readme():
    import re

    assert not re.search(r"^(<{7}|>{7}|={7})( |$)", README, re.MULTILINE)
