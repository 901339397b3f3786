"""Running verification: worker processes, per-site timeouts, and the verdict per site.

Each worker is a separate Python process that imports the framework once and
builds many models; a crash, hang or out-of-memory costs that worker, which is
replaced, and the site is reported while the others finish.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ..diagnostics import (
    DATA_STAND_IN,
    IMPORT_SKIPPED,
    MISSING_MODULE,
    NEEDS_DATA,
    NONDETERMINISTIC,
    NOT_EQUIVALENT,
    ORIGINAL_FAILS,
    TIMEOUT,
    UNREACHABLE,
    UNUSABLE_SAMPLE,
    VERIFIED_ON_KERAS_2,
    WEIGHTS_NEUTRALISED,
    WORKER_CRASHED,
)
from .. import diagnostics
from ..analysis.traces import SiteTraces
from ..convert import convert_source
from ..results import Site
from .compare import compare, expected_differences, rows, same_run
from .deferred import DeferredBuild, deferred_build
from .flavour import KerasChoice, KerasFlavour, choose, keras2_only, site_keras
from .reach import Unreachable, definition_of, ordinal_of, probe_for
from .results import SiteVerification, VerificationReport
from .stand_ins import with_stand_ins

DEFAULT_MEMORY_MB = 16384
_START_TIMEOUT = 180.0


class WorkerDied(Exception):
    pass


class WorkerTimeout(Exception):
    pass


class DeviceUnavailable(RuntimeError):
    """--device gpu where no GPU is visible, or --keras 2 without tf-keras."""


class KerasUnavailable(RuntimeError):
    """The Keras a site needs cannot be imported (tf-keras is not installed)."""


class Worker:
    """One framework process, fed one job per line, on one Keras for its life."""

    def __init__(self, device: str, memory_mb: int | None, keras: KerasFlavour = "3"):
        env = dict(
            os.environ,
            SEQ2FUNC_DEVICE=device,
            SEQ2FUNC_KERAS=keras,
            TF_CPP_MIN_LOG_LEVEL="3",
        )
        # TensorFlow's documented switch for Keras 2: tf.keras is tf-keras.
        if keras == "2":
            env["TF_USE_LEGACY_KERAS"] = "1"
        else:
            env.pop("TF_USE_LEGACY_KERAS", None)
        # Several workers share one GPU: none may take most of its memory up
        # front, as JAX and TensorFlow do by default (JAX ran out on an H100).
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        if memory_mb:
            env["SEQ2FUNC_MEMORY_LIMIT_MB"] = str(memory_mb)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "seq2func.verify.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
        )
        hello = self._read(_START_TIMEOUT)
        if "fatal" in hello:
            self.close()
            if hello.get("keras_missing"):
                raise KerasUnavailable(hello["fatal"])
            raise DeviceUnavailable(hello["fatal"])
        self.device = hello["device"]
        self.backend = hello["backend"]
        self.keras = keras
        self.keras_version = hello.get("keras_version", "")

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise WorkerTimeout()
        line = self.process.stdout.readline()
        if not line:
            raise WorkerDied(self.process.wait())
        return json.loads(line)

    def run(self, job: dict, timeout: float) -> dict:
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise WorkerDied(self.process.wait()) from None
        return self._read(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


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
    lines = source.splitlines()
    text = lines[site.line - 1][site.column :] if site.line <= len(lines) else ""
    return site_keras(source, text, keras, why)


class _Slot:
    """One worker per Keras, each started on first use (so a run that needs only
    Keras 3 never starts Keras 2) and replaced when it dies or hangs."""

    def __init__(self, options: Options):
        self.options = options
        self.workers: dict[KerasFlavour, Worker] = {}
        self.unavailable: dict[KerasFlavour, str] = {}  # tried once, not again

    def get(self, keras: KerasFlavour = "3") -> Worker:
        if keras in self.unavailable:
            raise KerasUnavailable(self.unavailable[keras])
        if keras not in self.workers:
            try:
                self.workers[keras] = Worker(
                    self.options.device, self.options.memory_mb, keras
                )
            except KerasUnavailable as error:
                self.unavailable[keras] = str(error)
                raise
        return self.workers[keras]

    def discard(self, keras: KerasFlavour | None = None) -> None:
        for flavour in [keras] if keras is not None else list(self.workers):
            worker = self.workers.pop(flavour, None)
            if worker is not None:
                worker.close()

    def close(self) -> None:
        self.discard()


def _drain(slot: _Slot, queue: list, results: list, options: Options) -> None:
    while True:
        try:
            position, task = queue.pop(0)
        except IndexError:
            return
        results[position] = verify_site(slot, task, options)


def _verdict(
    task: _Task, status: str, *, code: str | None = None, detail: str = "", **fields
) -> SiteVerification:
    site = task.site
    found = []
    if code is not None:
        found.append(
            diagnostics.make(
                code, model=site.label, line=site.line, detail=detail, path=task.path
            )
        )
    found.extend(fields.pop("extra_diagnostics", ()))
    return SiteVerification(
        path=task.path,
        line=site.line,
        scope=site.scope,
        target=site.target,
        status=status,
        model_name=site.model_name,
        diagnostics=tuple(found),
        reason=_unwrap(detail),
        host=socket.gethostname(),  # where verify_site ran: here, or a Dask worker
        **fields,
    )


def _unwrap(detail: str) -> str:
    """` (why)` as the message template wants it, `why` as a reason."""
    detail = detail.strip()
    if detail.startswith("(") and detail.endswith(")"):
        return detail[1:-1]
    return detail.lstrip(":").strip()


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


def _probes(task: _Task, stand_ins: dict[str, str] | None = None) -> tuple:
    """How to reach the site's model on each side (`reach.probe_for`)."""
    site = task.site
    return tuple(
        probe_for(
            source,
            scope=site.scope,
            target=site.target,
            ordinal=ordinal,
            form=site.form,
            end_line=end_line,
            binds=task.binds,
            definition=task.definition,
            stand_ins=stand_ins,
        )
        for source, ordinal, end_line in (
            (task.original, task.original_ordinal, site.end_line),
            (task.converted, task.converted_ordinal, None),
        )
    )


