"""The verdict on a site from what its two sides reported."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import diagnostics
from ..diagnostics import (
    DATA_STAND_IN,
    DATASET_STAND_IN,
    FIRST_BUILD_NOT_RUN,
    IMPORT_SKIPPED,
    MISSING_MODULE,
    NEEDS_DATA,
    NOT_EQUIVALENT,
    ORIGINAL_FAILS,
    UNUSABLE_SAMPLE,
    VERIFIED_ON_KERAS_2,
    WEIGHTS_NEUTRALISED,
)
from .compare import Comparison, compare, expected_differences, rows
from .deferred import DeferredBuild
from .flavour import KerasFlavour, keras2_only
from .results import SiteVerification

if TYPE_CHECKING:
    from .engine import _Task


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


def _notes(task: _Task, original: dict, keras: KerasFlavour, why: str) -> list:
    """The notes a verified site carries: what the worker neutralised or
    skipped, stand-in data, and the Keras it ran on."""
    site = task.site

    def note(code: str, detail: str):
        return diagnostics.make(
            code, model=site.label, line=site.line, detail=detail, path=task.path
        )

    notes = [
        note(WEIGHTS_NEUTRALISED, f" ({text})")
        for text in dict.fromkeys(original.get("notes", []))
    ]
    if original.get("ok"):
        for skipped in original.get("skipped_imports", []):
            reason = skipped["error"].split(": ", 1)[-1]
            statement = skipped["statement"]
            detail = f" `{statement}` ({reason}; the model does not use it)"
            notes.append(note(IMPORT_SKIPPED, detail))
    if original.get("stand_in"):
        notes.append(note(DATA_STAND_IN, f" ({original['stand_in']})"))
    for loaded in dict.fromkeys(original.get("datasets", [])):
        notes.append(note(DATASET_STAND_IN, f" ({loaded})"))
    unseen = _first_build_unseen(task, original)
    if unseen:
        notes.append(note(FIRST_BUILD_NOT_RUN, unseen))
    if keras == "2":
        version = original.get("keras_version", "")
        detail = f" ({version}: {why})" if version else f" ({why})"
        notes.append(note(VERIFIED_ON_KERAS_2, detail))
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
    unusable = _unusable_sample(original)
    if unusable:
        return _verdict(
            task,
            "unverifiable",
            code=UNUSABLE_SAMPLE,
            detail=f" ({unusable})",
            **built,
            **common,
        )
    return _compared(task, original, converted, workdir, keras, deferred, built, common)


def _without_checkpoint(comparison: Comparison) -> Comparison:
    """The comparison without its checkpoint check (the original saved no weights)."""
    checks = tuple(c for c in comparison.checks if c.name != "checkpoint")
    differences = tuple(c.detail for c in checks if not c.passed)
    return replace(comparison, checks=checks, differences=differences)


def _unusable_sample(original: dict):
    """Why the original's outputs cannot be compared, if they cannot."""
    return (
        original.get("sample_error")
        or (
            original.get("outputs_error")
            and f"the original cannot be called on the sample: {original['outputs_error']}"
        )
        or original.get("nonfinite")
    )


def _compared(
    task: _Task,
    original: dict,
    converted: dict,
    workdir: str,
    keras: KerasFlavour,
    deferred: DeferredBuild | None,
    built: dict,
    common: dict,
) -> SiteVerification:
    """The verdict from comparing two models that both built and ran."""
    # A model Keras built on its first data keeps that batch size (S2F211):
    # expected, and compared as the converted model's open batch dimension.
    compared, batch_difference = (
        deferred.relaxed(original, converted) if deferred else (original, None)
    )
    comparison = _said_first_build(
        compare(compared, converted, workdir), original, deferred
    )
    unsaved = original.get("checkpoint_unsaved")
    unloadable = original.get("checkpoint_unloadable")
    if unsaved or unloadable:
        comparison = _without_checkpoint(comparison)
    expected = expected_differences(keras) + (
        (batch_difference,) if batch_difference else ()
    )
    status = "equivalent" if comparison.equivalent else "different"
    built.update(
        original_layers=comparison.original_layers,
        converted_layers=comparison.converted_layers,
    )
    code = None if comparison.equivalent else NOT_EQUIVALENT
    detail = "" if comparison.equivalent else f" ({comparison.differences[0]})"
    if unsaved and comparison.equivalent:
        # Every check that could run passed, but weights saved by the original
        # were never loaded into the converted model: not proven.
        status, code = "unverifiable", ORIGINAL_FAILS
        detail = (
            f" (it cannot save its weights, so the checkpoint check did not run:"
            f" {unsaved}; TensorFlow's legacy copy of Keras 2,"
            " tensorflow.python.keras, no longer saves them; every other"
            " check passed)"
        )
    elif unloadable and comparison.equivalent:
        status, code = "unverifiable", ORIGINAL_FAILS
        detail = (
            " (the original cannot load the weights it saved, so the checkpoint"
            f" check proves nothing: {unloadable}; every other check passed)"
        )
    return _verdict(
        task,
        status,
        code=code,
        detail=detail,
        differences=comparison.differences,
        expected_differences=expected,
        checks=comparison.checks,
        **built,
        **common,
    )


def _first_build_unseen(task: _Task, original: dict) -> str:
    """Why the original of a site read from its data (S2F210) was built on the
    planned input, not by its own first build; "" where it was not."""
    deferred = task.deferred
    if deferred is None or deferred.first_build is None:
        return ""
    call = deferred.first_build.call
    error = (original.get("first_build") or {}).get("error")
    if error:
        return f" (`{call}`: {error})"
    if deferred.read_from_data and original.get("built_on_plan"):
        return (
            f" (`{call}`: its statement does not run without the rest of the program)"
        )
    return ""


def _said_first_build(
    comparison: Comparison, original: dict, deferred: DeferredBuild | None
) -> Comparison:
    """A failed input check names the first build that gave the original its
    input, when the worker ran it (`worker_first_build`)."""
    seen = original.get("first_build") or {}
    if deferred is None or deferred.first_build is None or "batch_shape" not in seen:
        return comparison
    said = (
        f"the original's first build `{deferred.first_build.call}` gives it that input"
    )
    checks = tuple(
        (
            replace(check, detail=f"{check.detail} ({said})")
            if check.name == "input" and not check.passed
            else check
        )
        for check in comparison.checks
    )
    differences = tuple(c.detail for c in checks if not c.passed)
    return replace(comparison, checks=checks, differences=differences)


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
