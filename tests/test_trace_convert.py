"""Converting with a trace store: a recorded input becomes keras.Input, never a guess.

The traces here are written without Keras (`trace_helpers.record`), as the
recorder writes them; `test_trace_keras.py` records real runs.
"""

import json

import pytest
from trace_helpers import record, site_positions

import seq2func
from seq2func import cli
from seq2func.trace.lookup import TraceIndex

SCRIPT = """\
import keras
from keras import layers

model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
"""


def _convert(source, traces, path="train.py"):
    with TraceIndex.open(traces) as index:
        return seq2func.convert_source(source, path=path, traces=index)


def _store(tmp_path, source=SCRIPT, **kwargs):
    traces = tmp_path / "traces.sqlite"
    line, column = site_positions(source)[0]
    record(traces, source, line, column, **kwargs)
    return traces


def test_a_recorded_input_becomes_the_model_input(tmp_path):
    result = _convert(SCRIPT, _store(tmp_path, shape=(None, 20)))
    assert 'inputs = keras.Input(shape=(20,), dtype="float32")' in result.code
    (site,) = result.sites
    assert site.status == "converted"
    assert [d.code for d in site.diagnostics] == ["S2F208"]
    assert "recorded from 1 build in 1 run" in site.diagnostics[0].message


def test_without_the_store_the_site_stays_skipped(tmp_path):
    result = seq2func.convert_source(SCRIPT, path="train.py")
    assert result.sites[0].skip_codes == ("S2F101",)


def test_inputs_that_differ_in_a_feature_dimension_are_never_hard_coded(tmp_path):
    traces = _store(tmp_path, shape=(None, 20), run="run-1")
    line, column = site_positions(SCRIPT)[0]
    record(traces, SCRIPT, line, column, shape=(None, 30), run="run-2")
    result = _convert(SCRIPT, traces)
    assert not result.changed
    assert result.sites[0].skip_codes == ("S2F118",)
    assert "(None, 20)" in result.sites[0].diagnostics[0].message
    assert "(None, 30)" in result.sites[0].diagnostics[0].message


def test_only_the_batch_size_may_differ(tmp_path):
    traces = _store(tmp_path, shape=(32, 20), run="run-1")
    line, column = site_positions(SCRIPT)[0]
    record(traces, SCRIPT, line, column, shape=(100, 20), run="run-2")
    result = _convert(SCRIPT, traces)
    assert "keras.Input(shape=(20,)" in result.code


def test_an_edited_file_has_a_stale_trace_and_is_told_to_trace_again(tmp_path):
    traces = _store(tmp_path, path=tmp_path / "train.py")
    edited = SCRIPT.replace("Dense(16", "Dense(32")
    result = _convert(edited, traces, path=str(tmp_path / "train.py"))
    assert not result.changed
    (diagnostic,) = result.sites[0].diagnostics
    assert diagnostic.code == "S2F119"
    assert "seq2func trace" in diagnostic.hint


def test_a_moved_file_keeps_its_trace(tmp_path):
    traces = _store(tmp_path, path=tmp_path / "old" / "train.py")
    result = _convert(SCRIPT, traces, path=str(tmp_path / "new.py"))
    assert result.sites[0].status == "converted"


def test_a_dict_input_is_not_written_as_one_input(tmp_path):
    leaves = [
        {
            "key": name,
            "shape": [None, 3],
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "data_dtype": "float32",
            "data_sparse": False,
            "data_ragged": False,
        }
        for name in ("a", "b")
    ]
    traces = _store(tmp_path, structure="dict", leaves=leaves)
    result = _convert(SCRIPT, traces)
    assert result.sites[0].skip_codes == ("S2F120",)


def test_an_input_the_code_gives_wins_over_a_trace(tmp_path):
    source = SCRIPT.replace("Dense(16, ", "Dense(16, input_shape=(5,), ")
    result = _convert(source, _store(tmp_path, source=source, shape=(None, 20)))
    assert "shape=(5,)" in result.code
    assert "S2F208" not in {d.code for d in result.sites[0].diagnostics}


def test_a_notebook_cell_takes_the_trace_of_the_cell_as_written(tmp_path):
    cell = "    " + SCRIPT.replace("\n", "\n    ").rstrip() + "\n"  # indented cell
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# title\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": cell.splitlines(keepends=True),
        },
    ]
    text = (
        json.dumps(
            {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
            indent=1,
        )
        + "\n"
    )
    traces = tmp_path / "traces.sqlite"
    line = (
        cell.splitlines().index(next(x for x in cell.splitlines() if "Sequential" in x))
        + 1
    )
    column = cell.splitlines()[line - 1].index("keras.Sequential")
    record(traces, cell, line, column, shape=(None, 7), kind="cell")
    from seq2func.notebook import convert_notebook

    with TraceIndex.open(traces) as index:
        result = convert_notebook(text, "nb.ipynb", traces=index)
    assert result.sites[0].status == "converted"
    assert "shape=(7,)" in json.loads(result.text)["cells"][1]["source"][3]


def test_the_command_line_reads_the_store_and_the_cache_follows_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SEQ2FUNC_CACHE_DIR", str(tmp_path / "cache"))
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    traces = tmp_path / "t.sqlite"
    assert cli.main(["convert", str(script), "--check", "--traces", str(traces)]) == 2
    assert cli.main(["convert", str(script), "--check", "-q"]) == 0
    line, column = site_positions(SCRIPT)[0]
    record(traces, SCRIPT, line, column, shape=(None, 20), path=script)
    assert cli.main(["convert", str(script), "--check", "--traces", str(traces)]) == 1
    assert cli.main(["convert", str(script), "--check", "--no-traces"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("flag", ["--traces", "--no-traces"])
def test_convert_help_names_the_trace_options(flag, capsys):
    with pytest.raises(SystemExit):
        cli.main(["convert", "--help"])
    assert flag in capsys.readouterr().out
