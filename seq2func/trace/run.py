"""`seq2func trace`: run a command, or execute notebooks, with the recorder in every Python process.

A command runs as a child process whose environment names the store and
the run and puts the start-up folder first on `PYTHONPATH` (`startup.py`);
its standard streams are the terminal's, its exit status is returned
(`128 + N` for a child killed by signal N, as a shell reports it). Ctrl-C
goes to the child, which decides what to do with it.

Notebooks (`seq2func trace a.ipynb b.ipynb`) are executed here with nbclient,
in a kernel started with the same environment; they are read, never
written. The cells this process sends are noted as units of the notebook,
so an edited cell later shows as a stale trace.
"""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import recorder, startup, store

NOTEBOOK_SUFFIX = ".ipynb"
EXIT_USAGE = 2
EXIT_CANNOT_RUN = 126  # as a shell: found but not executable
EXIT_NOT_FOUND = 127  # as a shell: no such command
SIGNAL_EXIT_BASE = 128


@dataclass(frozen=True)
class TraceOutcome:
    exit_status: int
    store: Path
    run: str
    builds: int
    sites: int


def is_notebook_run(arguments: list[str]) -> bool:
    return bool(arguments) and all(a.endswith(NOTEBOOK_SUFFIX) for a in arguments)


def trace(
    arguments: list[str],
    *,
    traces: str | None = None,
    cell_timeout: float | None = None,
    kernel: str | None = None,
) -> TraceOutcome:
    """Run `arguments` (a command, or notebooks) and record into the store; never raises for the program's failures."""
    store_path = store.resolve_store_path(traces)
    store.create_store(store_path)
    run = startup.new_run_id()
    writer = store.Writer(store_path, run)
    writer.start_run(shlex.join(arguments), os.getcwd())
    with tempfile.TemporaryDirectory(prefix="seq2func-trace-") as folder:
        boot = startup.write_boot_folder(Path(folder))
        env = startup.traced_environment(dict(os.environ), store_path, run, boot)
        if is_notebook_run(arguments):
            status = _notebooks(arguments, env, store_path, run, cell_timeout, kernel)
        else:
            status = _command(arguments, env)
    writer.finish_run(status)
    writer.close()
    builds, sites = _counts(store_path, run)
    return TraceOutcome(status, store_path, run, builds, sites)


def _command(arguments: list[str], env: dict[str, str]) -> int:
    command = list(arguments)
    if command[0].endswith(".py") and os.path.isfile(command[0]):
        # `seq2func trace train.py`, as `monkeytype run train.py`.
        command.insert(0, sys.executable)
    previous = signal.getsignal(signal.SIGINT)
    try:
        process = subprocess.Popen(command, env=env)
    except FileNotFoundError:
        print(f"seq2func trace: command not found: {command[0]}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except PermissionError:
        print(f"seq2func trace: cannot run: {command[0]}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    # The child gets Ctrl-C from the terminal itself; this process only waits for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return SIGNAL_EXIT_BASE - status if status < 0 else status


def _notebooks(
    paths: list[str],
    env: dict[str, str],
    store_path: Path,
    run: str,
    cell_timeout: float | None,
    kernel: str | None,
) -> int:
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as error:
        print(
            f"seq2func trace: executing notebooks needs nbclient and ipykernel ({error})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # This process sends the cells: note them as units of their notebook.
    recorder.start(str(store_path), run)
    status = 0
    for name in paths:
        path = Path(name).resolve()
        try:
            notebook = nbformat.read(str(path), as_version=4)
        except (OSError, ValueError) as error:
            print(f"{name}: cannot read the notebook: {error}", file=sys.stderr)
            status = max(status, 1)
            continue
        options = {} if kernel is None else {"kernel_name": kernel}
        client = NotebookClient(
            notebook,
            timeout=cell_timeout,
            resources={"metadata": {"path": str(path.parent), "name": path.stem}},
            **options,
        )
        try:
            client.execute(env=env)  # the kernel runs in the notebook's folder
        except CellExecutionError as error:
            print(f"{name}: a cell failed:\n{error}", file=sys.stderr)
            status = max(status, 1)
        except Exception as error:  # the kernel died, timed out, or did not start
            print(
                f"{name}: cannot execute: {type(error).__name__}: {error}",
                file=sys.stderr,
            )
            status = max(status, 1)
    return status


def _counts(store_path: Path, run: str) -> tuple[int, int]:
    connection = store.connect_readonly(store_path)
    if connection is None:
        return 0, 0
    try:
        builds, sites = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT digest || ':' || line || ':' || col) "
            "FROM builds WHERE run = ?",
            (run,),
        ).fetchone()
    except sqlite3.DatabaseError:
        return 0, 0
    finally:
        connection.close()
    return int(builds), int(sites)
