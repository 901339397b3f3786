"""The shape of reshaped data: `x.reshape(-1, 784)`, `np.reshape(x, shape)`,
`np.expand_dims(x, axis)`, for `data_shapes`.

A reshape states its new shape; only a `-1` (at most one) needs the data's
own shape, and when that is not known, only the rows may be the `-1`.
`np.expand_dims` inserts a dimension of 1 at `axis` (negative counts from
the end of the result, as NumPy does).
"""

from __future__ import annotations

import math
from typing import Protocol

import libcst as cst

from .data_constructors import Dims, argument
from .reaching import Unknown


class ShapeReader(Protocol):
    """What `data_shapes` reads an argument with (its `_Reader`)."""

    def shape(self, expr: cst.CSTNode) -> Dims: ...

    def dims(self, expr: cst.BaseExpression) -> Dims: ...

    def listed(self, values: list[cst.BaseExpression]) -> Dims: ...

    def integer(self, expr: cst.BaseExpression) -> int: ...


def reshaped(
    reader: ShapeReader,
    where: str,
    data: cst.BaseExpression | None,
    call: cst.Call,
    first: int,
) -> Dims:
    """`.reshape((N, d))`, `.reshape(N, d)`, `np.reshape(x, (N, d))`: one -1 allowed.

    The new shape alone says it, whatever `data` is (an array of another size
    would make the original fail); only a -1 needs `data`'s shape. `first` is
    the position of the shape among the positional arguments; `where` names
    the call in messages.
    """
    positional = [a for a in call.args if a.keyword is None][first:]
    keyword = next(
        (
            a
            for a in call.args
            if a.keyword and a.keyword.value in ("shape", "newshape")
        ),
        None,
    )
    if keyword is not None:
        shape = reader.dims(keyword.value)
    elif len(positional) == 1:
        shape = reader.dims(positional[0].value)
    elif positional:
        shape = reader.listed([a.value for a in positional])
    else:
        raise Unknown(f"{where} has no shape")
    if shape.count(-1) > 1 or any(d is not None and d < -1 for d in shape):
        raise Unknown(f"{where} is not a valid shape")
    if -1 not in shape:
        return shape
    known = [d for d in shape if d != -1]
    try:
        base = reader.shape(data) if data is not None else (None,)
    except Unknown:
        base = (None,)
    if all(d is not None for d in base) and all(d for d in known):
        total = math.prod(base)  # type: ignore[arg-type]
        rest = math.prod(known)  # type: ignore[arg-type]
        if total % rest:
            raise Unknown(f"{where} does not fit the data")
        return tuple(total // rest if d == -1 else d for d in shape)
    if shape[0] != -1:
        raise Unknown(f"{where} leaves a feature dimension open")
    return (None, *shape[1:])


def expanded(reader: ShapeReader, where: str, call: cst.Call) -> Dims:
    """`np.expand_dims(x, axis)`: x's shape with a 1 inserted at `axis`."""
    data = argument(call, 0, None)
    if data is None:
        raise Unknown(f"{where} has no data")
    base = list(reader.shape(data))
    axis_node = argument(call, 1, "axis")
    if axis_node is None:
        raise Unknown(f"{where} has no axis")
    axis = reader.integer(axis_node)
    position = axis if axis >= 0 else len(base) + 1 + axis
    if not 0 <= position <= len(base):
        raise Unknown(f"{where} has an axis out of range")
    base.insert(position, 1)
    return tuple(base)