def verify_site(slot: _Slot, task: _Task, options: Options) -> SiteVerification:
    started = time.perf_counter()
    try:
        original_probe, converted_probe = _probes(task)
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
        if not original.get("ok") and deferred is None:
            stood = _stand_in(task, original, original_probe, fresh, run)
            if stood is not None:
                original, (original_probe, converted_probe), workdir = stood
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


def _stand_in(task: _Task, failed: dict, probe, fresh, run) -> tuple | None:
    """The original built again with stand-ins for data it reads only the shape
    of, which could not be loaded (`stand_ins`): its result, both probes and
    the working folder; None where none applies."""
    attempt: dict = {}

    def original_on(changed) -> dict:
        attempt["workdir"] = fresh()
        return run("original", attempt["workdir"], changed)

    found = with_stand_ins(failed, probe, lambda s: _probes(task, s), original_on)
    if found is None:
        return None
    original, probes, stand_in = found
    original["stand_in"] = (
        f"{stand_in.describe()}; loading it failed: {failed['error']}"
    )
    return original, probes, attempt["workdir"]


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


def _notes(task: _Task, original: dict, keras: KerasFlavour, why: str) -> list:
    site, notes = task.site, []
    for note in dict.fromkeys(original.get("notes", [])):
        notes.append(
            diagnostics.make(
                WEIGHTS_NEUTRALISED,
                model=site.label,
                line=site.line,
                detail=f" ({note})",
                path=task.path,
            )
        )
    for skipped in original.get("skipped_imports", []):
        if original.get("ok"):
            reason = skipped["error"].split(": ", 1)[-1]
            notes.append(
                diagnostics.make(
                    IMPORT_SKIPPED,
                    model=site.label,
                    line=site.line,
                    detail=f" `{skipped['statement']}` ({reason}; the model does not use it)",
                    path=task.path,
                )
            )
    if original.get("stand_in"):
        notes.append(
            diagnostics.make(
                DATA_STAND_IN,
                model=site.label,
                line=site.line,
                detail=f" ({original['stand_in']})",
                path=task.path,
            )
        )
    if keras == "2":
        version = original.get("keras_version", "")
        notes.append(
            diagnostics.make(
                VERIFIED_ON_KERAS_2,
                model=site.label,
                line=site.line,
                detail=f" ({version}: {why})" if version else f" ({why})",
                path=task.path,
            )
        )
    return notes


