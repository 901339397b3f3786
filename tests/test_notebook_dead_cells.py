"""Cells that do not parse: IPython runs none of them, the other cells are converted."""

from __future__ import annotations

import json

import pytest

from seq2func.notebook import convert_notebook, notebook_sources
from seq2func.results import ConversionError
from seq2func.verify.worker_probe import _run_probe

from test_notebook import CONVERTED, MODEL, notebook, sources

DATA = [
    "import numpy as np\n",
    "from tensorflow import keras\n",
    "x = np.ones((8, 4))\n",
]
UNBUILT = [
    "model = keras.Sequential([keras.layers.Dense(1)])\n",
    "model.compile(loss='mse')\n",
    "model.fit(x, x)\n",
]
TODO = ["x_train = # TODO: load the data\n"]


def codes(result) -> list[list[str]]:
    return [[d.code for d in site.diagnostics] for site in result.sites]


def test_the_other_cells_are_converted_and_the_cell_is_written_back_as_it_was():
    # IPython 9.18 raises SyntaxError before running any of such a cell, and
    # runs the next cells as usual: the notebook as it stands is the others.
    result = convert_notebook(notebook(MODEL, TODO), "lab.ipynb")
    assert sources(result.text) == [CONVERTED, TODO]
    assert result.cells_changed == (0,)


def test_each_converted_site_notes_the_cells_left_as_written():
    result = convert_notebook(notebook(TODO, MODEL, ["def f(:\n"]), "lab.ipynb")
    note = result.sites[0].diagnostics[-1]
    assert note.code == "S2F225" and note.kind == "note"
    assert note.format() == (
        "lab.ipynb[cell 1]:2:9: S2F225 model: converted with cells 0 and 2 left as"
        " written: IPython runs none of a cell that does not parse (cell 1, line 2)"
    )


def test_a_sequential_written_in_the_cell_is_a_skipped_site_with_pythons_reason():
    cell = ["  x = 1\n", "  model2 = keras.Sequential([  # TODO\n"]
    result = convert_notebook(notebook(MODEL, cell), "lab.ipynb")
    skipped = result.sites[-1]
    assert (skipped.status, skipped.target, skipped.cell) == ("skipped", "model2", 1)
    assert skipped.diagnostics[0].format() == (
        "lab.ipynb[cell 1]:2:18: S2F126 model2 is in a notebook cell that does not"
        " parse: '[' was never closed (line 2, column 29) (cell 1, line 2)"
    )


@pytest.mark.parametrize(
    "cell",
    [
        ["model.fit(x_train, # TODO\n"],
        ["w = model.layers[0].get_weights(  # TODO\n"],
        ["model.add(  # TODO\n"],
        ["train(model, # TODO\n"],
    ],
)
def test_a_model_the_cell_names_stays_a_sequential(cell):
    # Once the cell parses it may add a layer or read model.layers[0]; and
    # IPython syntax the converter does not know may make it run now.
    text = notebook(MODEL, cell)
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F105"]]
    assert (
        "(cell 1 names it, and does not parse)"
        in result.sites[0].diagnostics[0].message
    )


def test_a_cell_before_the_model_that_names_it_keeps_it_too():
    # A function defined there runs later, whenever it is called.
    cell = ["def train():\n", "    model.fit(x_train, # TODO\n"]
    text = notebook(cell, MODEL, ["train()\n"])
    assert convert_notebook(text, "lab.ipynb").text == text


def test_data_the_cell_may_bind_gives_no_input():
    text = notebook(DATA, ["x = # TODO: scale the data\n"], UNBUILT)
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F101"]]
    assert "assigned on cell 1, which does not parse," in (
        result.sites[0].diagnostics[0].message
    )


def test_data_the_cell_only_reads_still_gives_the_input():
    cell = ["plt.plot(x[:, 0], # TODO\n"]
    result = convert_notebook(notebook(DATA, cell, UNBUILT), "lab.ipynb")
    assert sources(result.text)[2][0] == "inputs = keras.Input(shape=(4,))\n"
    assert codes(result) == [["S2F210", "S2F225"]]


def test_a_fit_in_the_cell_before_the_first_build_may_be_the_first_build():
    # Fixed, `model.fit(np.ones((8, 5)), ...)` would build the model on 5 features.
    cells = [DATA, UNBUILT[:2], ["model.fit(np.ones((8, 5)), # TODO\n"], UNBUILT[2:]]
    result = convert_notebook(notebook(*cells), "lab.ipynb")
    assert codes(result) == [["S2F101"]]
    assert "(cell 2, which does not parse, runs before the model is built)" in (
        result.sites[0].diagnostics[0].message
    )


def test_a_later_use_of_the_name_still_reads_the_model_before_the_cell():
    # As it stands the cell binds nothing: `model.layers[0]` after it is the
    # Sequential's first layer, which the converted model would shift.
    text = notebook(MODEL, ["model = # TODO\n"], ["print(model.layers[0])\n"])
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F106"]]


