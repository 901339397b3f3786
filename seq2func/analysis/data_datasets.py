"""The element shape of a `tf.data` pipeline the code writes out, and its batch dimension.

`tf.data.Dataset.from_tensor_slices((features, labels)).batch(1)`, with
`features` a literal nested list or data `data_shapes` reads, yields batches
of `features`' shape without its rows. Only shape-keeping steps may come
before or after the one `.batch(n)`: `shuffle`, `repeat`, `prefetch`,
`cache`. The batch dimension of the element spec is `n` when
`drop_remainder=True`, else None.

Measured on Keras 3.15.1 (TensorFlow backend): a Sequential built by `fit`
or `evaluate` on such a dataset gets that element spec's batch dimension
(`.batch(1)`, `.batch(1).repeat(100)`, `.shuffle(10).repeat().batch(64)`
with `steps_per_epoch`: None; `.batch(8, drop_remainder=True).prefetch(2)`:
8), and the first layer's compute dtype (float32 for a Dense), as for
arrays. `predict` builds on the first batch instead (`.batch(2)` over 3 rows
gives 2), so it is not read here.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .data_constructors import nested_shape
from .data_shapes import DataShape, data_shape, integer_value
from .index import TreeIndex
from .reaching import Unknown, reaching_value

_SHAPE_KEEPING = frozenset({"shuffle", "repeat", "prefetch", "cache"})
_FROM_TENSOR_SLICES = "data.Dataset.from_tensor_slices"


@dataclass(frozen=True)
class DatasetShape:
    """The features of each element, and the batch dimension of the element spec."""

    shape: DataShape
    batch: int | None


def dataset_shape(index: TreeIndex, expr: cst.BaseExpression) -> DatasetShape | None:
    """The pipeline `expr` is; None when it is not one; raises `Unknown` when unreadable."""
    steps: list[cst.Call] = []
    node: cst.BaseExpression = expr
    for _ in range(32):
        if isinstance(node, cst.Name):
            try:
                value = reaching_value(index, node)
            except Unknown:
                return None
            if not isinstance(value, cst.BaseExpression):
                return None
            node = value
            continue
        if not isinstance(node, cst.Call):
            return None
        if _is_from_tensor_slices(index, node):
            return _read(index, node, steps)
        if not isinstance(node.func, cst.Attribute):
            return None
        steps.append(node)
        node = node.func.value
    return None


def _is_from_tensor_slices(index: TreeIndex, call: cst.Call) -> bool:
    return any(
        name.startswith("tensorflow.") and name.endswith(_FROM_TENSOR_SLICES)
        for name in index.sole_qualified(call.func)
    )


def _read(index: TreeIndex, source: cst.Call, steps: list[cst.Call]) -> DatasetShape:
    batch: int | None = None
    batched = False
    for step in steps:
        method = step.func.value if isinstance(step.func, cst.Attribute) else None
        name = step.func.attr.value if isinstance(step.func, cst.Attribute) else ""
        if method is None or name not in (*_SHAPE_KEEPING, "batch"):
            raise Unknown(f"`.{name}()` on the dataset may change its elements")
        if name == "batch":
            if batched:
                raise Unknown("the dataset is batched twice")
            batched, batch = True, _batch(index, step)
    if not batched:
        raise Unknown("the dataset is not batched")
    return DatasetShape(_element(index, source), batch)


def _batch(index: TreeIndex, call: cst.Call) -> int | None:
    """The element spec's batch dimension of `.batch(n[, drop_remainder])`."""
    size: cst.BaseExpression | None = None
    drop: cst.BaseExpression | None = None
    for position, arg in enumerate(call.args):
        key = arg.keyword.value if arg.keyword is not None else None
        if arg.star or key not in (None, "batch_size", "drop_remainder"):
            raise Unknown("`.batch()` has arguments the converter does not read")
        if key == "batch_size" or (key is None and position == 0):
            size = arg.value
        elif key == "drop_remainder" or (key is None and position == 1):
            drop = arg.value
        else:
            raise Unknown("`.batch()` has arguments the converter does not read")
    if size is None:
        raise Unknown("`.batch()` has no batch size")
    if drop is None or (isinstance(drop, cst.Name) and drop.value == "False"):
        return None
    if isinstance(drop, cst.Name) and drop.value == "True":
        return integer_value(index, size)
    raise Unknown("`drop_remainder` is not a literal True or False")


def _element(index: TreeIndex, source: cst.Call) -> DataShape:
    """The features of `from_tensor_slices((x, y))`: x without its rows."""
    if len(source.args) != 1 or source.args[0].keyword is not None:
        raise Unknown("`from_tensor_slices` is not given one (x, y) tuple")
    pair = source.args[0].value
    if not isinstance(pair, cst.Tuple) or len(pair.elements) not in (2, 3):
        raise Unknown("`from_tensor_slices` is not given one (x, y) tuple")
    first = pair.elements[0]
    if not isinstance(first, cst.Element):
        raise Unknown("`from_tensor_slices` unpacks its x")
    x = first.value
    literal = _literal(index, x)
    if literal is None:
        shape = data_shape(index, x)
        return DataShape(None, shape.features)
    dims = nested_shape(literal)
    if len(dims) < 2:
        raise Unknown("the dataset's x has no dimension besides the rows")
    return DataShape(None, tuple(dims[1:]))


def _literal(index: TreeIndex, x: cst.BaseExpression) -> cst.List | None:
    """The literal nested list `x` is, directly or through a name."""
    if isinstance(x, cst.List):
        return x
    if isinstance(x, cst.Name):
        try:
            value = reaching_value(index, x)
        except Unknown:
            return None
        return value if isinstance(value, cst.List) else None
    return None
