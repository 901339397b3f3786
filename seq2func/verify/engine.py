"""Running verification: worker processes, per-site timeouts, and the verdict per site.

Each worker is a separate Python process that imports the framework once and
builds many models; a crash, hang or out-of-memory costs that worker, which is
replaced, and the site is reported while the others finish.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ..diagnostics import (
    MISSING_MODULE,
    NONDETERMINISTIC,
    NOT_EQUIVALENT,
    TIMEOUT,
    UNREACHABLE,
    WORKER_CRASHED,
)
from .. import diagnostics
from ..analysis.traces import SiteTraces
from ..convert import convert_source
from ..results import Site
from .compare import same_run
from .deferred import DeferredBuild, deferred_build
from .flavour import KerasChoice, KerasFlavour, choose, keras2_only
from .reach import Unreachable, definition_of, ordinal_of, probe_for
from .results import SiteVerification, VerificationReport
from .processes import DeviceUnavailable as DeviceUnavailable
from .processes import KerasUnavailable, WorkerDied, WorkerTimeout, _Slot
from .judge import _judge, _unwrap
from .judge import _verdict as _verdict

DEFAULT_MEMORY_MB = 16384


@dataclass
class _Task:
    index: int  # which file
    path: str | None
    site: Site
    original: str
    converted: str
    original_ordinal: int
    converted_ordinal: int
    binds: dict = field(default_factory=dict)
    keras: KerasFlavour = "3"
    keras_reason: str = ""  # why this Keras; empty for the default
    definition: int = 0  # which definition of the site's function (see reach)
    # How the original was built when its input came from its first data or a
    # trace: worked out here, so a Dask worker needs neither the store nor a replan.
    deferred: DeferredBuild | None = None


@dataclass
class Options:
    binds: dict = field(default_factory=dict)
    device: str = "auto"
    timeout: float = 120.0
    jobs: int = 1
    memory_mb: int | None = DEFAULT_MEMORY_MB
    seed: int = 0
    keras: KerasChoice = "auto"
    scheduler: str | None = None  # a Dask scheduler's address: verify on that cluster


def sites_to_verify(
    original: str,
    path: str | None,
    include_skipped: bool = False,
    traces: SiteTraces | None = None,
) -> tuple[Site, ...]:
    sites = convert_source(original, path=path, traces=traces).sites
    return tuple(
        s
        for s in sites
        if s.status == "converted"
        or (include_skipped and s.form in ("list", "add", "return"))
    )


def verify_many(
    items: list[tuple[str, str, str | None]],
    options: Options,
    sites=None,
    traces: list[SiteTraces | None] | None = None,
) -> list[VerificationReport]:
    """Verify several (original, converted, path) pairs with one pool of workers.

    `traces` holds, per item, the recorded inputs its conversion used.
    """
    tasks: list[_Task] = []
    for index, (original, converted, path) in enumerate(items):
        recorded = traces[index] if traces is not None else None
        chosen = (
            sites[index]
            if sites is not None
            else sites_to_verify(original, path, traces=recorded)
        )
        file_keras, file_why = choose(original, options.keras)
        for site in chosen:
            keras, why = _site_keras(original, site, file_keras, file_why)
            ordinal = ordinal_of(original, site.scope, site.target, site.line)
            tasks.append(
                _Task(
                    index,
                    path,
                    site,
                    original,
                    converted,
                    ordinal,
                    ordinal,
                    options.binds,
                    keras,
                    why,
                    definition_of(original, site.scope, site.line),
                    deferred_build(original, path, site, recorded),
                )
            )
    results: list[SiteVerification | None] = [None] * len(tasks)
    if tasks and options.scheduler:
        from .cluster import run_on_cluster  # Dask is imported only when asked for

        results = run_on_cluster(tasks, options)
    elif tasks:
        workers = max(1, min(options.jobs, len(tasks)))
        slots = [_Slot(options) for _ in range(workers)]
        queue = list(enumerate(tasks))
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [
                    pool.submit(_drain, slot, queue, results, options) for slot in slots
                ]
                for future in futures:
                    future.result()
        finally:
            for slot in slots:
                slot.close()
    reports = []
    for index, (_, _, path) in enumerate(items):
        found = tuple(
            r for t, r in zip(tasks, results) if t.index == index and r is not None
        )
        reports.append(VerificationReport(sites=found, path=path))
    return reports


def _site_keras(
    source: str, site: Site, keras: KerasFlavour, why: str
) -> tuple[KerasFlavour, str]:
    """A `keras.Sequential` in a file that imports tf_keras only beside it is
    Keras 3 code, as the converter read it (planning/keras2.py): it runs on Keras 3."""
    if keras != "2" or not why.startswith("the file imports tf_keras"):
        return keras, why
    lines = source.splitlines()
    text = lines[site.line - 1][site.column :] if site.line <= len(lines) else ""
    if text.startswith("tf.keras.") or (
        text.startswith("keras.") and _keras_is_keras3(source)
    ):
        return "3", ""
    return keras, why


def _keras_is_keras3(source: str) -> bool:
    """Whether the name `keras` is the Keras 3 package (not `import tf_keras as keras`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    bound = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if (alias.asname or alias.name.split(".")[0]) == "keras"
    ]
    return bool(bound) and all(name.split(".")[0] == "keras" for name in bound)


def _drain(slot: _Slot, queue: list, results: list, options: Options) -> None:
    while True:
        try:
            position, task = queue.pop(0)
        except IndexError:
            return
        results[position] = verify_site(slot, task, options)


class _Stopped(Exception):
    """A side timed out or killed its worker: the verdict is already made."""

    def __init__(self, verdict: SiteVerification):
        self.verdict = verdict


