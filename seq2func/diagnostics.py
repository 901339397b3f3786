"""Diagnostic codes: a named constant per code, and diagnostics built from the table.

Codes never change meaning once published. S2F0xx are file-level problems,
S2F1xx say why a site was left unchanged, S2F2xx are notes on a converted
site, S2F3xx come from verification.

The entries themselves (message, hint, kind, title) are in `diagnostic_table`
and, for verification's, `diagnostic_table_verification`; this module names
them and builds diagnostics from them.
"""

from __future__ import annotations

import re
from typing import Final

from .diagnostic_table import CONVERSION_TABLE, Code
from .diagnostic_table_verification import VERIFICATION_TABLE
from .results import Diagnostic

# Code speaks of a diagnostic by these names, never by a bare string; each is
# its table entry's title in capitals (tests hold the two together).
SYNTAX_ERROR: Final = "S2F001"
UNDECODABLE: Final = "S2F002"
BINARY_FILE: Final = "S2F003"
UNREADABLE: Final = "S2F004"
INVALID_NOTEBOOK: Final = "S2F005"
NO_INPUT: Final = "S2F101"
LAYERS_NOT_VISIBLE: Final = "S2F102"
CHANGED_AFTER_COMPLETE: Final = "S2F103"
USED_BEFORE_COMPLETE: Final = "S2F104"
ESCAPES: Final = "S2F105"
SEQUENTIAL_SEMANTICS: Final = "S2F106"
NESTED: Final = "S2F107"
UNBOUND: Final = "S2F108"
AMBIGUOUS_ARGUMENTS: Final = "S2F109"
SUBCLASS: Final = "S2F110"
OPAQUE_FIRST_LAYER: Final = "S2F111"
KERAS2_INPUT_LENGTH: Final = "S2F112"
UNKNOWN_DTYPE: Final = "S2F113"
NAME_CONFLICT: Final = "S2F114"
MISPLACED_INPUT: Final = "S2F115"
NESTED_MODEL_ORDER: Final = "S2F116"
USED_AS_LAYER: Final = "S2F117"
VARYING_TRACED_INPUT: Final = "S2F118"
STALE_TRACE: Final = "S2F119"
TRACED_INPUT_NOT_CONVERTIBLE: Final = "S2F120"
REPEATED_LAYER: Final = "S2F121"
BUILD_TIME_DRAWS: Final = "S2F122"
SEQUENTIAL_NAME_SHIFT: Final = "S2F125"
UNPARSED_CELL: Final = "S2F126"
INTERNAL_ERROR: Final = "S2F199"
IGNORED_INPUT_SHAPE_REMOVED: Final = "S2F201"
LEGACY_ARGUMENT_MIGRATED: Final = "S2F202"
LAYERS_INDEX_SHIFTED: Final = "S2F203"
BUILD_FOLDED: Final = "S2F204"
ISINSTANCE_REWRITTEN: Final = "S2F205"
INPUT_MADE_EXPLICIT: Final = "S2F206"
INPUT_SHAPE_KEPT: Final = "S2F207"
INPUT_FROM_TRACE: Final = "S2F208"
INPUT_FROM_FIRST_BUILD: Final = "S2F210"
BATCH_DIMENSION_DROPPED: Final = "S2F211"
SUMMARY_OF_UNBUILT: Final = "S2F212"
BUILD_REPEATED_REMOVED: Final = "S2F215"
INPUT_KEPT_IN_CONFIG: Final = "S2F216"
OUTPUT_SHAPE_FROM_TENSOR: Final = "S2F220"
WEIGHTLESS_INNER_CONVERTED: Final = "S2F221"
LAYERS_FROM_MODEL: Final = "S2F222"
SUMMARY_SO_FAR: Final = "S2F223"
BUILD_REPEATED_KEPT: Final = "S2F224"
UNPARSED_CELLS_LEFT: Final = "S2F225"
ORIGINAL_FAILS: Final = "S2F301"
UNREACHABLE: Final = "S2F302"
WEIGHTS_NEUTRALISED: Final = "S2F303"
TIMEOUT: Final = "S2F304"
WORKER_CRASHED: Final = "S2F305"
NOT_EQUIVALENT: Final = "S2F306"
UNPROVEN_KEPT: Final = "S2F307"
UNUSABLE_SAMPLE: Final = "S2F308"
NONDETERMINISTIC: Final = "S2F309"
IMPORT_SKIPPED: Final = "S2F310"
VERIFIED_ON_KERAS_2: Final = "S2F311"
MISSING_MODULE: Final = "S2F312"
NEEDS_DATA: Final = "S2F313"
DATA_STAND_IN: Final = "S2F314"
FIRST_BUILD_NOT_RUN: Final = "S2F315"
DATASET_STAND_IN: Final = "S2F316"


CODES: dict[str, Code] = {c.code: c for c in (*CONVERSION_TABLE, *VERIFICATION_TABLE)}


def make(
    code: str,
    *,
    model: str,
    line: int,
    column: int = 0,
    detail: str = "",
    path: str | None = None,
) -> Diagnostic:
    """Build a diagnostic from the table; `detail` extends the one-line message."""
    entry = CODES[code]
    # One line, whatever source a detail quotes.
    message = re.sub(r"\s*\n\s*", " ", entry.message.format(model=model, detail=detail))
    return Diagnostic(
        code=code,
        message=f"{message} (line {line})",
        hint=entry.hint,
        line=line,
        column=column,
        kind=entry.kind,
        path=path,
    )
