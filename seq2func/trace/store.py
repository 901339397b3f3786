"""The trace store: one SQLite file that many processes write at once.

Where it is: `--traces PATH`, else `$SEQ2FUNC_TRACES`, else
`.seq2func/traces.sqlite` in the nearest folder upward from the current one
that holds a `pyproject.toml` (else the current folder). The default folder
gets a `.gitignore` that ignores everything in it, as `.pytest_cache` does.

Many writers: the database is in WAL mode (readers never block writers),
every write is one short `BEGIN IMMEDIATE` transaction committed at once (a
program that dies later keeps what it recorded), and a busy timeout makes a
writer wait for another instead of failing. `synchronous=NORMAL` skips the
fsync per commit that WAL does not need for consistency. Each process opens
its own connection on its first write; a forked child opens a new one, as
SQLite requires.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .startup import ACTIVE_ENV, RUN_ENV  # noqa: F401  (set by `seq2func trace`)

STORE_ENV = "SEQ2FUNC_TRACES"  # the user's way to name the store
DEFAULT_FOLDER = ".seq2func"
DEFAULT_NAME = "traces.sqlite"
GITIGNORE = "# Created by seq2func trace automatically.\n*\n"
PROJECT_MARKER = "pyproject.toml"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 60.0  # a writer waits this long for another before giving up
# A unit whose file is not known (a kernel cell run by a plain client).
UNKNOWN_PATH = ""
UNKNOWN_CELL = -1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    cwd TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    exit_status INTEGER
);
CREATE TABLE IF NOT EXISTS units (
    digest TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    cell INTEGER NOT NULL,
    run TEXT NOT NULL,
    seen REAL NOT NULL,
    UNIQUE (digest, path, cell, run)
);
CREATE TABLE IF NOT EXISTS builds (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    cell INTEGER NOT NULL,
    run TEXT NOT NULL,
    pid INTEGER NOT NULL,
    at REAL NOT NULL,
    model TEXT,
    call TEXT NOT NULL,
    structure TEXT NOT NULL,
    leaves TEXT NOT NULL,
    keras TEXT,
    backend TEXT
);
CREATE INDEX IF NOT EXISTS builds_site ON builds (digest, line, col);
CREATE INDEX IF NOT EXISTS builds_path ON builds (path);
CREATE INDEX IF NOT EXISTS units_digest ON units (digest);
CREATE INDEX IF NOT EXISTS units_path ON units (path);
"""


_ADD_UNIT = (
    "INSERT OR IGNORE INTO units (digest, kind, path, cell, run, seen) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


class StoreError(Exception):
    """The store cannot be used: not a trace store, a newer schema, or unwritable."""


def project_root(start: Path | None = None) -> Path:
    """The nearest folder upward from `start` holding a `pyproject.toml`, else `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    return here


def default_store_path(start: Path | None = None) -> Path:
    return project_root(start) / DEFAULT_FOLDER / DEFAULT_NAME


def resolve_store_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--traces PATH`, else `$SEQ2FUNC_TRACES`, else the project's default; absolute."""
    chosen = explicit or os.environ.get(STORE_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return default_store_path()


def _is_default_location(path: Path) -> bool:
    return path.name == DEFAULT_NAME and path.parent.name == DEFAULT_FOLDER


def create_store(path: Path) -> None:
    """Make the store (and, in the default place, its folder with a `.gitignore`); idempotent."""
    folder = path.parent
    if _is_default_location(path) and not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    else:
        folder.mkdir(parents=True, exist_ok=True)
    connection = _connect(path)
    try:
        _ensure_schema(connection)
    finally:
        connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _ensure_schema(connection: sqlite3.Connection) -> None:
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise StoreError(f"not a trace store: {error}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"written by a newer seq2func (schema {version} > {SCHEMA_VERSION})"
        )
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def connect_readonly(path: Path) -> sqlite3.Connection | None:
    """A read-only connection, or None when there is no store there (nothing is created)."""
    if not path.is_file():
        return None
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    if version != SCHEMA_VERSION:
        connection.close()
        return None
    return connection


@dataclass(frozen=True)
class BuildRow:
    """One first build of one model object, as written to `builds`."""

    digest: str
    line: int
    column: int
    kind: str  # "file" or "cell"
    path: str
    cell: int
    model: str | None
    call: str
    structure: str
    leaves: tuple[dict, ...]
    keras: str | None
    backend: str | None


class Writer:
    """The process's writing end of the store; connects on the first write, again after a fork."""

    def __init__(self, path: str | os.PathLike, run: str):
        self.path = Path(path)
        self.run = run
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        # Connections inherited through fork() must not be used, nor closed
        # (closing touches the parent's locks); they are kept here, unused.
        self._inherited: list[sqlite3.Connection] = []

    def after_fork(self) -> None:
        """In a forked child: a lock another thread held at the fork would stay held."""
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        if self._connection is not None:
            self._inherited.append(self._connection)
        if not self.path.exists():
            create_store(self.path)
        connection = _connect(self.path)
        _ensure_schema(connection)
        self._connection, self._pid = connection, os.getpid()
        return connection

    def _write(self, *statements: tuple[str, tuple]) -> None:
        """One transaction, committed before returning."""
        with self._lock:
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                for sql, parameters in statements:
                    connection.execute(sql, parameters)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def add_build(self, row: BuildRow) -> None:
        now = time.time()
        self._write(
            (_ADD_UNIT, (row.digest, row.kind, row.path, row.cell, self.run, now)),
            (
                "INSERT INTO builds (digest, line, col, kind, path, cell, run, pid, at, model, "
                "call, structure, leaves, keras, backend) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.digest,
                    row.line,
                    row.column,
                    row.kind,
                    row.path,
                    row.cell,
                    self.run,
                    os.getpid(),
                    now,
                    row.model,
                    row.call,
                    row.structure,
                    json.dumps(list(row.leaves), sort_keys=True),
                    row.keras,
                    row.backend,
                ),
            ),
        )

    def add_unit(self, digest: str, kind: str, path: str, cell: int) -> None:
        """A unit that ran in this run (a notebook cell a client executed), built a model or not."""
        self._write((_ADD_UNIT, (digest, kind, path, cell, self.run, time.time())))

    def start_run(self, command: str, cwd: str) -> None:
        self._write(
            (
                "INSERT OR REPLACE INTO runs (run, command, cwd, started) "
                "VALUES (?, ?, ?, ?)",
                (self.run, command, cwd, time.time()),
            )
        )

    def finish_run(self, exit_status: int) -> None:
        self._write(
            (
                "UPDATE runs SET finished = ?, exit_status = ? WHERE run = ?",
                (time.time(), exit_status, self.run),
            )
        )

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None
