"""`isinstance(model, ...)` and `type(model)`: the class of the model changes.

`isinstance(model, Sequential)` becomes a test for `Model` (S2F205), which
the converted model passes as the original passed its own. A tuple of
classes, `type(model)` or `model.__class__`, cannot be rewritten to mean
the same (S2F106).
Fixtures: `safety_isinstance_in_function`, `safety_class_attribute`.
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


def class_attribute(use: Use, effects: Effects) -> None:
    """`model.__class__`: the class itself, as `type(model)` gives it."""
    raise Skip(SEQUENTIAL_SEMANTICS, f" (.__class__ on line {use.line})", use.attribute)


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
