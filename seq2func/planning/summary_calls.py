"""Which `model.summary(...)` calls print only for a person to read.

A converted model's summary differs from the Sequential's in ways Keras
itself brings (an InputLayer row, the model's name); the rules that convert
a model whose summary prints differently (`unbuilt_summary`,
`mid_construction`) take only the calls whose lines no code reads.
Fixtures: `input_first_build_summary_*`, `later_summary_*`,
`safety_summary_print_fn_between_adds`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex

# The keywords of `summary()` that only lay out what it prints. Not `print_fn`
# (code reads the lines) nor `layer_range` (checked against the layer names,
# which a Functional model's InputLayer joins).
LAYOUT = frozenset({"line_length", "positions", "expand_nested", "show_trainable"})


def only_displayed(index: TreeIndex, call: cst.Call) -> bool:
    """Layout keywords only (a positional argument may be a `print_fn`), and not
    inside a `with`, which may capture standard output (a test's `redirect_stdout`)."""
    if any(arg.keyword is None or arg.keyword.value not in LAYOUT for arg in call.args):
        return False
    return not any(isinstance(a, cst.With) for a in index.ancestors(call))
