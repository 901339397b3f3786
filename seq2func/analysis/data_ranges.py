"""The shape of evenly spaced values: `np.arange(-100, 100, 4)`, `tf.linspace(-2, 2, 201)`.

Tutorials fit their first regression model on such a vector made a column,
`tf.expand_dims(np.arange(-100, 100, 4), axis=-1)`: the vector is 1-D
whatever its arguments, so the column's one feature is known; its length,
the rows, only decides the batch dimension Keras keeps (`first_batch`).

Measured on NumPy 2 and TensorFlow 2.21: `np.arange(start, stop, step)` and
`tf.range(start, limit, delta)` with integer arguments hold
`len(range(start, stop, step))` values (a single argument is the stop);
`np.linspace(start, stop, num=50)` and `tf.linspace(start, stop, num)` hold
`num`. Arguments that are not integers the code states (floats, whose
count depends on rounding) leave the rows unknown, never the rank; but
`linspace` of arrays (`np.linspace([0, 0], [1, 1], 100)`, shape (100, 2))
is read only with numbers written as its endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import libcst as cst

from .data_constructors import Dims, argument
from .reaching import Unknown


@dataclass(frozen=True)
class Spacing:
    """How a function spells its count: `range`'s arguments, or a `num`."""

    kind: Literal["range", "count"]
    # The keywords of (start, stop, step) for "range"; of num for "count".
    keywords: tuple[str, ...]
    default: int | None = None  # the count when num is not given


RANGES: dict[str, Spacing] = {
    "numpy.arange": Spacing("range", ("start", "stop", "step")),
    "tensorflow.range": Spacing("range", ("start", "limit", "delta")),
    "numpy.linspace": Spacing("count", ("num",), default=50),
    "tensorflow.linspace": Spacing("count", ("num",)),
}


def spaced(
    call: cst.Call, spacing: Spacing, integer: Callable[[cst.BaseExpression], int]
) -> Dims:
    """`(rows,)`: a vector, its length when the code states it, else None.

    `linspace` also takes arrays as its endpoints (a vector per row): only
    numbers written as such make a vector; anything else raises `Unknown`.
    """
    if spacing.kind == "count":
        for position, keyword in ((0, "start"), (1, "stop")):
            end = argument(call, position, keyword)
            if end is None or not _number(end):
                raise Unknown(f"the {keyword} of `linspace` may be an array")
    try:
        return (_length(call, spacing, integer),)
    except Unknown:
        return (None,)


def _length(
    call: cst.Call, spacing: Spacing, integer: Callable[[cst.BaseExpression], int]
) -> int:
    if spacing.kind == "count":
        num = argument(call, 2, spacing.keywords[0])
        if num is None:
            if spacing.default is None:
                raise Unknown("no count")
            return spacing.default
        return integer(num)
    start, stop, step = (
        argument(call, i, keyword) for i, keyword in enumerate(spacing.keywords)
    )
    if stop is None and start is not None and call.args[0].keyword is None:
        start, stop = None, start  # `arange(stop)`
    if stop is None:
        raise Unknown("no stop")
    bounds = range(
        0 if start is None else integer(start),
        integer(stop),
        1 if step is None else integer(step) or _zero_step(),
    )
    return len(bounds)


def _number(expr: cst.BaseExpression) -> bool:
    """A number literal, signed or not."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(
        expr.operator, (cst.Minus, cst.Plus)
    ):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


def _zero_step() -> int:
    raise Unknown("a step of 0")
