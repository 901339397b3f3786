"""Read the trace store: what input was a site built with, and how to write it as `keras.Input`.

The converter asks, for a site whose input the code does not give,
`TraceIndex.lookup(unit_text, line, column, path)`:

- `TracedInput`: every recorded build of this code agrees on everything but
  the batch dimension; `input_arguments` writes it for `keras.Input(...)`,
  `note_detail` says where it came from.
- `VaryingInput`: builds differ in a feature dimension, the dtype, the
  structure or a flag; the site must be skipped (S2F118), never hard-coded
  to one of them. `varying_detail` lists what was seen.
- `StaleTrace`: nothing recorded for this content, but the same file (or
  notebook cell) was traced before it was edited: trace again (S2F119).
- None: nothing known.

A record applies only to the code it was made from: the key is the
unit's content and the call's position in it (`keys.py`). The path is
used only to tell a stale trace from no trace, so a moved or renamed file
keeps its traces.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import keys, store
from .describe import Structure

Dimension = int | None


@dataclass(frozen=True)
class TracedLeaf:
    """One input tensor as recorded: what `keras.Input` needs, and what fed it."""

    key: str | int | None  # the dict key or list index; None for a single tensor
    shape: tuple[Dimension, ...]  # without the batch dimension
    dtype: str | None  # the dtype Keras gave the InputLayer; None when it made none
    sparse: bool  # the InputLayer's flags
    ragged: bool
    data_dtypes: tuple[str, ...]  # dtypes of the data the program passed, as seen


@dataclass(frozen=True)
class TraceOrigin:
    """One traced run that built the site: for reports, where the input came from.

    `command` is the traced command line (None for a process that recorded
    without `seq2func trace`); `started` is in seconds since the epoch;
    `path` is the file or notebook as named when traced ('' when not
    known); `calls` are the public calls that built the model there.
    """

    run: str
    command: str | None
    started: float | None
    path: str
    builds: int
    calls: tuple[str, ...]


@dataclass(frozen=True)
class TracedInput:
    """The input a site was built with: every build agrees but for the batch size.

    `batch_sizes` are the distinct batch dimensions seen, in order;
    `first_batch_shapes` each leaf's full shape in the first build (what a
    deferred Keras 3 build keeps, for verification).
    """

    structure: Structure
    leaves: tuple[TracedLeaf, ...]
    batch_sizes: tuple[Dimension, ...]
    first_batch_shapes: tuple[tuple[Dimension, ...], ...]
    builds: int
    runs: int
    calls: tuple[str, ...]
    keras_versions: tuple[str, ...]
    backends: tuple[str, ...]
    origins: tuple[TraceOrigin, ...]

    @property
    def batch_shape(self) -> tuple[Dimension, ...]:
        """The full shape a deferred Keras 3 build keeps (first build, first leaf)."""
        return self.first_batch_shapes[0]

    @property
    def data_dtypes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for leaf in self.leaves for d in leaf.data_dtypes))


@dataclass(frozen=True)
class SeenInput:
    text: str  # "(None, 784) float32"
    builds: int
    runs: int


@dataclass(frozen=True)
class VaryingInput:
    """Builds of one site differ in more than the batch dimension."""

    seen: tuple[SeenInput, ...]
    builds: int
    runs: int

    @property
    def shapes(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.seen)


@dataclass(frozen=True)
class StaleTrace:
    """No record for this content, but records for earlier content of the same file or cell."""

    path: str
    cell: int | None
    last_traced: float  # seconds since the epoch
    versions: int  # other contents of the unit that were traced
    runs: int


Found = TracedInput | VaryingInput | StaleTrace


@dataclass(frozen=True)
class RecordedSite:
    """A site as the store knows it, for `seq2func traces`."""

    digest: str
    line: int
    column: int
    kind: str  # "file" or "cell"
    path: str  # the file or notebook when traced; '' when not known
    cell: int | None  # the cell's index in the notebook, when known
    models: tuple[str, ...]  # the names Keras gave the models built there
    recorded: TracedInput | VaryingInput


@dataclass(frozen=True)
class InputArguments:
    """What goes between the parentheses of `keras.Input(...)`."""

    text: str  # 'shape=(784,), dtype="float32"'


@dataclass(frozen=True)
class NotConvertible:
    reason: str


def _normalize_path(path: str | os.PathLike | None) -> str | None:
    if path is None:
        return None
    return os.path.realpath(os.fspath(path))


class TraceIndex:
    """A read-only view of one trace store; open once per process, look up many sites."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._connection = connection
        self.path = path
        self._lock = threading.Lock()
        # (unit text, digest) of the last lookup: sites come file by file.
        self._last: tuple[str, str] | None = None
        self._commands: dict[str, tuple[str | None, float | None]] = {}

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "TraceIndex | None":
        """The store at `path` (else `$SEQ2FUNC_TRACES`, else the project's default); None when there is none.

        Never creates a store.
        """
        resolved = store.resolve_store_path(path)
        connection = store.connect_readonly(resolved)
        if connection is None:
            return None
        return cls(connection, resolved)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "TraceIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _digest(self, unit_text: str) -> str:
        last = self._last
        if last is not None and last[0] is unit_text:
            return last[1]
        digest = keys.unit_digest(unit_text)
        self._last = (unit_text, digest)
        return digest

    def _query(self, sql: str, parameters: Sequence) -> list[tuple]:
        with self._lock:
            return self._connection.execute(sql, tuple(parameters)).fetchall()

    def lookup(
        self,
        unit_text: str,
        line: int,
        column: int,
        path: str | os.PathLike | None = None,
        *,
        cell: int | None = None,
    ) -> Found | None:
        """What is known about the `Sequential(...)` call starting at `line` (1-based), `column` (0-based).

        `unit_text` is the `.py` file's text, or the notebook cell's source
        as the notebook holds it; `line`/`column` are the call's start in
        it, as LibCST's position of the `Call` node gives them (for a cell:
        in the cell as written, indentation included). `path` is the file or
        the notebook and `cell` the cell's index: they only serve to detect a
        stale trace.
        """
        digest = self._digest(unit_text)
        rows = self._query(
            "SELECT run, path, call, structure, leaves, keras, backend FROM builds "
            "WHERE digest = ? AND line = ? AND col = ? ORDER BY id",
            (digest, line, column),
        )
        if rows:
            return self._summarize(rows, digest)
        return self._stale(digest, _normalize_path(path), cell)

    def _stale(
        self, digest: str, path: str | None, cell: int | None
    ) -> StaleTrace | None:
        if not path:
            return None
        if self._query("SELECT 1 FROM units WHERE digest = ? LIMIT 1", (digest,)):
            return None  # this content was traced; the site was not built in it
        sql = (
            "SELECT COUNT(DISTINCT digest), MAX(seen), COUNT(DISTINCT run) FROM units "
            "WHERE path = ? AND digest != ?"
        )
        parameters: list = [path, digest]
        if cell is not None:
            sql += " AND cell IN (?, ?)"
            parameters += [cell, store.UNKNOWN_CELL]
        versions, last, runs = self._query(sql, parameters)[0]
        if not versions:
            return None
        return StaleTrace(path, cell, float(last), int(versions), int(runs))

    def sites(self) -> list["RecordedSite"]:
        """Every recorded site, with what its builds say, ordered by where it is."""
        keys_ = self._query(
            "SELECT digest, line, col, kind, MAX(path), COUNT(*) FROM builds "
            "GROUP BY digest, line, col ORDER BY MAX(path), digest, line, col",
            (),
        )
        found = []
        for digest, line, column, kind, path, _ in keys_:
            rows = self._query(
                "SELECT run, path, call, structure, leaves, keras, backend FROM builds "
                "WHERE digest = ? AND line = ? AND col = ? ORDER BY id",
                (digest, line, column),
            )
            cells = self._query(
                "SELECT path, cell FROM units WHERE digest = ? AND kind = 'cell' "
                "AND path != '' ORDER BY seen DESC LIMIT 1",
                (digest,),
            )
            cell = None
            if kind == "cell" and cells:
                path, cell = cells[0][0], (cells[0][1] if cells[0][1] >= 0 else None)
            models = self._query(
                "SELECT DISTINCT model FROM builds WHERE digest = ? AND line = ? "
                "AND col = ? AND model IS NOT NULL",
                (digest, line, column),
            )
            found.append(
                RecordedSite(
                    digest,
                    line,
                    column,
                    kind,
                    path,
                    cell,
                    tuple(m for (m,) in models),
                    self._summarize(rows, digest),
                )
            )
        return found

    def _notebook_of(self, digest: str, run: str) -> str:
        """The notebook a cell was run from, as the client that sent it noted it; '' if none did."""
        found = self._query(
            "SELECT path FROM units WHERE digest = ? AND path != '' "
            "ORDER BY run = ? DESC, seen DESC LIMIT 1",
            (digest, run),
        )
        return found[0][0] if found else ""

    def _command(self, run: str) -> tuple[str | None, float | None]:
        if run not in self._commands:
            found = self._query(
                "SELECT command, started FROM runs WHERE run = ?", (run,)
            )
            self._commands[run] = (found[0][0], found[0][1]) if found else (None, None)
        return self._commands[run]

    def _summarize(self, rows: list[tuple], digest: str) -> TracedInput | VaryingInput:
        builds = [_Build.of(row) for row in rows]
        runs = tuple(dict.fromkeys(b.run for b in builds))
        signatures: dict[tuple, list[_Build]] = {}
        for build in builds:
            signatures.setdefault(build.signature, []).append(build)
        if len(signatures) > 1:
            return VaryingInput(
                tuple(
                    SeenInput(
                        _signature_text(group[0]),
                        len(group),
                        len({b.run for b in group}),
                    )
                    for group in signatures.values()
                ),
                len(builds),
                len(runs),
            )
        first = builds[0]
        leaves = tuple(
            TracedLeaf(
                key=leaf["key"],
                shape=tuple(leaf["shape"][1:]),
                dtype=leaf["dtype"],
                sparse=bool(leaf["sparse"]),
                ragged=bool(leaf["ragged"]),
                data_dtypes=tuple(
                    dict.fromkeys(
                        b.leaves[i]["data_dtype"]
                        for b in builds
                        if b.leaves[i]["data_dtype"] is not None
                    )
                ),
            )
            for i, leaf in enumerate(first.leaves)
        )
        origins = []
        for run in runs:
            mine = [b for b in builds if b.run == run]
            command, started = self._command(run)
            origins.append(
                TraceOrigin(
                    run,
                    command,
                    started,
                    mine[0].path or self._notebook_of(digest, run),
                    len(mine),
                    tuple(dict.fromkeys(b.call for b in mine)),
                )
            )
        return TracedInput(
            structure=first.structure,
            leaves=leaves,
            batch_sizes=tuple(
                dict.fromkeys(
                    b.leaves[0]["shape"][0] if b.leaves[0]["shape"] else None
                    for b in builds
                )
            ),
            first_batch_shapes=tuple(tuple(leaf["shape"]) for leaf in first.leaves),
            builds=len(builds),
            runs=len(runs),
            calls=tuple(dict.fromkeys(b.call for b in builds)),
            keras_versions=tuple(dict.fromkeys(b.keras for b in builds if b.keras)),
            backends=tuple(dict.fromkeys(b.backend for b in builds if b.backend)),
            origins=tuple(origins),
        )


