"""Notebooks: executed by `seq2func trace NB.ipynb`, or by nbclient inside a traced command.

A record of a cell is keyed by the cell's source as the notebook holds it
and the position in that cell, which is what the converter reports for a
notebook site (dedented cells and IPython magics included).
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from trace_helpers import run_trace

from seq2func.notebook import convert_notebook
from seq2func.notebook.jsonfile import cell_source
from seq2func.trace.lookup import StaleTrace, TracedInput, TraceIndex

pytestmark = pytest.mark.framework

CELLS = [
    "import numpy as np\nimport keras\nfrom keras import layers\n%env SEQ2FUNC_DEMO=1",
    "def make():\n    return keras.Sequential([layers.Dense(3), layers.Dense(1)])",
    # IPython dedents a cell by its first line's indentation.
    "  x = np.random.rand(40, 6).astype('float32')\n"
    "  model = keras.Sequential([\n"
    "      layers.Dense(8, activation='relu'),\n"
    "      layers.Dense(1)])\n"
    "  model.compile('adam', 'mse')\n"
    "  model.fit(x, x[:, :1], epochs=1, verbose=0)",
    "m = make()\nm.predict(np.zeros((4, 9)), verbose=0).shape",
]

DRIVER = """\
import nbformat
from nbclient import NotebookClient

notebook = nbformat.read("tutorial.ipynb", as_version=4)
NotebookClient(
    notebook, resources={"metadata": {"path": ".", "name": "tutorial"}}
).execute()
print("executed")
"""


def _notebook(folder):
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for i, source in enumerate(CELLS)
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "tutorial.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return path


def _check(path, traces):
    text = path.read_text()
    cells = json.loads(text)["cells"]
    sites = convert_notebook(text, str(path)).sites
    assert [(s.cell, s.line, s.column) for s in sites] == [(1, 2, 11), (2, 2, 10)]
    found = {}
    with TraceIndex.open(traces) as index:
        for site in sites:
            source = cell_source(cells[site.cell])
            found[site.cell] = index.lookup(
                source, site.line, site.column, path, cell=site.cell
            )
            edited = index.lookup(
                source + "\n", site.line, site.column, path, cell=site.cell
            )
            assert isinstance(edited, StaleTrace), edited
    assert isinstance(found[1], TracedInput) and isinstance(found[2], TracedInput)
    assert (found[1].leaves[0].shape, found[1].calls) == ((9,), ("predict",))
    assert (found[2].leaves[0].shape, found[2].calls) == ((6,), ("fit",))
    assert found[2].origins[0].path == str(path.resolve())


def test_seq2func_trace_executes_a_notebook_without_writing_it(tmp_path):
    path = _notebook(tmp_path)
    before = path.read_bytes()
    traces = tmp_path / "traces.sqlite"
    result = run_trace([path.name], cwd=tmp_path, traces=traces)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before
    _check(path, traces)


def test_a_notebook_executed_by_nbclient_inside_a_traced_command(tmp_path):
    path = _notebook(tmp_path)
    (tmp_path / "drive.py").write_text(textwrap.dedent(DRIVER))
    traces = tmp_path / "traces.sqlite"
    result = run_trace([sys.executable, "drive.py"], cwd=tmp_path, traces=traces)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "executed\n"
    _check(path, traces)
