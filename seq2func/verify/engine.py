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
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .. import diagnostics
from ..convert import convert_source
from ..results import Site
from .compare import EXPECTED, compare, rows
from .deferred import DeferredBuild, deferred_build
from .reach import Unreachable, ordinal_of, probe_for
from .results import SiteVerification, VerificationReport

DEFAULT_MEMORY_MB = 16384
_START_TIMEOUT = 180.0


class WorkerDied(Exception):
    pass


class WorkerTimeout(Exception):
    pass


class DeviceUnavailable(RuntimeError):
    """--device gpu where no GPU is visible."""


class Worker:
    """One framework process, fed one job per line."""

    def __init__(self, device: str, memory_mb: int | None):
        env = dict(os.environ, SEQ2FUNC_DEVICE=device, TF_CPP_MIN_LOG_LEVEL="3")
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
            raise DeviceUnavailable(hello["fatal"])
        self.device = hello["device"]
        self.backend = hello["backend"]

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


@dataclass
class Options:
    binds: dict = field(default_factory=dict)
    device: str = "auto"
    timeout: float = 120.0
    jobs: int = 1
    memory_mb: int | None = DEFAULT_MEMORY_MB
    seed: int = 0


def sites_to_verify(
    original: str, path: str | None, include_skipped: bool = False
) -> tuple[Site, ...]:
    sites = convert_source(original, path=path).sites
    return tuple(
        s
        for s in sites
        if s.status == "converted"
        or (include_skipped and s.form in ("list", "add", "return"))
    )


def verify_many(
    items: list[tuple[str, str, str | None]], options: Options, sites=None
) -> list[VerificationReport]:
    """Verify several (original, converted, path) pairs with one pool of workers."""
    tasks: list[_Task] = []
    for index, (original, converted, path) in enumerate(items):
        chosen = sites[index] if sites is not None else sites_to_verify(original, path)
        for site in chosen:
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
                )
            )
    results: list[SiteVerification | None] = [None] * len(tasks)
    if tasks:
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


class _Slot:
    """A worker that is started on first use and replaced when it dies or hangs."""

    def __init__(self, options: Options):
        self.options = options
        self.worker: Worker | None = None

    def get(self) -> Worker:
        if self.worker is None:
            self.worker = Worker(self.options.device, self.options.memory_mb)
        return self.worker

    def discard(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

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
        **fields,
    )


def _unwrap(detail: str) -> str:
    """` (why)` as the message template wants it, `why` as a reason."""
    detail = detail.strip()
    if detail.startswith("(") and detail.endswith(")"):
        return detail[1:-1]
    return detail.lstrip(":").strip()


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
        )
        converted_probe = probe_for(
            task.converted,
            scope=site.scope,
            target=site.target,
            ordinal=task.converted_ordinal,
            form=site.form,
            end_line=None,
            binds=task.binds,
        )
    except (Unreachable, SyntaxError) as error:
        return _verdict(task, "unverifiable", code="S2F302", detail=f" ({error})")
    deferred = deferred_build(task.original, task.path, site)
    if deferred is not None:
        original_probe, converted_probe = deferred.probes(
            original_probe, converted_probe
        )
    workdir = tempfile.mkdtemp(prefix="seq2func-verify-")
    try:
        common = {
            "path": task.path,
            "workdir": workdir,
            "seed": options.seed,
            "inputs_file": os.path.join(workdir, "inputs.npy"),
            "checkpoint": os.path.join(workdir, "original.weights.h5"),
        }
        sides = {}
        for side, probe in (
            ("original", original_probe),
            ("converted", converted_probe),
        ):
            worker = slot.get()
            try:
                sides[side] = worker.run(
                    {**common, "side": side, "probe": probe.__dict__}, options.timeout
                )
            except WorkerTimeout:
                slot.discard()
                return _verdict(
                    task,
                    "error",
                    code="S2F304",
                    detail=f" (after {options.timeout:g} s, {side} side)",
                )
            except WorkerDied as died:
                slot.discard()
                return _verdict(
                    task,
                    "error",
                    code="S2F305",
                    detail=f" (exit code {died.args[0]}, {side} side)",
                )
        return _judge(task, sides, workdir, time.perf_counter() - started, deferred)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _judge(
    task: _Task,
    sides: dict,
    workdir: str,
    seconds: float,
    deferred: DeferredBuild | None = None,
) -> SiteVerification:
    original = sides["original"]
    converted = sides.get("converted")
    notes = [
        diagnostics.make(
            "S2F303",
            model=task.site.label,
            line=task.site.line,
            detail=f" ({n})",
            path=task.path,
        )
        for n in dict.fromkeys(original.get("notes", []))
    ]
    common = dict(
        device=original.get("device", ""),
        backend=original.get("backend", ""),
        keras_version=original.get("keras_version", ""),
        seconds=round(seconds, 3),
        extra_diagnostics=notes,
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
            code="S2F306",
            detail=f" (the converted code fails: {error})",
            original_layers=rows(original),
            original_summary=original.get("summary", ""),
            **common,
        )
    if original.get("outputs_error"):
        # Not a difference: the original cannot be called on a sample here, so
        # there is nothing to hold the converted model's outputs against.
        return _verdict(
            task,
            "unverifiable",
            code="S2F301",
            detail=f" (the original model cannot be called on a sample batch: {original['outputs_error']})",
            original_layers=rows(original),
            converted_layers=rows(converted),
            original_summary=original.get("summary", ""),
            converted_summary=converted.get("summary", ""),
            input_shape=original.get("input_shape", ""),
            input_dtype=original.get("input_dtype", ""),
            **common,
        )
    compared, batch_difference = (
        deferred.relaxed(original, converted) if deferred else (original, None)
    )
    comparison = compare(compared, converted, workdir)
    expected = EXPECTED + ((batch_difference,) if batch_difference else ())
    status = "equivalent" if comparison.equivalent else "different"
    return _verdict(
        task,
        status,
        code=None if comparison.equivalent else "S2F306",
        detail="" if comparison.equivalent else f" ({comparison.differences[0]})",
        differences=comparison.differences,
        expected_differences=expected,
        checks=comparison.checks,
        original_layers=comparison.original_layers,
        converted_layers=comparison.converted_layers,
        original_summary=original.get("summary", ""),
        converted_summary=converted.get("summary", ""),
        input_shape=original.get("input_shape", ""),
        input_dtype=original.get("input_dtype", ""),
        **common,
    )


def _original_failed(
    task: _Task, original: dict, converted: dict | None, common: dict
) -> SiteVerification:
    error = original.get("error", "")
    if converted and converted.get("ok"):
        built = f"; the converted model builds with input {converted['input_shape']} {converted['input_dtype']}"
    else:
        built = f"; the converted code fails too: {(converted or {}).get('error', 'not run')}"
    return _verdict(
        task,
        "unverifiable",
        code="S2F301",
        detail=f" ({error}{built})",
        converted_layers=rows(converted or {}),
        converted_summary=(converted or {}).get("summary", ""),
        input_shape=(converted or {}).get("input_shape", ""),
        input_dtype=(converted or {}).get("input_dtype", ""),
        **common,
    )
