"""The shape of arrays joined along an axis: `np.concatenate`, `np.vstack`, `np.hstack`.

`data_shapes` reads the shape of each joined array; this module says what
joining them gives, as NumPy 2 documents it: every array has the same number
of dimensions and the same size on every axis but the joined one, whose
sizes add up. `np.vstack` joins on axis 0 and `np.hstack` on axis 1, for
arrays of two dimensions or more (a 1-D array would first be made a row,
or joined on its only axis: not read here). `concatenate(axis=None)`
flattens, and is not read either. The rows (axis 0) may be unknown; a
joined axis of unknown size is unknown, which `data_shape` refuses for any
axis but the rows.

Also here, as it too makes an array from the shapes of others:
`np.random.multivariate_normal(mean, cov, size)`, `size` samples each as
long as the literal `mean`.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from .data_constructors import Dims, argument, nested_shape
from .reaching import Unknown

# Which axis each joins on; None: the `axis=` argument says (default 0).
STACKS: dict[str, int | None] = {
    "numpy.concatenate": None,
    "numpy.vstack": 0,
    "numpy.row_stack": 0,
    "numpy.hstack": 1,
}


def joined(shapes: list[Dims], axis: int) -> Dims:
    """The shape of `shapes` joined on `axis`; raises `Unknown` when they do not fit."""
    if not shapes:
        raise Unknown("nothing is joined")
    rank = len(shapes[0])
    if rank < 2 or any(len(s) != rank for s in shapes):
        raise Unknown("the joined arrays' dimensions differ or are fewer than two")
    if not -rank <= axis < rank:
        raise Unknown("the axis is out of range")
    axis %= rank
    result: list[int | None] = []
    for position in range(rank):
        sizes = [s[position] for s in shapes]
        if position == axis:
            known = all(d is not None for d in sizes)
            result.append(sum(sizes) if known else None)  # type: ignore[arg-type]
            continue
        stated = {d for d in sizes if d is not None}
        if len(stated) > 1:
            raise Unknown("the joined arrays do not fit")
        result.append(stated.pop() if stated else None)
    return tuple(result)


def stacked(
    call: cst.Call,
    axis: int | None,
    shape_of: Callable[[cst.BaseExpression], Dims],
    integer_of: Callable[[cst.BaseExpression], int],
) -> Dims:
    """`np.concatenate([a, b], axis=1)`, `np.vstack((a, b))`: `axis` None reads `axis=`."""
    arrays = argument(call, 0, "tup" if axis is not None else "arrays")
    if not isinstance(arrays, (cst.List, cst.Tuple)) or any(
        isinstance(e, cst.StarredElement) for e in arrays.elements
    ):
        raise Unknown("the call joins arrays it does not list")
    if axis is None:
        stated = argument(call, 1, "axis")
        axis = 0 if stated is None else integer_of(stated)
    return joined([shape_of(e.value) for e in arrays.elements], axis)


def multivariate(call: cst.Call, dims_of: Callable[[cst.BaseExpression], Dims]) -> Dims:
    """`np.random.multivariate_normal(mean, cov, size)`: `size`, then len(mean)."""
    mean = argument(call, 0, "mean")
    size = argument(call, 2, "size")
    if mean is None or size is None or not isinstance(mean, (cst.List, cst.Tuple)):
        raise Unknown("multivariate_normal() has no literal mean and size")
    return (*dims_of(size), *nested_shape(mean))
