"""Verification on an existing Dask cluster: `--scheduler ADDRESS`.

One Dask task per site. The task carries the site's two sources and the
options (no file paths), so workers need seq2func, Keras and TensorFlow but
no shared filesystem. On the Dask worker the site goes through the same
`verify_site` as a local run, in a seq2func worker process with its fresh
session, seed, timeout, memory bound and downloads refused: a site that hangs
or crashes costs that site, never the Dask worker.

A Dask worker that dies while a site runs has the site run elsewhere (Dask
reschedules it, or this module resubmits it after Dask gives up); a site
under which two Dask workers died is reported as S2F305 without being run a
third time. Workers whose seq2func, Keras or TensorFlow differ from this
machine's are a `ClusterError`: results are never mixed across versions.

Dask is imported only inside functions here, and this module only when a
scheduler is given, so a local run never imports Dask.

This module is the client's side and what both sides share; the Dask
worker's side is `cluster_worker.py`. What a worker finds by its name (the
task's entry point `run_on_worker`, `worker_versions`, the pickled `_Job` and
`_Outcome`) stays here, so a worker with another seq2func still finds it and
is refused by its versions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..diagnostics import WORKER_CRASHED
from .engine import Options, _Task, _verdict
from .results import SiteVerification

CONNECT_TIMEOUT_S = 10.0
# How long a run waits for a worker able to take its sites: at the start, and
# whenever every such worker has gone. Long enough for a nanny to restart one.
WORKERS_TIMEOUT_S = 60.0
# A site under which this many Dask workers died is reported, not run again.
MAX_WORKER_DEATHS = 2
GPU_RESOURCE = "GPU"
POLL_S = 0.05
WATCH_EVERY_S = 5.0
# Per-task record, in the scheduler's task metadata, of the workers a site
# started on; the scheduler drops it with the task.
_STARTS = "seq2func-started-on"
# What each task runs. The scheduler unpickles every task it is sent; a
# seq2func function there would make the scheduler need seq2func installed.
# `eval` is a builtin and the job travels as bytes, so an organisation's
# scheduler runs unchanged; only the workers import seq2func.
_ENTRY = "__import__('seq2func.verify.cluster', fromlist=['_']).run_on_worker(payload)"
# Distributions checked on every worker, by the name pip knows them under.
_PACKAGES = {
    "keras": ("keras", "keras-nightly"),
    "tensorflow": (
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "tensorflow-macos",
        "tensorflow-intel",
        "tf-nightly",
    ),
    "tf-keras": ("tf-keras", "tf-keras-nightly"),
}


class ClusterError(RuntimeError):
    """The cluster cannot verify this run (unreachable, other versions, ...): exit 2."""


@dataclass(frozen=True)
class _Job:
    """Everything one Dask task needs, pickled into its payload."""

    task: _Task
    options: Options
    expected: dict  # this machine's versions; a worker with others refuses
    died_on: tuple[str, ...] = ()  # workers that died under earlier submissions


@dataclass(frozen=True)
class _Outcome:
    site: SiteVerification | None = None
    fatal: str = ""  # the run cannot go on: other versions, no GPU there


# -- versions -------------------------------------------------------------------


@functools.cache
def worker_versions() -> dict[str, str | None]:
    """What must match between this machine and every worker, read without
    importing the framework (only seq2func's own worker processes import it)."""
    import seq2func

    versions: dict[str, str | None] = {
        "seq2func": seq2func.__version__,
        "seq2func source": _source_fingerprint(Path(seq2func.__file__).parent),
    }
    for name, distributions in _PACKAGES.items():
        versions[name] = _installed(distributions)
    versions["Keras backend"] = _keras_backend()
    return versions


def _installed(distributions: tuple[str, ...]) -> str | None:
    for distribution in distributions:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return None


def _source_fingerprint(package: Path) -> str:
    """Two installs of one seq2func version can differ (a checkout, a patch)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _keras_backend() -> str:
    """The backend Keras will pick, as Keras reads it: environment, then keras.json."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    try:
        with open(os.path.join(home, "keras.json")) as file:
            return str(json.load(file).get("backend", "tensorflow"))
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def _difference(here: dict, there: dict) -> str:
    found = []
    for name in here.keys() | there.keys():
        if here.get(name) != there.get(name):
            found.append(
                f"{name} {there.get(name) or 'not installed'} "
                f"(here: {here.get(name) or 'not installed'})"
            )
    return ", ".join(sorted(found))


# -- on the Dask worker ---------------------------------------------------------


def run_on_worker(payload: bytes) -> bytes:
    """The Dask task: verify one site on this Dask worker, exactly as locally.

    `_ENTRY` names it here, as it names `_Job` and `_Outcome` in the payload:
    a worker with another seq2func still finds them and is refused by its
    versions. The work is done in `cluster_worker.py`.
    """
    from .cluster_worker import run_job

    return run_job(payload)


def _died(task: _Task, died_on: tuple[str, ...]) -> SiteVerification:
    return _verdict(
        task,
        "error",
        code=WORKER_CRASHED,
        detail=f" (the Dask workers running it died: {', '.join(died_on)})",
    )


# -- on this machine ------------------------------------------------------------


def run_on_cluster(tasks: list[_Task], options: Options) -> list[SiteVerification]:
    """Verify every task on the cluster at `options.scheduler`; one result per task."""
    client = _connect(options.scheduler)
    try:
        return _ClusterRun(client, tasks, options).run()
    except OSError as error:  # the scheduler went away mid-run
        raise ClusterError(
            f"lost the Dask scheduler at {options.scheduler}: {error}"
        ) from None
    finally:
        client.close()


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError as error:
        raise ClusterError(
            "--scheduler needs Dask's distributed package: "
            f"pip install 'seq2func[verify,cluster]' ({error})"
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} "
            f"within {CONNECT_TIMEOUT_S:g} s ({error})"
        ) from None


