"""`model.summary()` before the first build, which printed the model unbuilt (S2F212).

    model = keras.Sequential([layers.Dense(64), layers.Dense(10)])
    model.summary()          # Keras 3: every output shape "?", 0 parameters
    model.fit(x_train, y_train)

Measured on Keras 3.15: `summary()` of a Sequential that has no input yet
prints each layer with the output shape "?" and "0 (unbuilt)" parameters,
and changes nothing: no weights, no names, no random draws. The converted
model is built where it is made, so the same call prints the shapes and
parameter counts the first build gives, which is what the user asked for
(seeds 000 and 001 are users puzzled by exactly that output). `first_build`
and `returned_model` go past such a call to the first build, and S2F212
notes each one.

Not taken, so the site keeps S2F101 there:
- on Keras 2 (tf_keras 2.21), where `summary()` of an unbuilt model raises
  ValueError; the converted model would not;
- arguments other than the layout keywords (`line_length`, `positions`,
  `expand_nested`, `show_trainable`): a `print_fn=` (or a positional argument,
  which may be one) hands the lines to code that may read them;
- a call inside a `with`, which may capture standard output (a test's
  `redirect_stdout`).

Fixtures: `input_first_build_summary_*`.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from .build_calls import BuildCall, quote
from .keras2_first_build import is_keras2_model
from .plan import Plan
from .summary_calls import only_displayed

DISPLAYS = frozenset({"summary"})


def unbuilt_display(index: TreeIndex, ref: Ref, call: cst.Call) -> str | None:
    """`model.summary()` quoted, when what it prints is only read by a person."""
    if not only_displayed(index, call):
        return None
    return quote(index, ref, "summary", call)


def shown_unbuilt(index: TreeIndex, plan: Plan, ref: Ref, call: cst.Call) -> str | None:
    """`model.summary()` quoted, when it may run unbuilt before the model's first build."""
    if is_keras2_model(index, plan):
        return None
    return unbuilt_display(index, ref, call)


def with_displays(
    builds: tuple[BuildCall, ...], displays: list[tuple[str, cst.Call]]
) -> tuple[BuildCall, ...]:
    """The first build carries the `summary()` calls that ran before it: the
    site's own, then (for a model a function returns) its caller's."""
    if not displays:
        return builds
    first = builds[0]
    shown = (*displays, *first.unbuilt_displays)
    return (replace(first, unbuilt_displays=shown), *builds[1:])
