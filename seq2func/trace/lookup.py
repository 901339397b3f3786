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

The answers are the dataclasses of `found.py`, summarized from the rows by
`builds.py` and written out by `texts.py`; this module re-exports them so a
reader imports from one place.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from . import keys, store
from .builds import Build, summarize
from .found import (
    Found,
    InputArguments,
    NotConvertible,
    RecordedSite,
    SeenInput,
    StaleTrace,
    TracedInput,
    TracedLeaf,
    TraceOrigin,
    VaryingInput,
)
from .texts import (
    input_arguments,
    input_text,
    note_detail,
    origin_text,
    shape_text,
    stale_detail,
    varying_detail,
)


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
        def origin_of(run: str, mine: list[Build]) -> TraceOrigin:
            command, started = self._command(run)
            return TraceOrigin(
                run,
                command,
                started,
                mine[0].path or self._notebook_of(digest, run),
                len(mine),
                tuple(dict.fromkeys(b.call for b in mine)),
            )

        return summarize([Build.of(row) for row in rows], origin_of)


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
