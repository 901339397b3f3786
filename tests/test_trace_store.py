"""The trace store and its lookup: keys, locations, matching, stale and varying traces, many writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest
from trace_helpers import record, site_positions

from seq2func.trace import keys, store
from seq2func.trace.lookup import (
    InputArguments,
    NotConvertible,
    StaleTrace,
    TracedInput,
    TraceIndex,
    VaryingInput,
    input_arguments,
    note_detail,
    stale_detail,
    varying_detail,
)

SCRIPT = """\
import numpy as np
import keras
from keras import layers

x = np.load("x.npy")
model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x, x[:, :1])
"""


# ---------------------------------------------------------------- keys
def test_digest_ignores_newline_style_and_bom_but_not_content():
    assert keys.unit_digest("a = 1\nb = 2\n") == keys.unit_digest("a = 1\r\nb = 2\r\n")
    assert keys.unit_digest("a = 1\n") == keys.unit_digest("\ufeffa = 1\n")
    assert keys.unit_digest("a = 1\n") != keys.unit_digest("a = 2\n")


def test_call_index_finds_a_call_from_its_end_in_bytes_and_gives_its_start_in_characters():
    text = (
        "import keras\n"
        'é = "ü"; m = (keras.\n'
        "    models.Sequential([keras.layers.Dense(2)]))\n"
    )
    index = keys.CallIndex(text)
    line3 = text.split("\n")[2]
    end_bytes = len(line3[: line3.rindex(")")].encode("utf-8"))  # the call's own ")"
    span = index.ending_at(3, end_bytes)
    assert (span.line, span.column, span.name) == (2, 14, "Sequential")
    assert site_positions(text) == [(2, 14)]  # the converter counts characters too


def test_call_index_matches_the_converters_positions():
    source = (
        "import keras\n"
        "def build():\n"
        "    return keras.Sequential([keras.layers.Dense(1)])\n"
        "m = (keras.Sequential)([keras.layers.Dense(2)])\n"
    )
    calls = {
        (c.line, c.column)
        for c in keys.CallIndex(source).calls
        if c.name == "Sequential"
    }
    assert set(site_positions(source)) <= calls | {(4, 4)}


def test_cell_position_maps_a_dedented_line_back_to_the_cell_as_written():
    raw = "  x = 1\n  model = keras.Sequential([])\n"
    transformed = "x = 1\nmodel = keras.Sequential([])\n"
    assert keys.cell_position(raw, transformed, 2, 8) == (2, 10)
    assert keys.cell_position(raw, transformed, 9, 0) is None


# ---------------------------------------------------------------- locations
def test_default_store_is_beside_pyproject_with_a_gitignore(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "deep")
    monkeypatch.delenv(store.STORE_ENV, raising=False)
    path = store.resolve_store_path()
    assert path == tmp_path.resolve() / ".seq2func" / "traces.sqlite"
    store.create_store(path)
    assert (tmp_path / ".seq2func" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_without_pyproject_the_store_is_in_the_current_folder(tmp_path, monkeypatch):
    if any((p / "pyproject.toml").exists() for p in tmp_path.resolve().parents):
        pytest.skip("the temporary folder is inside a project")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.STORE_ENV, raising=False)
    assert (
        store.resolve_store_path() == tmp_path.resolve() / ".seq2func" / "traces.sqlite"
    )


def test_explicit_path_beats_the_environment_which_beats_the_default(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "env.sqlite"))
    assert store.resolve_store_path() == tmp_path / "env.sqlite"
    assert store.resolve_store_path(tmp_path / "cli.sqlite") == tmp_path / "cli.sqlite"


def test_opening_an_index_never_creates_a_store(tmp_path):
    assert TraceIndex.open(tmp_path / "none.sqlite") is None
    assert not (tmp_path / "none.sqlite").exists()
    (tmp_path / "junk.sqlite").write_text("not a database")
    assert TraceIndex.open(tmp_path / "junk.sqlite") is None


# ---------------------------------------------------------------- matching
@pytest.fixture
def traced(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(SCRIPT)
    line, column = site_positions(SCRIPT, str(path))[0]
    traces = tmp_path / "traces.sqlite"
    record(traces, SCRIPT, line, column, shape=(32, 784), path=path, run="a")
    record(traces, SCRIPT, line, column, shape=(None, 784), path=path, run="a")
    return traces, path, line, column


def test_a_trace_applies_to_the_same_content_and_position(traced):
    traces, path, line, column = traced
    with TraceIndex.open(traces) as index:
        found = index.lookup(SCRIPT, line, column, path)
        assert isinstance(found, TracedInput)
        assert found.structure == "tensor"
        assert found.leaves[0].shape == (784,)
        assert found.leaves[0].dtype == "float32"
        assert found.batch_sizes == (32, None)
        assert found.batch_shape == (32, 784)
        assert (found.builds, found.runs) == (2, 1)
        assert found.origins[0].command == "python train.py"
        assert index.lookup(SCRIPT, line, column + 1, path) is None
    assert input_arguments(found) == InputArguments('shape=(784,), dtype="float32"')
    assert (
        note_detail(found)
        == "input (None, 784) float32 recorded from 2 builds in 1 run"
    )


def test_a_moved_file_keeps_its_traces_an_edited_one_does_not(traced, tmp_path):
    traces, path, line, column = traced
    moved = tmp_path / "elsewhere" / "renamed.py"
    with TraceIndex.open(traces) as index:
        assert isinstance(index.lookup(SCRIPT, line, column, moved), TracedInput)
        edited = SCRIPT.replace("16", "32")
        stale = index.lookup(edited, line, column, path)
        assert isinstance(stale, StaleTrace)
        assert stale.path == os.path.realpath(path)
        assert "changed since it was traced" in stale_detail(stale)
        assert index.lookup(edited, line, column, moved) is None  # never traced there
        assert index.lookup(edited, line, column) is None


def test_inputs_that_differ_beyond_the_batch_dimension_are_varying(traced):
    traces, path, line, column = traced
    record(traces, SCRIPT, line, column, shape=(32, 20), path=path, run="b")
    with TraceIndex.open(traces) as index:
        found = index.lookup(SCRIPT, line, column, path)
    assert isinstance(found, VaryingInput)
    assert found.shapes == ("(None, 784) float32", "(None, 20) float32")
    assert (found.builds, found.runs) == (3, 2)
    assert (
        varying_detail(found)
        == "(None, 784) float32 in 1 run; (None, 20) float32 in 1 run"
    )


def test_a_different_input_dtype_is_varying_a_different_data_dtype_is_not(traced):
    traces, path, line, column = traced
    record(traces, SCRIPT, line, column, shape=(8, 784), data_dtype="float32", run="c")
    with TraceIndex.open(traces) as index:
        found = index.lookup(SCRIPT, line, column, path)
        assert isinstance(found, TracedInput)
        assert found.data_dtypes == ("float64", "float32")
        record(traces, SCRIPT, line, column, shape=(8, 784), dtype="float64", run="d")
        assert isinstance(index.lookup(SCRIPT, line, column, path), VaryingInput)


def test_a_dict_input_is_recorded_but_not_convertible(tmp_path):
    traces = tmp_path / "t.sqlite"
    leaf = {"sparse": False, "ragged": False, "dtype": None, "data_sparse": False}
    record(
        traces,
        SCRIPT,
        6,
        8,
        structure="dict",
        leaves=[
            {
                **leaf,
                "key": "a",
                "shape": [4, 3],
                "data_dtype": "float64",
                "data_ragged": False,
            },
            {
                **leaf,
                "key": "b",
                "shape": [4, 5],
                "data_dtype": "int64",
                "data_ragged": False,
            },
        ],
    )
    with TraceIndex.open(traces) as index:
        found = index.lookup(SCRIPT, 6, 8)
    assert isinstance(found, TracedInput) and found.structure == "dict"
    rendered = input_arguments(found)
    assert isinstance(rendered, NotConvertible)
    assert "dict of 2 inputs ('a', 'b')" in rendered.reason


def test_a_build_without_input_layer_is_not_convertible(tmp_path):
    traces = tmp_path / "t.sqlite"
    record(traces, SCRIPT, 6, 8, dtype=None)
    with TraceIndex.open(traces) as index:
        assert isinstance(input_arguments(index.lookup(SCRIPT, 6, 8)), NotConvertible)


# ---------------------------------------------------------------- many writers
def _write_many(traces: str, run: str, count: int) -> None:
    writer = store.Writer(traces, run)
    row = store.BuildRow(
        "d" * 64, 1, 0, "file", "/x.py", -1, "m", "fit", "tensor", (), "3", "tf"
    )
    for _ in range(count):
        writer.add_build(row)
    writer.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    traces = tmp_path / "t.sqlite"
    store.create_store(traces)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_write_many, args=(str(traces), run, 200))
        for run in ("one", "two")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    connection = sqlite3.connect(traces)
    counts = dict(connection.execute("SELECT run, COUNT(*) FROM builds GROUP BY run"))
    assert counts == {"one": 200, "two": 200}
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_forked_child_writes_through_its_own_connection(tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    traces = tmp_path / "t.sqlite"
    writer = store.Writer(traces, "parent")
    _row = store.BuildRow(
        "e" * 64, 2, 0, "file", "/y.py", -1, None, "fit", "tensor", (), None, None
    )
    writer.add_build(_row)
    context = multiprocessing.get_context("fork")
    child = context.Process(target=writer.add_build, args=(_row,))
    child.start()
    child.join(60)
    writer.add_build(_row)
    assert child.exitcode == 0
    assert (
        sqlite3.connect(traces).execute("SELECT COUNT(*) FROM builds").fetchone()[0]
        == 3
    )


def test_a_store_from_a_newer_seq2func_is_refused(tmp_path):
    traces = tmp_path / "t.sqlite"
    store.create_store(traces)
    connection = sqlite3.connect(traces)
    connection.execute(f"PRAGMA user_version={store.SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(store.StoreError):
        store.create_store(traces)
    assert TraceIndex.open(traces) is None


def test_record_helper_paths_are_real(tmp_path):
    traces = tmp_path / "t.sqlite"
    record(traces, SCRIPT, 6, 8, path=Path(tmp_path) / "a" / ".." / "train.py")
    path = sqlite3.connect(traces).execute("SELECT path FROM builds").fetchone()[0]
    assert path == os.path.realpath(tmp_path / "train.py")


# ---------------------------------------------------------------- listing
def test_the_listing_says_which_traces_still_apply(tmp_path, capsys):
    from seq2func import cli

    current, edited, gone = (
        tmp_path / n for n in ("current.py", "edited.py", "gone.py")
    )
    for path in (current, edited, gone):
        path.write_text(SCRIPT)
    traces = tmp_path / "traces.sqlite"
    line, column = site_positions(SCRIPT)[0]
    for path in (current, edited, gone):
        record(traces, SCRIPT + f"# {path.name}\n", line, column, path=path)
    current.write_text(SCRIPT + "# current.py\n")
    edited.write_text(SCRIPT + "# edited.py, and edited\n")
    gone.unlink()

    assert cli.main(["traces", "--traces", str(traces), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    status = {Path(r["path"]).name: r["status"] for r in records}
    assert status == {
        "current.py": "current",
        "edited.py": "edited",
        "gone.py": "missing",
    }
    assert {r["input"] for r in records} == {"(None, 784) float32"}

    assert cli.main(["traces", "--traces", str(traces)]) == 0
    text = capsys.readouterr().out
    assert "current.py  (current)" in text
    assert "edited.py  (stale: edited since it was traced)" in text
    assert f"  {line}:{column + 1}  sequential  (None, 784) float32" in text


def test_the_listing_without_a_store_exits_1(tmp_path, capsys):
    from seq2func import cli

    assert cli.main(["traces", "--traces", str(tmp_path / "none.sqlite")]) == 1
    assert "no trace store" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()