def _run_side(
    slot: _Slot,
    task: _Task,
    options: Options,
    keras: KerasFlavour,
    job: dict,
) -> dict:
    side = job["side"]
    try:
        worker = slot.get(keras)
    except KerasUnavailable as error:
        if options.keras != "auto":  # asked for by name: a usage error
            raise DeviceUnavailable(str(error)) from None
        module = "tf_keras" if keras == "2" else "keras"
        raise _Stopped(
            _verdict(
                task,
                "unverifiable",
                code=MISSING_MODULE,
                detail=f" ({module}: the code is written for Keras {keras}, and {error})",
                keras=keras,
            )
        ) from None
    try:
        result = worker.run(job, options.timeout)
    except WorkerTimeout:
        slot.discard(keras)
        raise _Stopped(
            _verdict(
                task,
                "error",
                code=TIMEOUT,
                detail=f" (after {options.timeout:g} s, {side} side)",
                keras=keras,
            )
        ) from None
    except WorkerDied as died:
        slot.discard(keras)
        raise _Stopped(
            _verdict(
                task,
                "error",
                code=WORKER_CRASHED,
                detail=f" (exit code {died.args[0]}, {side} side)",
                keras=keras,
            )
        ) from None
    result["keras"] = keras
    return result


def _job(task: _Task, options: Options, workdir: str, side: str, probe) -> dict:
    return {
        "path": task.path,
        "workdir": workdir,
        "seed": options.seed,
        "inputs_file": os.path.join(workdir, "inputs.npy"),
        "checkpoint": os.path.join(workdir, "original.weights.h5"),
        "side": side,
        "probe": probe.__dict__,
    }


def verify_site(slot: _Slot, task: _Task, options: Options) -> SiteVerification:
    started = time.perf_counter()
    site = task.site
    try:
        original_probe = probe_for(
            task.original,
            scope=site.scope,
            target=site.target,
            ordinal=task.original_ordinal,
            form=site.form,
            end_line=site.end_line,
            binds=task.binds,
            definition=task.definition,
        )
        converted_probe = probe_for(
            task.converted,
            scope=site.scope,
            target=site.target,
            ordinal=task.converted_ordinal,
            form=site.form,
            end_line=None,
            binds=task.binds,
            definition=task.definition,
        )
    except (Unreachable, SyntaxError) as error:
        return _verdict(
            task,
            "unverifiable",
            code=UNREACHABLE,
            detail=f" ({error})",
            keras=task.keras,
            keras_reason=task.keras_reason,
        )
    deferred = task.deferred
    if deferred is not None:
        original_probe, converted_probe = deferred.probes(
            original_probe, converted_probe
        )
    workdirs: list[str] = []

    def fresh() -> str:
        workdirs.append(tempfile.mkdtemp(prefix="seq2func-verify-"))
        return workdirs[-1]

    keras, why = task.keras, task.keras_reason

    def run(side: str, workdir: str, probe) -> dict:
        # Reads `keras` when called: a Keras 2 fallback reruns both sides there.
        return _run_side(
            slot, task, options, keras, _job(task, options, workdir, side, probe)
        )

    try:
        workdir = fresh()
        original = run("original", workdir, original_probe)
        if (
            not original.get("ok")
            and options.keras == "auto"
            and keras == "3"
            and keras2_only(original.get("error", ""))
        ):
            # Code written for Keras 2: both sides run again on Keras 2.
            first = original
            keras, why = "2", f"the original fails on Keras 3 ({first['error']})"
            workdir = fresh()
            original = run("original", workdir, original_probe)
            if not original.get("ok"):
                original["error"] = (
                    f"on Keras 3: {first['error']}; on Keras 2: {original['error']}"
                )
        converted = run("converted", workdir, converted_probe)
        verdict = _judge(
            task,
            {"original": original, "converted": converted},
            workdir,
            keras,
            why,
            deferred,
        )
        if verdict.status == "different" and _numbers_only(verdict):
            verdict = _rerun(
                slot,
                task,
                options,
                keras,
                workdir,
                fresh(),
                (original_probe, converted_probe),
                verdict,
            )
        return replace(verdict, seconds=round(time.perf_counter() - started, 3))
    except _Stopped as stopped:
        return stopped.verdict
    finally:
        for directory in workdirs:
            shutil.rmtree(directory, ignore_errors=True)


_NUMERIC_CHECKS = frozenset({"initial weights", "outputs", "checkpoint"})


def _numbers_only(verdict: SiteVerification) -> bool:
    """Only numbers differ (the structure matched): a run-to-run change could explain it."""
    failed = {c.name for c in verdict.checks if not c.passed}
    return bool(failed) and failed <= _NUMERIC_CHECKS


def _rerun(
    slot: _Slot,
    task: _Task,
    options: Options,
    keras: KerasFlavour,
    first: str,
    second: str,
    probes: tuple,
    verdict: SiteVerification,
) -> SiteVerification:
    """Run both sides again on the same sample: a side that disagrees with
    itself makes the difference nondeterminism, never a "different"."""
    shutil.copy(os.path.join(first, "inputs.npy"), os.path.join(second, "inputs.npy"))
    for side, probe in zip(("original", "converted"), probes):
        job = _job(task, options, second, side, probe)
        again = _run_side(slot, task, options, keras, job)
        if not again.get("ok"):
            return verdict
    unstable = same_run(first, second)
    if unstable is None:
        return verdict
    detail = f" ({unstable}; the comparison said: {verdict.reason})"
    return replace(
        verdict,
        status="unverifiable",
        reason=_unwrap(detail),
        diagnostics=(
            diagnostics.make(
                NONDETERMINISTIC,
                model=task.site.label,
                line=task.site.line,
                detail=detail,
                path=task.path,
            ),
            *(d for d in verdict.diagnostics if d.code != NOT_EQUIVALENT),
        ),
    )