@dataclass(frozen=True)
class _Build:
    run: str
    path: str
    call: str
    structure: Structure
    leaves: tuple[dict, ...]
    keras: str | None
    backend: str | None

    @classmethod
    def of(cls, row: tuple) -> "_Build":
        run, path, call, structure, leaves, keras, backend = row
        return cls(
            run, path, call, structure, tuple(json.loads(leaves)), keras, backend
        )

    @property
    def signature(self) -> tuple:
        """Everything `keras.Input` would be written from: all but the batch dimension."""
        return (
            self.structure,
            tuple(
                (
                    leaf["key"],
                    tuple(leaf["shape"][1:]),
                    leaf["dtype"],
                    leaf["sparse"],
                    leaf["ragged"],
                )
                for leaf in self.leaves
            ),
        )


# ---------------------------------------------------------------- rendering
def shape_text(shape: Sequence[Dimension]) -> str:
    """A shape as Python writes a tuple: `(784,)`, `(None, 28, 28)`, `()`."""
    items = ["None" if d is None else str(d) for d in shape]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _leaf_text(
    shape: Sequence[Dimension], dtype: str | None, sparse: bool, ragged: bool
) -> str:
    text = f"{shape_text(shape)} {dtype or 'no InputLayer'}"
    if sparse:
        text += " sparse"
    if ragged:
        text += " ragged"
    return text


