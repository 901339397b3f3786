"""How many rows `x[a:b]` and `x[idx]` select, for `data_shapes`.

A slice keeps every dimension but the first; so does indexing with an array
of indices (`np.random.permutation(n)`, `np.arange(a, b)`,
`np.random.choice(n, size)`, a literal list of integers). An integer index
would drop the rows' dimension altogether, and a boolean mask selects an
unknown number of rows.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from .data_constructors import INDEX_ARRAYS, argument
from .index import TreeIndex
from .nodes import slice_bound
from .reaching import Unknown, reaching_value


def sliced_rows(rows: int | None, element: cst.Slice) -> int | None:
    """The rows `x[a:b:c]` keeps of `rows`, None when either is unknown."""
    bounds = [slice_bound(b) for b in (element.lower, element.upper, element.step)]
    if rows is None or not all(b is None or isinstance(b, int) for b in bounds):
        return None
    return len(range(rows)[slice(*bounds)])  # type: ignore[misc]


def index_rows(
    index: TreeIndex,
    where: str,
    value: cst.BaseExpression,
    integer_of: Callable[[cst.BaseExpression], int],
) -> int | None:
    """The number of rows `x[value]` selects; `Unknown` unless value is an index array."""
    if isinstance(value, cst.List):
        integers = all(isinstance(e.value, cst.Integer) for e in value.elements)
        return len(value.elements) if integers else None  # else a boolean mask
    if isinstance(value, (cst.Name, cst.Attribute)):
        value = reaching_value(index, value)  # type: ignore[assignment]
    if isinstance(value, cst.Call):
        made_by = index.sole_qualified(value.func) & INDEX_ARRAYS
        if made_by:
            return _index_count(value, next(iter(made_by)), integer_of)
    raise Unknown(f"{where} may be a single row")


def _index_count(
    call: cst.Call, made_by: str, integer_of: Callable[[cst.BaseExpression], int]
) -> int | None:
    """How many indices `np.random.permutation(n)`, `np.arange(a, b)`, ... make."""
    try:
        if made_by == "numpy.random.permutation":
            return integer_of(argument(call, 0, "x"))  # type: ignore[arg-type]
        if made_by == "numpy.arange" and all(a.keyword is None for a in call.args):
            return len(range(*(integer_of(a.value) for a in call.args)))
        if made_by == "numpy.random.choice":
            size = argument(call, 1, "size")
            return integer_of(size) if size is not None else None
    except (Unknown, TypeError, ValueError):
        return None
    return None