class _ClusterRun:
    """One run's sites on the cluster: submitted, settled, resubmitted after deaths."""

    def __init__(self, client, tasks: list[_Task], options: Options):
        self.client = client
        self.tasks = tasks
        self.options = options
        self.results: list[SiteVerification | None] = [None] * len(tasks)
        self.expected = worker_versions()
        self.run_id = uuid.uuid4().hex[:12]
        self.gpu = options.device == "gpu"
        self.index_of: dict[str, int] = {}  # Dask key -> task index
        self.died_on: dict[int, tuple[str, ...]] = {}  # under earlier submissions
        self.submissions: dict[int, int] = {}
        self.watching_since = time.monotonic()  # when a capable worker was last seen

    def run(self) -> list[SiteVerification]:
        from distributed import as_completed

        # Submitted before the checks, so an adaptive cluster scaled to zero
        # sees work and starts workers; a worker that differs refuses its task.
        pending = as_completed(
            self._submit(range(len(self.tasks))), loop=self.client.loop
        )
        self._check_workers()
        idle_since = time.monotonic()
        while not pending.is_empty():
            if not pending.has_ready():
                time.sleep(POLL_S)
                if time.monotonic() - idle_since > WATCH_EVERY_S:
                    self._watch()
                    idle_since = time.monotonic()
                continue
            for future in pending.next_batch(block=False):
                pending.update(self._settle(future))
            idle_since = time.monotonic()
        return self.results

    def _submit(self, indices) -> list:
        indices = list(indices)
        keys = []
        payloads = []
        for index in indices:
            count = self.submissions.get(index, 0)
            self.submissions[index] = count + 1
            key = f"seq2func-verify-{self.run_id}-{index}-{count}"
            self.index_of[key] = index
            keys.append(key)
            job = _Job(
                self.tasks[index],
                self.options,
                self.expected,
                self.died_on.get(index, ()),
            )
            payloads.append({"payload": pickle.dumps(job)})
        return self.client.map(
            eval,
            [_ENTRY] * len(indices),
            payloads,
            key=keys,
            pure=False,
            resources={GPU_RESOURCE: 1} if self.gpu else None,
        )

    def _settle(self, future) -> list:
        """Takes in a finished task; returns the futures submitted again."""
        from distributed.scheduler import KilledWorker

        index = self.index_of.pop(future.key)
        again = []
        if future.status == "finished":
            outcome: _Outcome = pickle.loads(future.result())
            if outcome.fatal:
                raise ClusterError(outcome.fatal)
            self.results[index] = outcome.site
        elif future.status == "error":
            error = future.exception()
            if not isinstance(error, KilledWorker):
                site = self.tasks[index].site
                raise ClusterError(
                    f"verifying {site.label} (line {site.line} of {self.tasks[index].path}) "
                    f"failed on the cluster: {type(error).__name__}: {error}"
                )
            # Dask gave up after its own allowed failures (the scheduler's
            # setting); the count that decides here is this run's.
            started = self.client.get_metadata([future.key, _STARTS], default=[])
            last = getattr(getattr(error, "last_worker", None), "address", "?")
            self.died_on[index] = self.died_on.get(index, ()) + tuple(started or [last])
            if len(self.died_on[index]) >= MAX_WORKER_DEATHS:
                self.results[index] = _died(self.tasks[index], self.died_on[index])
            else:
                again = self._submit([index])
        else:
            raise ClusterError(
                f"the Dask scheduler at {self.options.scheduler} dropped the run "
                f"({future.status}); was it restarted?"
            )
        future.release()
        return again

    def _capable_workers(self) -> dict:
        try:
            info = self.client.scheduler_info(n_workers=-1)
        except TypeError:  # distributed before 2025 lists every worker anyway
            info = self.client.scheduler_info()
        workers = info["workers"]
        if not self.gpu:
            return workers
        return {
            address: info
            for address, info in workers.items()
            if (info.get("resources") or {}).get(GPU_RESOURCE, 0) >= 1
        }

    def _check_workers(self) -> None:
        """Versions and resources of the workers there now; clear errors, not a hang."""
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            raise ClusterError(
                f"no Dask worker joined the scheduler at {self.options.scheduler} "
                f"within {WORKERS_TIMEOUT_S:g} s"
            ) from None
        found = self.client.run(worker_versions, on_error="return")
        problems = []
        for address, versions in sorted(found.items()):
            if isinstance(versions, OSError):
                continue  # gone while asked; its tasks, if any, run elsewhere
            if isinstance(versions, BaseException):
                problems.append(
                    f"{address} cannot run seq2func's cluster support: "
                    f"{type(versions).__name__}: {versions}"
                )
            elif _difference(self.expected, versions):
                problems.append(f"{address} has {_difference(self.expected, versions)}")
        if problems:
            raise ClusterError(
                "the Dask workers must have this machine's seq2func, Keras and "
                "TensorFlow (results are never mixed across versions): "
                + "; ".join(problems)
            )
        if self.gpu and not self._capable_workers():
            raise ClusterError(
                f"--device gpu: no Dask worker at {self.options.scheduler} offers "
                f"a {GPU_RESOURCE} resource (start them with dask-cuda, or "
                f"`dask worker ... --resources {GPU_RESOURCE}=1`)"
            )
        self.watching_since = time.monotonic()

    def _watch(self) -> None:
        """Sites waiting on a cluster with no worker able to take them fail, in time."""
        if self._capable_workers():
            self.watching_since = time.monotonic()
        elif time.monotonic() - self.watching_since > WORKERS_TIMEOUT_S:
            left = sum(r is None for r in self.results)
            kind = f"with a {GPU_RESOURCE} resource " if self.gpu else ""
            raise ClusterError(
                f"no Dask worker {kind}has been connected to {self.options.scheduler} "
                f"for {WORKERS_TIMEOUT_S:g} s; {left} sites were not verified"
            )
