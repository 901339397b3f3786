"""`isinstance(model, ...)` and `type(model)`: the class of the model changes.

`isinstance(model, Sequential)` becomes a test for `Model` (S2F205), which
the converted model passes as the original passed its own. A tuple of
classes, or `type(model)`, cannot be rewritten to mean the same (S2F106).
Fixtures: `safety_isinstance_in_function`.
"""

from __future__ import annotations

import libcst as cst

from ...analysis import keras_names
from ...diagnostics import ISINSTANCE_REWRITTEN, SEQUENTIAL_SEMANTICS
from ..plan import Skip
from .base import Effects, Use


def type_test(use: Use, effects: Effects) -> None:
    func = use.called_function
    if func == "isinstance":
        _isinstance(use, effects)
    elif func == "type":
        call, _ = use.call_with_argument  # type: ignore[misc]
        raise Skip(SEQUENTIAL_SEMANTICS, f" (type() on line {use.line})", call)


def _isinstance(use: Use, effects: Effects) -> None:
    call, arg = use.call_with_argument  # type: ignore[misc]
    if call.args[0] is not arg or len(call.args) != 2:
        return
    classes = call.args[1].value
    if keras_names.sequential_family(use.index.qualified(classes)):
        note = use.note(ISINSTANCE_REWRITTEN, f"`{use.index.code(call)}`", call)
        effects.rewrite(classes, "{Model}", note)
    elif isinstance(classes, cst.Tuple):
        raise Skip(SEQUENTIAL_SEMANTICS, f" (`{use.index.code(call)}`)", call)
