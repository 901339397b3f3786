"""A real Dask cluster in subprocesses (`dask scheduler`, `dask worker`), for tests and
benchmarks: each process leads its own process group, so stopping one kills its whole
tree (nanny, worker, seq2func's worker processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120.0
_OWN_PROCESS_GROUP = (
    {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """One `dask` command, logging to a file; `kill` ends it and its children."""

    def __init__(self, args: list[str], log: Path, env: dict | None = None):
        self.log = log
        environment = dict(os.environ if env is None else env)
        # The checkout under test, not an installed copy, on every worker.
        environment.setdefault("PYTHONPATH", str(ROOT))
        environment.pop("DASK_SCHEDULER_ADDRESS", None)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dask", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
                # `python -m` puts the working directory first on sys.path: a
                # folder of its own, so PYTHONPATH alone says which seq2func runs.
                cwd=log.parent,
                # A process group, not a session: with the kernel's autogroup
                # scheduling a session of its own would get its own CPU share,
                # and a benchmark against a local run would not be fair.
                **_OWN_PROCESS_GROUP,
            )

    def wait_for(self, text: str, timeout: float = START_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.log.read_text(errors="replace")
            if text in found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"dask exited ({self.process.returncode}):\n{found}")
            time.sleep(0.1)
        raise TimeoutError(f"no {text!r} in {self.log}:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL to the whole group: nanny, worker and its seq2func processes."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


class SubprocessCluster:
    """`dask scheduler` on a free port and `dask worker`s (one thread, one process each)."""

    def __init__(self, folder: Path, workers: int = 2, env: dict | None = None):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workers: list[Process] = []
        self.scheduler = Process(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
            ],
            folder / "scheduler.log",
            env,
        )
        try:
            self.scheduler.wait_for("Scheduler at:")
            started = [self.add_worker(wait=False) for _ in range(workers)]
            for worker in started:
                worker.wait_for("Registered to:")
        except BaseException:
            self.close()
            raise

    def add_worker(
        self, env: dict | None = None, wait: bool = True, name: str | None = None
    ) -> Process:
        name = name or f"worker-{len(self.workers)}"
        worker = Process(
            [
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--name",
                name,
            ],
            self.folder / f"{name}.log",
            env if env is not None else self.env,
        )
        self.workers.append(worker)
        if wait:
            worker.wait_for("Registered to:")
        return worker

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()
        self.scheduler.kill()

    def __enter__(self) -> SubprocessCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