def _signature_text(build: _Build) -> str:
    parts = [
        _leaf_text(
            (None, *leaf["shape"][1:]), leaf["dtype"], leaf["sparse"], leaf["ragged"]
        )
        for leaf in build.leaves
    ]
    if build.structure == "tensor":
        return parts[0]
    if build.structure == "dict":
        return (
            "{"
            + ", ".join(
                f"{leaf['key']!r}: {part}" for leaf, part in zip(build.leaves, parts)
            )
            + "}"
        )
    return "[" + ", ".join(parts) + "]"


def input_text(traced: TracedInput) -> str:
    """The recorded input, batch dimension as None: `(None, 784) float32`."""
    if traced.structure == "tensor":
        leaf = traced.leaves[0]
        return _leaf_text((None, *leaf.shape), leaf.dtype, leaf.sparse, leaf.ragged)
    inner = ", ".join(
        (f"{leaf.key!r}: " if traced.structure == "dict" else "")
        + _leaf_text((None, *leaf.shape), leaf.dtype, leaf.sparse, leaf.ragged)
        for leaf in traced.leaves
    )
    return "{" + inner + "}" if traced.structure == "dict" else "[" + inner + "]"


def input_arguments(traced: TracedInput) -> InputArguments | NotConvertible:
    """The arguments of `keras.Input(...)` for a traced input, or why there are none.

    The dtype is always written: it is the one Keras gave the InputLayer,
    which is not always the default (`build()` takes the first layer's
    compute dtype). A model fed a list or a dict gets no InputLayer from a
    Sequential (Keras runs its layers one by one), so no single
    `keras.Input` reproduces it.
    """
    if traced.structure != "tensor":
        keys_ = ", ".join(repr(leaf.key) for leaf in traced.leaves)
        what = "dict" if traced.structure == "dict" else "list"
        return NotConvertible(
            f"the model was built with a {what} of {len(traced.leaves)} inputs "
            f"({keys_}), for which a Sequential makes no InputLayer"
        )
    leaf = traced.leaves[0]
    if leaf.dtype is None:
        return NotConvertible("Keras made no InputLayer when it built the model")
    text = f'shape={shape_text(leaf.shape)}, dtype="{leaf.dtype}"'
    if leaf.sparse:
        text += ", sparse=True"
    if leaf.ragged:
        text += ", ragged=True"
    return InputArguments(text)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def note_detail(traced: TracedInput) -> str:
    """`input (None, 784) float32 recorded from 2 builds in 1 run`, for the S2F208 note."""
    return (
        f"input {input_text(traced)} recorded from {_count(traced.builds, 'build')} "
        f"in {_count(traced.runs, 'run')}"
    )


