"""Helpers for tests of `seq2func trace` and of conversions that use its store.

- `run_trace(...)` runs `python -m seq2func trace` as a user does, in a real
  process, with this checkout's seq2func.
- `record(...)` writes a build into a store without running anything, for
  converter and lookup tests that need a trace but not Keras.
- `FAKE_KERAS` is a stand-in `keras` package that speaks the part of the
  Keras 3 protocol the recorder relies on (`Sequential.__new__`,
  `_lock_state()` after each build, `_build_shapes_dict`, an `InputLayer`
  first in `_layers`), so the process machinery can be tested in a fraction
  of a second; the framework tests run the real Keras.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from seq2func.trace import store

ROOT = Path(__file__).resolve().parents[1]
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment, with this checkout's seq2func first on PYTHONPATH."""
    env = dict(os.environ)
    for name in (store.STORE_ENV, store.ACTIVE_ENV, store.RUN_ENV):
        env.pop(name, None)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + existing if existing else "")
    env.update(QUIET_TF)
    env.update(extra or {})
    return env


def run_trace(
    command: Sequence[str],
    *,
    cwd: Path,
    traces: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
    options: Sequence[str] = (),
) -> subprocess.CompletedProcess:
    """`seq2func trace [--traces PATH] [options] -- COMMAND...` (or notebooks), as a user runs it."""
    arguments = [sys.executable, "-m", "seq2func", "trace", *options]
    if traces is not None:
        arguments += ["--traces", str(traces)]
    if not all(str(c).endswith(".ipynb") for c in command):
        arguments.append("--")
    arguments += [str(c) for c in command]
    return subprocess.run(
        arguments,
        cwd=cwd,
        env=environment(extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_plain(
    command: Sequence[str],
    *,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """The same command without tracing, for comparisons."""
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=environment(extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def record(
    traces: Path,
    unit_text: str,
    line: int,
    column: int,
    *,
    shape: Sequence[int | None] = (None, 784),
    dtype: str | None = "float32",
    data_dtype: str | None = "float64",
    path: str | os.PathLike = "",
    kind: str = "file",
    call: str = "fit",
    run: str = "run-1",
    structure: str = "tensor",
    leaves: Sequence[dict] | None = None,
    keras_version: str = "3.15.1",
    command: str | None = "python train.py",
) -> None:
    """Write one recorded build of the site at (line, column) of `unit_text`, as the recorder would."""
    from seq2func.trace import keys

    store.create_store(traces)
    writer = store.Writer(traces, run)
    if command is not None:
        writer.start_run(command, str(traces.parent))
    if leaves is None:
        leaves = [
            {
                "key": None,
                "shape": list(shape),
                "dtype": dtype,
                "sparse": False,
                "ragged": False,
                "data_dtype": data_dtype,
                "data_sparse": False,
                "data_ragged": False,
            }
        ]
    writer.add_build(
        store.BuildRow(
            digest=keys.unit_digest(unit_text),
            line=line,
            column=column,
            kind=kind,
            path=os.path.realpath(path) if path else "",
            cell=store.UNKNOWN_CELL,
            model="sequential",
            call=call,
            structure=structure,
            leaves=tuple(leaves),
            keras=keras_version,
            backend="tensorflow",
        )
    )
    writer.close()


def site_positions(source: str, path: str | None = None) -> list[tuple[int, int]]:
    """(line, column) of each Sequential site, as the converter reports them."""
    from seq2func import convert_source

    return [(s.line, s.column) for s in convert_source(source, path=path).sites]


def builds(traces: Path) -> list[dict]:
    """Every row of the `builds` table, leaves decoded."""
    import sqlite3

    connection = sqlite3.connect(traces)
    connection.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in connection.execute("SELECT * FROM builds ORDER BY id")]
    finally:
        connection.close()
    for row in rows:
        row["leaves"] = json.loads(row["leaves"])
    return rows


@dataclass(frozen=True)
class FakeKeras:
    """Where the stand-in `keras` package was written; put `folder` on PYTHONPATH."""

    folder: Path

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.folder) + os.pathsep + str(ROOT)}


FAKE_SEQUENTIAL = '''
class InputLayer:
    def __init__(self, batch_shape, dtype="float32"):
        self.batch_shape = tuple(batch_shape)
        self.dtype = dtype
        self.sparse = False
        self.ragged = False


class Sequential:
    """Builds on its first call, as Keras 3 does, and calls _lock_state() after it."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, layers=None, name="sequential"):
        self._layers = list(layers or [])
        self.name = name
        self.built = False

    def _lock_state(self):
        pass

    def build(self, input_shape):
        self._layers.insert(0, InputLayer(input_shape))
        self._build_shapes_dict = {"input_shape": input_shape}
        self.built = True
        self._lock_state()

    def __call__(self, *args, **kwargs):
        x = args[0]
        if not self.built:
            self.build((len(x), len(x[0])))
        return [sum(row) for row in x]

    def predict(self, x):
        return self(x)
'''


def write_fake_keras(folder: Path) -> FakeKeras:
    package = folder / "keras"
    (package / "src" / "models").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        "from keras.src.models.sequential import Sequential, InputLayer\n"
    )
    (package / "src" / "__init__.py").write_text("")
    (package / "src" / "version.py").write_text('__version__ = "0.0-fake"\n')
    (package / "src" / "models" / "__init__.py").write_text("")
    (package / "src" / "models" / "sequential.py").write_text(FAKE_SEQUENTIAL)
    return FakeKeras(folder)
