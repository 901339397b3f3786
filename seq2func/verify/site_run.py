"""Verifying one site: both sides run in a worker, judged, and rerun when
only numbers differ."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import diagnostics
from ..diagnostics import (
    MISSING_MODULE,
    NONDETERMINISTIC,
    NOT_EQUIVALENT,
    TIMEOUT,
    UNREACHABLE,
    WORKER_CRASHED,
)
from .compare import same_run
from .flavour import KerasFlavour, keras2_only
from .judge import _judge, _unwrap, _verdict
from .processes import (
    DeviceUnavailable,
    KerasUnavailable,
    WorkerDied,
    WorkerTimeout,
    _Slot,
)
from .reach import Unreachable, probe_for
from .results import SiteVerification
from .stand_ins import with_stand_ins

if TYPE_CHECKING:
    from .engine import Options, _Task


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

    try:
        probes = (original_probe, converted_probe)
        sides, workdir, keras, why, probes = _sides(slot, task, options, probes, fresh)
        verdict = _judge(task, sides, workdir, keras, why, deferred)
        if verdict.status == "different" and _numbers_only(verdict):
            verdict = _rerun(
                slot, task, options, keras, workdir, fresh(), probes, verdict
            )
        return replace(verdict, seconds=round(time.perf_counter() - started, 3))
    except _Stopped as stopped:
        return stopped.verdict
    finally:
        for directory in workdirs:
            shutil.rmtree(directory, ignore_errors=True)


def _probes(task: _Task, stand_ins: dict[str, str] | None = None) -> tuple:
    """The probes that reach the site's model in each source (`reach.probe_for`)."""
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
            # A model built by its first data runs past completion (`deferred`).
            whole_body=task.deferred is not None,
        )
        for source, ordinal, end_line in (
            (task.original, task.original_ordinal, site.end_line),
            (task.converted, task.converted_ordinal, None),
        )
    )


def _sides(
    slot: _Slot, task: _Task, options: Options, probes: tuple, fresh
) -> tuple[dict, str, KerasFlavour, str, tuple]:
    """Both sides run in one new folder: (their results, the folder, the Keras
    they ran on, why that Keras, the probes that ran: stand-ins may change them)."""
    original_probe, converted_probe = probes
    keras, why = task.keras, task.keras_reason

    def run(side: str, workdir: str, probe) -> dict:
        # Reads `keras` when called: a Keras 2 fallback reruns both sides there.
        return _run_side(
            slot, task, options, keras, _job(task, options, workdir, side, probe)
        )

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
    if not original.get("ok") and task.deferred is None:
        stood = _stand_in(task, original, original_probe, fresh, run)
        if stood is not None:
            original, (original_probe, converted_probe), workdir = stood
    converted = run("converted", workdir, converted_probe)
    sides = {"original": original, "converted": converted}
    return sides, workdir, keras, why, (original_probe, converted_probe)


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