def _judge(
    task: _Task,
    sides: dict,
    workdir: str,
    keras: KerasFlavour,
    why: str,
    deferred: DeferredBuild | None = None,
) -> SiteVerification:
    original = sides["original"]
    converted = sides.get("converted")
    common = dict(
        device=original.get("device", ""),
        backend=original.get("backend", ""),
        keras=keras,
        keras_version=original.get("keras_version", ""),
        keras_reason=why,
        sample_shape=original.get("sample_shape", ""),
        extra_diagnostics=_notes(task, original, keras, why),
    )
    if not original.get("ok"):
        # The original no longer runs here (Keras 2 idioms, data it needs): check
        # that the converted side at least builds, and never call it equivalent.
        return _original_failed(task, original, converted, common)
    if not converted or not converted.get("ok"):
        error = (converted or {}).get("error", "not run")
        return _verdict(
            task,
            "error",
            code=NOT_EQUIVALENT,
            detail=f" (the converted code fails: {error})",
            original_layers=rows(original),
            original_summary=original.get("summary", ""),
            **common,
        )
    built = dict(
        original_layers=rows(original),
        converted_layers=rows(converted),
        original_summary=original.get("summary", ""),
        converted_summary=converted.get("summary", ""),
        input_shape=original.get("input_shape", ""),
        input_dtype=original.get("input_dtype", ""),
    )
    # Not differences: without outputs of the original worth comparing there is
    # nothing to hold the converted model's outputs against.
    unusable = (
        original.get("sample_error")
        or (
            original.get("outputs_error")
            and f"the original cannot be called on the sample: {original['outputs_error']}"
        )
        or original.get("nonfinite")
    )
    if unusable:
        return _verdict(
            task,
            "unverifiable",
            code=UNUSABLE_SAMPLE,
            detail=f" ({unusable})",
            **built,
            **common,
        )
    # A model Keras built on its first data keeps that batch size (S2F211):
    # expected, and compared as the converted model's open batch dimension.
    compared, batch_difference = (
        deferred.relaxed(original, converted) if deferred else (original, None)
    )
    comparison = compare(compared, converted, workdir)
    expected = expected_differences(keras) + (
        (batch_difference,) if batch_difference else ()
    )
    status = "equivalent" if comparison.equivalent else "different"
    built.update(
        original_layers=comparison.original_layers,
        converted_layers=comparison.converted_layers,
    )
    return _verdict(
        task,
        status,
        code=None if comparison.equivalent else NOT_EQUIVALENT,
        detail="" if comparison.equivalent else f" ({comparison.differences[0]})",
        differences=comparison.differences,
        expected_differences=expected,
        checks=comparison.checks,
        **built,
        **common,
    )


# Data the model's code reads and verification cannot reach: downloads (refused
# for Keras's own get_file; other libraries meet a network that may not be
# there) and files (the worker runs in an empty folder).
_DATA_ERRORS = (
    "DownloadRefused",
    "URL fetch failure",
    "URLError",
    "HTTPError",
    "ConnectionError",
    "FileNotFoundError",
    "No such file or directory",
)


def _original_failed(
    task: _Task, original: dict, converted: dict | None, common: dict
) -> SiteVerification:
    error = original.get("error", "")
    if converted and converted.get("ok"):
        built = f"; the converted model builds with input {converted['input_shape']} {converted['input_dtype']}"
    else:
        built = f"; the converted code fails too: {(converted or {}).get('error', 'not run')}"
    code, detail = ORIGINAL_FAILS, f" ({error}{built})"
    if original.get("missing_module") and not keras2_only(error):
        # (A Keras 2 module path missing from Keras 3 is no package to install.)
        code, detail = (
            MISSING_MODULE,
            f" ({original['missing_module']}: {error}{built})",
        )
    elif any(marker in error for marker in _DATA_ERRORS):
        code = NEEDS_DATA
    elif common["keras"] == "2" and common["keras_reason"].startswith(
        "the file imports"
    ):
        # A file can import tf_keras beside Keras 3 (to compare the two, say):
        # say how to verify it on Keras 3 instead.
        detail = (
            f" ({error}{built}; on Keras 2 because {common['keras_reason']}: "
            "--keras 3 verifies it on Keras 3)"
        )
    return _verdict(
        task,
        "unverifiable",
        code=code,
        detail=detail,
        converted_layers=rows(converted or {}),
        converted_summary=(converted or {}).get("summary", ""),
        input_shape=(converted or {}).get("input_shape", ""),
        input_dtype=(converted or {}).get("input_dtype", ""),
        **common,
    )
