"""Notebooks: only changed code cells change; IPython syntax survives; models across cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seq2func import cli
from seq2func.notebook import convert_notebook, notebook_diff, notebook_sources
from seq2func.results import ConversionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks"
TUTORIAL = (NOTEBOOKS / "tutorial_across_cells.ipynb").read_text(encoding="utf-8")
USED_BETWEEN = (NOTEBOOKS / "used_between_cells.ipynb").read_text(encoding="utf-8")
MODEL = [
    "from tensorflow import keras\n",
    "model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n",
    "model.summary()\n",
]
CONVERTED = [
    "from tensorflow import keras\n",
    "inputs = keras.Input(shape=(3,))\n",
    "outputs = keras.layers.Dense(1)(inputs)\n",
    "model = keras.Model(inputs=inputs, outputs=outputs)\n",
    "model.summary()\n",
]


def notebook(*sources: list[str]) -> str:
    """A notebook as Jupyter writes it, one code cell per list of source lines."""
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for i, source in enumerate(sources)
    ]
    return (
        json.dumps(
            {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
            indent=1,
        )
        + "\n"
    )


def sources(text: str) -> list[list[str]]:
    return [cell["source"] for cell in json.loads(text)["cells"]]


def test_model_built_across_cells_is_converted_in_place():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    cells = json.loads(result.text)["cells"]
    assert "".join(cells[2]["source"]).startswith("inputs = keras.Input(shape=(784,))")
    assert 'model = keras.Model(inputs=inputs, outputs=outputs, name="mlp")' in "".join(
        cells[4]["source"]
    )


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
    before, after = (
        json.loads(TUTORIAL)["cells"][4],
        json.loads(convert_notebook(TUTORIAL, "t.ipynb").text)["cells"][4],
    )
    for key in ("id", "outputs", "execution_count", "metadata"):
        assert after[key] == before[key]


def test_sites_and_diagnostics_name_the_cell():
    result = convert_notebook(TUTORIAL, "t.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert (model.cell, model.line) == (2, 1)
    assert model.diagnostics[0].format().startswith("t.ipynb[cell 2]:2:")


def test_a_cell_in_between_that_uses_the_incomplete_model_skips_it():
    text = USED_BETWEEN.replace('"model.summary()"', '"len(model.layers)"')
    result = convert_notebook(text, "u.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert model.status == "skipped" and model.skip_codes == ("S2F104",)
    assert "cell 3" in model.diagnostics[0].message
    cells = json.loads(result.text)["cells"]
    assert "".join(cells[2]["source"]) == "".join(
        json.loads(text)["cells"][2]["source"]
    )


def test_a_summary_in_a_cell_between_the_adds_shows_the_layers_so_far():
    result = convert_notebook(USED_BETWEEN, "u.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert model.status == "converted"
    assert "S2F223" in {d.code for d in model.diagnostics}
    assert sources(result.text)[3] == ['keras.Model(inputs, x, name="mlp").summary()']


KERAS_LATER = (NOTEBOOKS / "keras_imports_in_later_cell.ipynb").read_text(
    encoding="utf-8"
)
IMPORT_REMOVED = (NOTEBOOKS / "import_line_removed_in_later_cell.ipynb").read_text(
    encoding="utf-8"
)


def test_new_imports_go_into_the_cell_that_imports_keras():
    result = convert_notebook(KERAS_LATER, "k.ipynb")
    assert [s.status for s in result.sites] == ["converted"]
    assert result.cells_changed == (2, 3)
    cells = sources(result.text)
    assert "".join(cells[2]).startswith(
        "from tensorflow.keras.models import Model\n"
        "from tensorflow.keras.layers import Input, Dense, Activation\n"
    )
    assert cells[1] == sources(KERAS_LATER)[1]
    assert not convert_notebook(result.text, "k.ipynb").changed


def test_an_import_line_removed_first_in_a_later_cell_keeps_the_cell():
    result = convert_notebook(IMPORT_REMOVED, "r.ipynb")
    assert [s.status for s in result.sites] == ["converted"]
    cells = sources(result.text)
    assert cells[0] == ["import numpy as np"]
    assert cells[1] == ["from tensorflow import keras"]
    assert "".join(cells[2]).startswith("inputs = keras.Input(shape=(3,))\n")
    assert not convert_notebook(result.text, "r.ipynb").changed


def test_output_shape_read_in_a_cell_between_the_adds_reads_the_running_tensor():
    text = USED_BETWEEN.replace('"model.summary()"', '"print(model.output_shape)"')
    result = convert_notebook(text, "u.ipynb")
    model = next(s for s in result.sites if s.target == "model")
    assert model.status == "converted"
    assert "S2F220" in {d.code for d in model.diagnostics}
    assert sources(result.text)[3] == ["print(tuple(x.shape))"]


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


@pytest.mark.parametrize(
    "cell",
    [
        None,
        {"cell_type": "code", "source": None},
        {"cell_type": "code", "source": ["x = 1\n", 2]},
        {"cell_type": "code", "source": ["s = '\ud800'\n"]},
    ],
)
def test_a_malformed_cell_is_a_clear_error_not_a_crash(cell):
    text = json.loads(notebook(MODEL))
    text["cells"].insert(0, cell)
    with pytest.raises(ConversionError) as caught:
        convert_notebook(json.dumps(text), "bad.ipynb")
    assert caught.value.code == "S2F005"


UNBUILT = [
    "import numpy as np\n",
    "from tensorflow import keras\n",
    "x = np.ones((10, 4))\n",
    "y = np.ones((10, 1))\n",
    "model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])\n",
    "model.compile(loss='mse')\n",
]


@pytest.mark.parametrize(
    "magic",
    [
        "%time model.fit(np.ones((10, 6)), y)",
        "t = %timeit -o model.fit(np.ones((10, 6)), y)",
        "out = !echo {model.predict(np.ones((10, 6)))}",
        # continued with a backslash: IPython runs both lines as one command
        "%time \\\n    model.fit(np.ones((10, 6)), y)",
        "%lprun -f model.fit model.fit(np.ones((10, 6)), y)",
        "%%timeit -n1 -r1\nmodel.predict(np.ones((10, 6)))",
    ],
)
def test_a_magic_that_names_the_model_keeps_it(magic):
    # `%time` runs the fit, the model's first build, on data the converter
    # never reads: an Input read from the later fit could be the wrong one.
    text = notebook(UNBUILT, [magic], ["model.fit(x, y)"])
    result = convert_notebook(text, "n.ipynb")
    assert result.text == text
    assert [d.code for s in result.sites for d in s.diagnostics] == ["S2F105"]


def test_a_timed_cell_binds_nothing_the_notebook_reads_after_it():
    # `%%timeit` runs its body in a function of its own: the notebook's `x`
    # stays (10, 4) (measured on IPython 9.18), where reading the body as
    # the notebook's own code gave the model an input of 6 features.
    timed = ["%%timeit -n1 -r1\n", "x = np.ones((10, 6))\n"]
    text = notebook(UNBUILT, timed, ["model.fit(x, y)"])
    result = convert_notebook(text, "n.ipynb")
    assert result.text == text
    assert [d.code for s in result.sites for d in s.diagnostics] == ["S2F101"]


@pytest.mark.parametrize("magic", ["%store -r x", "%rerun 3"])
def test_a_magic_that_binds_names_keeps_an_input_read_from_the_data(magic):
    text = notebook(UNBUILT, [magic], ["model.fit(x, y)"])
    result = convert_notebook(text, "n.ipynb")
    assert result.text == text
    assert [d.code for s in result.sites for d in s.diagnostics] == ["S2F101"]


def test_a_magic_that_names_another_variable_leaves_the_site_converted():
    text = notebook(UNBUILT, ["model.fit(x, y)"], ["%timeit other.run()"])
    assert convert_notebook(text, "n.ipynb").changed


def test_command_line_walks_and_converts_notebooks(tmp_path):
    path = tmp_path / "nb" / "tutorial.ipynb"
    path.parent.mkdir()
    path.write_text(TUTORIAL, encoding="utf-8")
    assert cli.main(["convert", str(tmp_path), "-q"]) == 0
    assert "keras.Model(" in path.read_text(encoding="utf-8")
    assert cli.main(["convert", str(tmp_path), "--check", "-q"]) == 0


def test_a_shell_command_continued_with_a_backslash_is_one_command():
    shell = ["!pip install foo \\\n", "  bar\n"]
    result = convert_notebook(notebook(shell, MODEL), "n.ipynb")
    assert sources(result.text) == [shell, CONVERTED]


@pytest.mark.parametrize(
    "cells",
    [
        [["files = !ls data\n"]],
        [["project, = !gcloud config list --format 'value(core.project)'\n"]],
        [["self.out =%timeit -o sum(range(9))\n"]],
        [["pip install -q tensorflow\n"], ["ls ./data/\n"], ["cd data"]],
        [["conda install graphviz\n"], ["\n", "  tensorflow_version 2.x\n"]],
    ],
)
def test_ipython_assignments_and_automagics_are_restored_exactly(cells):
    result = convert_notebook(notebook(*cells, MODEL), "n.ipynb")
    assert sources(result.text) == [*cells, CONVERTED]


@pytest.mark.parametrize(
    "cell",
    [
        ["# install\n", "pip install -q tensorflow\n"],
        ["pip install -q tensorflow\n", "x = 1\n"],
        ["if True:\n", "    ls ./data/\n"],
    ],
)
def test_an_automagic_in_a_cell_of_several_lines_is_not_ipython_syntax(cell):
    # IPython 7+ prefilters only a cell of one line: in any other the line is
    # a SyntaxError, and none of the cell runs (`dead_cells`).
    result = convert_notebook(notebook(cell, MODEL), "n.ipynb")
    assert sources(result.text) == [cell, CONVERTED]
    assert result.sites[0].diagnostics[-1].code == "S2F225"
    assert "cell 0 left as written" in result.sites[0].diagnostics[-1].message


def test_a_python_line_continued_after_an_automagic_name_is_read_as_python():
    # Python in a cell of two lines (IPython does not prefilter it): `cat` is
    # rebound to the broadcast tensor, the data the model is built on.
    cells = [
        ["import tensorflow as tf\n", "from tensorflow import keras\n"],
        ["cat = tf.ones((8, 1))\n", "cat += \\\n", "    tf.ones((8, 4))\n"],
        [
            "model = keras.Sequential([keras.layers.Dense(1)])\n",
            "model.compile(loss='mse')\n",
            "model.fit(cat, cat, verbose=0)\n",
        ],
    ]
    result = convert_notebook(notebook(*cells), "n.ipynb")
    assert sources(result.text)[1] == cells[1]
    assert sources(result.text)[2][0] == "inputs = keras.Input(shape=(4,))\n"


@pytest.mark.parametrize(
    "line", ["ls = ['a']\n", "ls -la\n", "cd, pwd = 1, 2\n", "pip.main(['x'])\n"]
)
def test_a_line_that_is_python_as_it_stands_is_read_as_python(line):
    from seq2func.notebook.cells import join_cells

    joined = join_cells(json.loads(notebook([line])))
    assert line in joined.code and not joined.masks


def test_a_name_bound_by_a_shell_assignment_is_not_read_as_before():
    # `x = !cmd` binds x to the command's output lines: the array before it
    # says nothing of the data the model is built on.
    cells = [
        "import numpy as np\n",
        "from tensorflow import keras\n",
        "x = np.ones((8, 4))\n",
        "x = !cat features.txt\n",
        "model = keras.Sequential([keras.layers.Dense(1)])\n",
        "model.compile(loss='mse')\n",
        "model.fit(x, x)\n",
    ]
    result = convert_notebook(notebook(cells), "n.ipynb")
    assert not result.cells_changed
    assert [d.code for s in result.sites for d in s.diagnostics] == ["S2F101"]
    assert "get_ipython().getoutput()" in result.sites[0].diagnostics[0].format()


def test_an_indented_cell_is_converted_and_written_back_indented():
    indented = [" " + line for line in MODEL[:2]] + [
        "\n",
        " # summary\n",
        " " + MODEL[2],
    ]
    result = convert_notebook(notebook(indented), "n.ipynb")
    assert sources(result.text) == [
        [" " + line for line in CONVERTED[:4]]
        + ["\n", " # summary\n", " " + CONVERTED[4]]
    ]


def test_positions_in_an_indented_cell_count_its_indentation():
    result = convert_notebook(notebook(["  " + line for line in MODEL]), "n.ipynb")
    assert result.sites[0].diagnostics[0].format().startswith("n.ipynb[cell 0]:2:51:")


def test_an_indented_cell_whose_indentation_cannot_be_put_back_is_left_alone():
    # IPython does not dedent the string's second line, which has no indentation;
    # writing the rewrite back indented would change the string.
    cell = [
        " from tensorflow import keras\n",
        " model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))], name='''a\n",
        "b''')\n",
    ]
    text = notebook(cell)
    result = convert_notebook(text, "n.ipynb")
    assert result.text == text
    assert (
        result.sites[0].skip_codes == ("S2F199",)
        and result.sites[0].diagnostics[0].cell == 0
    )


def test_a_percent_continuing_a_bracket_is_the_modulo_operator():
    modulo = ["y = (10\n", "     % 3)\n"]
    result = convert_notebook(notebook(modulo, MODEL), "n.ipynb")
    assert sources(result.text) == [modulo, CONVERTED]


def test_ipython_syntax_inside_a_multiline_string_is_left_as_text():
    joined = notebook_sources(notebook(['doc = """\n', "%not a magic\n", '"""\n']))
    assert "\n%not a magic\n" in joined.code


def test_a_syntax_error_names_the_cell_and_the_line_in_it():
    # A cell that calls exec() may bind any name: the notebook stays an error.
    with pytest.raises(ConversionError) as caught:
        convert_notebook(
            notebook(
                ["x = 1\n"],
                ["%matplotlib inline\n", "def f(:\n", "    exec(x)\n"],
                MODEL,
            ),
            "n.ipynb",
        )
    assert caught.value.code == "S2F001"
    assert (
        caught.value.reason == "cannot parse: invalid syntax (cell 1, line 2, column 7)"
    )


def test_an_unterminated_string_is_placed_in_its_cell_not_on_line_one():
    with pytest.raises(ConversionError) as caught:
        convert_notebook(notebook(MODEL, ["x = globals()\n", "y = 'abc\n"]), "n.ipynb")
    assert caught.value.reason.endswith("(cell 1, line 2, column 5)")


def test_a_converted_cell_keeps_its_final_newline():
    result = convert_notebook(notebook(MODEL), "n.ipynb")
    assert sources(result.text)[0][-1] == "model.summary()\n"


def test_every_line_around_the_rewritten_statement_is_kept_byte_for_byte():
    cell = ["# build\n", "   \n", MODEL[0], MODEL[1], "\t\n", MODEL[2], "\n", "\n"]
    result = convert_notebook(notebook(cell), "n.ipynb")
    assert sources(result.text) == [
        ["# build\n", "   \n", *CONVERTED[:4], "\t\n", CONVERTED[4], "\n", "\n"]
    ]


def test_a_cell_with_windows_line_endings_keeps_them_on_rewritten_lines():
    result = convert_notebook(
        notebook([line.replace("\n", "\r\n") for line in MODEL]), "n.ipynb"
    )
    assert sources(result.text) == [[line.replace("\n", "\r\n") for line in CONVERTED]]


# A notebook as chapters of a course write one: data, several models under one
# name, compiled, fitted, saved, read back, passed to helpers, in any order.
CHAPTER = [
    [
        "import numpy as np\n",
        "import tensorflow as tf\n",
        "from tensorflow import keras\n",
    ],
    ["X_train = np.random.rand(32, 3)\n", "X_train = X_train / X_train.max()\n"],
    ["%matplotlib inline\n", "def plot(history):\n", "    return history.history\n"],
    [
        "model = keras.Sequential([\n",
        '    keras.layers.Dense(8, activation="relu", input_shape=(3,)),\n',
        "    keras.layers.Dense(1),\n",
        "])\n",
    ],
    ['model.compile(loss="mse")\n', "history = model.fit(X_train, X_train[:, 0])\n"],
    ["plot(history)\n", 'model.save("m.keras")\n'],
    [
        "model = keras.Sequential()\n",
        "model.add(keras.layers.Dense(4, input_shape=(3,)))\n",
    ],
    ["model.summary()\n"],
    ["model.add(keras.layers.Dense(1))\n"],
    ["def grow(m):\n", "    m.add(keras.layers.Dense(1))\n"],
    ["other = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"],
    ["grow(other)\n", "copy = other\n"],
    ['restored = keras.models.load_model("m.keras")\n', "restored.layers[0]\n"],
    [
        "inputs = keras.Input(shape=(3,))\n",
        "last = keras.Sequential([inputs, keras.layers.Dense(1)])\n",
    ],
    ["last.fit(X_train, X_train[:, 0])\n", "y = last(X_train)\n", "!ls\n"],
    ["model = build_other()\n", "model.fit(X_train)\n", "grow(model)\n"],
]


def converted_both_ways(text: str):
    """The notebook converted as it is, and with its joined cells analysed whole."""
    from unittest import mock

    from seq2func import convert

    narrowed = convert_notebook(text, "n.ipynb")
    with mock.patch.object(convert, "narrow", lambda source, tree=None: None):
        whole = convert_notebook(text, "n.ipynb")
    return narrowed, whole


@pytest.mark.parametrize(
    "text",
    [
        *(
            path.read_text(encoding="utf-8")
            for path in sorted(NOTEBOOKS.glob("*.ipynb"))
        ),
        notebook(*CHAPTER),
    ],
    ids=[*(path.stem for path in sorted(NOTEBOOKS.glob("*.ipynb"))), "chapter"],
)
def test_a_notebook_converts_as_its_cells_analysed_whole_do(text):
    narrowed, whole = converted_both_ways(text)
    assert narrowed.text == whole.text
    assert narrowed.sites == whole.sites
    assert narrowed.cells_changed == whole.cells_changed


def test_the_chapter_notebook_is_narrowed_and_has_sites_of_every_kind():
    from seq2func.analysis.narrowing import narrow

    text = notebook(*CHAPTER)
    assert narrow(notebook_sources(text).code) is not None
    result = convert_notebook(text, "n.ipynb")
    assert {site.status for site in result.sites} == {"converted", "skipped"}


def test_an_ascii_notebook_that_escapes_its_text_is_written_back_escaped():
    text = json.dumps(
        json.loads(notebook(MODEL, ["# Schätzung\n"])), indent=1, ensure_ascii=True
    )
    result = convert_notebook(text + "\n", "a.ipynb")
    assert result.changed and result.text.isascii()
    assert "Sch\\u00e4tzung" in result.text
    assert json.loads(result.text)["cells"][0]["source"] == CONVERTED


def test_a_notebook_whose_sources_are_strings_changes_only_the_converted_one():
    data = json.loads(notebook(["x = 1\n"], MODEL, ["# é\n"]))
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"])
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    result = convert_notebook(text, "s.ipynb")
    assert result.cells_changed == (1,)
    after = json.loads(result.text)
    assert after["cells"][1]["source"] == "".join(CONVERTED)
    after["cells"][1]["source"] = data["cells"][1]["source"]
    assert json.dumps(after, indent=2, ensure_ascii=False) + "\n" == text


def test_a_source_key_elsewhere_in_a_cell_is_not_taken_for_its_source():
    data = json.loads(notebook(["x = 1\n"], MODEL))
    data["cells"][1]["metadata"] = {"source": MODEL, "tags": [{"source": MODEL}]}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    after = json.loads(convert_notebook(text, "m.ipynb").text)
    assert after["cells"][1]["source"] == CONVERTED
    assert after["cells"][1]["metadata"] == data["cells"][1]["metadata"]


def test_twin_cells_each_get_their_own_conversion():
    text = notebook(MODEL, ["model.summary()\n"], MODEL)
    result = convert_notebook(text, "twins.ipynb")
    after = json.loads(result.text)
    assert result.cells_changed == (0, 2)
    assert after["cells"][0]["source"] == after["cells"][2]["source"]
    assert after["cells"][1]["source"] == ["model.summary()\n"]


def assert_only_the_source_changed(before: str, after: str, cell: int) -> None:
    """`after` is `before` with one cell's source list swapped for CONVERTED,
    every byte outside that list as it was."""
    assert json.loads(after)["cells"][cell]["source"] == CONVERTED
    old_list = before.index('"source"', before.index('"id": "c%d"' % cell))
    start = before.index("[", old_list)
    tail = len(before) - before.index("]", start) - 1
    assert after[:start] == before[:start]
    assert after[len(after) - tail :] == before[len(before) - tail :]


def test_a_one_line_notebook_is_converted_in_its_own_layout():
    text = json.dumps(json.loads(notebook(MODEL)), ensure_ascii=False)
    result = convert_notebook(text, "flat.ipynb")
    assert result.cells_changed == (0,)
    assert_only_the_source_changed(text, result.text, 0)
    assert "\n" not in result.text  # items stay on the one line, after ", "


def test_a_colab_notebook_whose_first_cell_sits_at_another_indent_is_converted():
    # Colab writes its first cell at another indent than the others.
    text = notebook(["x = 1\n"], MODEL).replace(
        ' "cells": [\n  {', '  "cells": [\n{', 1
    )
    assert json.loads(text) == json.loads(notebook(["x = 1\n"], MODEL))
    result = convert_notebook(text, "colab.ipynb")
    assert result.cells_changed == (1,)
    assert_only_the_source_changed(text, result.text, 1)


def test_a_notebook_with_windows_line_ends_keeps_them():
    text = notebook(MODEL).replace("\n", "\r\n")
    result = convert_notebook(text, "crlf.ipynb")
    assert result.cells_changed == (0,)
    assert_only_the_source_changed(text, result.text, 0)
    assert "\n" not in result.text.replace("\r\n", "")


def test_a_source_escaped_in_a_way_json_dumps_does_not_is_left_as_it_was():
    # "\/" is valid JSON that json.dumps never writes: the cell's other lines
    # could not be written back as they were.
    text = notebook([MODEL[0], MODEL[1], "# a/b\n", MODEL[2]]).replace("a/b", "a\\/b")
    result = convert_notebook(text, "escaped.ipynb")
    assert result.text == text and not result.cells_changed
    assert [d.code for s in result.sites for d in s.diagnostics] == ["S2F199"]


@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize(
    "before, after",
    [
        (["x = 1\n", 'print("é")'], ["y = 2\n", "x = 1\n", 'print("é")']),
        (["x = 1"], ["x = 1\n", "y = 2"]),
        ("x = 1\n", "x = 1\ny = 2\n"),
        (["\\t\n", "数字"], ["数字"]),
    ],
)
def test_a_source_swapped_into_a_json_dumps_file_is_what_json_dumps_writes(
    indent, ensure_ascii, before, after
):
    from seq2func.notebook import jsonfile

    cells = [{"cell_type": "code", "metadata": {"k": "é"}, "source": before}] * 2
    data = {"cells": cells, "metadata": {}, "nbformat": 4}
    text = json.dumps(data, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    changed = {**data, "cells": [cells[0], {**cells[1], "source": after}]}
    expected = json.dumps(changed, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    assert jsonfile.dump(changed, text, {1: before}) == expected


def test_a_copy_of_a_cell_outside_the_cells_list_is_not_taken_for_it():
    from seq2func.notebook import jsonfile

    cell = {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "y = 2"]}
    copy = "\n".join(" " + line for line in json.dumps([cell], indent=1).splitlines())
    text = (
        '{\n "cells": ['
        + json.dumps(cell)
        + '],\n "copy": '
        + copy.lstrip()
        + ',\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n'
    )
    notebook = json.loads(text)
    replaced = {0: notebook["cells"][0]["source"]}
    notebook["cells"][0]["source"] = ["x = 2\n", "y = 2"]
    written = jsonfile.dump(notebook, text, replaced)
    assert written is None or json.loads(written) == notebook