def varying_detail(varying: VaryingInput) -> str:
    """What a site was built with, for the S2F118 skip: `(None, 784) float32 in 1 run; (None, 20) float32 in 1 run`."""
    return "; ".join(
        f"{seen.text} in {_count(seen.runs, 'run')}" for seen in varying.seen
    )


def stale_detail(stale: StaleTrace) -> str:
    """For the S2F119 skip: when the unit was last traced, in its earlier content."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(stale.last_traced))
    what = "the cell" if stale.cell is not None else "the file"
    return f"{what} changed since it was traced on {when}"


def origin_text(origin: TraceOrigin) -> str:
    """One line for a report: `2 builds by fit in `python train.py` (2025-01-31 14:02)`."""
    text = f"{_count(origin.builds, 'build')} by {', '.join(origin.calls)}"
    if origin.command:
        text += f" in `{origin.command}`"
    if origin.started:
        text += time.strftime(" (%Y-%m-%d %H:%M)", time.localtime(origin.started))
    return text


__all__ = [
    "Found",
    "InputArguments",
    "NotConvertible",
    "SeenInput",
    "StaleTrace",
    "TraceIndex",
    "TraceOrigin",
    "TracedInput",
    "TracedLeaf",
    "VaryingInput",
    "input_arguments",
    "input_text",
    "note_detail",
    "origin_text",
    "shape_text",
    "stale_detail",
    "varying_detail",
]