@pytest.mark.parametrize(
    "cell",
    [
        ["exec(code  # TODO\n"],
        ["namespace = globals(  # TODO\n"],
        ["setattr(module, name, # TODO\n"],
        ["from helpers import *\n", "x = # TODO\n"],
        ["%run setup.py\n", "x = # TODO\n"],
        ["data = %store -r data\n", "x = # TODO\n"],
    ],
)
def test_a_cell_that_may_bind_names_it_does_not_mention_keeps_the_notebook_an_error(
    cell,
):
    with pytest.raises(ConversionError, match="S2F001") as caught:
        convert_notebook(notebook(MODEL, cell), "lab.ipynb")
    assert "(cell 1, line" in caught.value.reason


def test_a_second_run_changes_nothing():
    first = convert_notebook(notebook(MODEL, TODO), "lab.ipynb").text
    again = convert_notebook(first, "lab.ipynb")
    assert again.text == first and not again.cells_changed


def test_verification_reads_the_notebook_as_conversion_does():
    # The joined code verification runs must parse, with the cell's placeholder.
    text = convert_notebook(notebook(TODO, MODEL), "lab.ipynb").text
    code = notebook_sources(text).code
    compile(code, "lab.ipynb", "exec")
    assert (
        "if get_ipython().run_cell(x_train): x_train = get_ipython().run_cell()" in code
    )


def test_a_notebook_whose_cells_all_parse_is_joined_as_before():
    joined = notebook_sources(notebook(MODEL))
    assert "run_cell" not in joined.code
    assert json.loads(notebook(MODEL))  # the helper writes valid JSON


def test_an_import_in_the_cell_does_not_make_keras_another_module():
    # As it stands the cell imports nothing: `keras` is the one cell 1
    # imports, and the model is spelled with it, not from a new import.
    imports = ["from tensorflow import keras\n", "x_train = # TODO\n"]
    result = convert_notebook(notebook(imports, MODEL), "lab.ipynb")
    assert sources(result.text) == [imports, CONVERTED]


def test_keras_imported_only_in_the_cell_leaves_the_notebook_as_it_was():
    # Cell 1 raises NameError either way; nothing is written into cell 0.
    imports = ["from tensorflow import keras\n", "x_train = # TODO\n"]
    text = notebook(imports, MODEL[1:])
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert "S2F199" not in [c for site in codes(result) for c in site]


def test_a_cell_naming_an_alias_of_the_model_keeps_it():
    # Fixed, `m.add(...)` adds a layer to the model cell 0 made.
    cells = [MODEL, ["m = model\n"], ["m.add(keras.layers.Dense(3)  # TODO\n"]]
    text = notebook(*cells)
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F105"]]
    assert "(cell 2 names m, which may hold it, and does not parse)" in (
        result.sites[0].diagnostics[0].message
    )


def test_verification_runs_none_of_the_cell():
    # The placeholder is for the analysis; run, it would be a NameError
    # (no get_ipython) that verification took for the original failing.
    code = notebook_sources(
        notebook(["units = 4\n"], ["units = # TODO\n"], ["width = units * 2\n"])
    ).code
    namespace: dict = {}
    _run_probe(code, "lab.ipynb", namespace, [])
    assert namespace["width"] == 8


def test_a_model_the_cells_ipython_lines_name_stays_a_sequential():
    cell = ["%time model.add(keras.layers.Dense(3))\n", "x_train = # TODO\n"]
    text = notebook(MODEL, cell)
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F105"]]


def test_an_ipython_assignment_in_the_cell_is_not_taken_for_get_ipython():
    # `files = !ls` is masked as `files = get_ipython().getoutput()`: that
    # `get_ipython` is the join's, not a name the cell could bind through.
    cell = ["files = !ls\n", "x_train = # TODO\n"]
    result = convert_notebook(notebook(MODEL, cell), "lab.ipynb")
    assert sources(result.text) == [CONVERTED, cell]


def test_a_bracket_closed_in_the_next_cell_leaves_both_cells_dead():
    # Joined, the two cells parse as one statement; IPython runs neither.
    opened = ["model2 = keras.Sequential([\n"]
    closed = ["    keras.layers.Dense(1, input_shape=(3,))])\n", "model2.summary()\n"]
    text = notebook(MODEL[:1], opened, closed)
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert [site.status for site in result.sites] == ["skipped"]
    assert codes(result) == [["S2F126"]]


def test_a_cell_naming_the_caller_s_name_for_a_returned_model_keeps_it():
    build = [
        "from tensorflow import keras\n",
        "def build():\n",
        "    m = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n",
        "    return m\n",
        "model = build()\n",
    ]
    text = notebook(build, ["model.add(keras.layers.Dense(2)  # TODO\n"])
    result = convert_notebook(text, "lab.ipynb")
    assert result.text == text
    assert codes(result) == [["S2F105"]]


def test_a_run_cell_call_the_notebook_writes_is_not_called_a_cell_that_does_not_parse():
    cell = ["if get_ipython().run_cell(flag): x = np.ones((8, 5))\n"]
    result = convert_notebook(notebook(DATA, cell, UNBUILT), "lab.ipynb")
    assert "`x` is assigned on cell 1, line 1 in a block" in (
        result.sites[0].diagnostics[0].message
    )
