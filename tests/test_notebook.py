"""Notebooks: only changed code cells change; IPython syntax survives; models across cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seq2func import cli
from seq2func.notebook import convert_notebook, notebook_diff
from seq2func.results import ConversionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks"
TUTORIAL = (NOTEBOOKS / "tutorial_across_cells.ipynb").read_text(encoding="utf-8")
USED_BETWEEN = (NOTEBOOKS / "used_between_cells.ipynb").read_text(encoding="utf-8")


def test_model_built_across_cells_is_converted_in_place():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    cells = json.loads(result.text)["cells"]
    assert "".join(cells[2]["source"]).startswith("inputs = keras.Input(shape=(784,))")
    assert 'model = keras.Model(inputs=inputs, outputs=outputs, name="mlp")' in "".join(cells[4]["source"])


def test_nothing_but_the_changed_cells_sources_changes():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    before, after = json.loads(TUTORIAL), json.loads(result.text)
    for index in result.cells_changed:
        after["cells"][index]["source"] = before["cells"][index]["source"]
    assert after == before
    assert json.dumps(after, indent=1, ensure_ascii=False) + "\n" == TUTORIAL


def test_json_layout_and_non_ascii_text_are_kept():
    text = convert_notebook(TUTORIAL, "t.ipynb").text
    assert "Classificação de dígitos" in text and "数字识别" in text
    assert text.startswith('{\n "cells": [\n')
    assert text.endswith("}\n")


def test_magics_shell_lines_and_help_are_restored_exactly():
    cells = json.loads(convert_notebook(TUTORIAL, "t.ipynb").text)["cells"]
    assert cells[1]["source"][:2] == ["%matplotlib inline\n", "!pip install -q keras\n"]
    assert cells[5]["source"][0] == "%%time\n" and cells[5]["source"][-1] == "small?"


def test_a_cell_in_another_language_is_left_alone():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    assert json.loads(result.text)["cells"][6] == json.loads(TUTORIAL)["cells"][6]
    assert 6 not in result.cells_changed


def test_outputs_ids_and_execution_counts_are_kept():
    before, after = json.loads(TUTORIAL)["cells"][4], json.loads(convert_notebook(TUTORIAL, "t.ipynb").text)["cells"][4]
    for key in ("id", "outputs", "execution_count", "metadata"):
        assert after[key] == before[key]


def test_sites_and_diagnostics_name_the_cell():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert (model.cell, model.line) == (2, 1)
    assert model.diagnostics[0].format().startswith("t.ipynb[cell 2]:2:")


def test_a_cell_in_between_that_uses_the_incomplete_model_skips_it():
    result = convert_notebook(USED_BETWEEN, "u.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert model.status == "skipped" and model.skip_codes == ("S2F104",)
    assert "cell 3" in model.diagnostics[0].message
    cells = json.loads(result.text)["cells"]
    assert "".join(cells[2]["source"]) == "".join(json.loads(USED_BETWEEN)["cells"][2]["source"])


def test_a_second_run_changes_nothing():
    once = convert_notebook(TUTORIAL, "t.ipynb").text
    assert not convert_notebook(once, "t.ipynb").changed


def test_diff_shows_cells_not_json():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    diff = notebook_diff(TUTORIAL, result.text, "t.ipynb")
    assert "+++ b/t.ipynb (cell 2)" in diff and '"source"' not in diff


def test_invalid_notebook_is_a_clear_error():
    with pytest.raises(ConversionError) as caught:
        convert_notebook('{"not": "a notebook"}', "bad.ipynb")
    assert caught.value.code == "S2F005"


def test_command_line_walks_and_converts_notebooks(tmp_path):
    path = tmp_path / "nb" / "tutorial.ipynb"
    path.parent.mkdir()
    path.write_text(TUTORIAL, encoding="utf-8")
    assert cli.main(["convert", str(tmp_path), "-q"]) == 0
    assert "keras.Model(" in path.read_text(encoding="utf-8")
    assert cli.main(["convert", str(tmp_path), "--check", "-q"]) == 0
