"""Where the shape is in the calls that make arrays and tensors of a literal shape.

Tables, read by `data_shapes`: for each NumPy, TensorFlow or Keras call,
which argument holds the shape (by position and keyword), or whether the
dimensions are the positional arguments themselves (`np.random.rand(2, 3)`).
Signatures as in NumPy 2, TensorFlow 2.21 and Keras 3.15. Below the tables,
stateless readers of single nodes (an argument, a number, a literal nested
list), in the manner of `analysis.nodes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .reaching import Unknown

Dims = tuple[Optional[int], ...]


@dataclass(frozen=True)
class ShapeArgument:
    """Where a call takes its shape: the argument at `position` or `keyword`, or
    every positional argument when `varargs`."""

    position: int | None = None
    keyword: str | None = None
    varargs: bool = False


_SHAPE = ShapeArgument(0, "shape")
_SIZE_FIRST = ShapeArgument(0, "size")
_SIZE_THIRD = ShapeArgument(2, "size")  # (low, high, size) and (loc, scale, size)
_DIMS = ShapeArgument(varargs=True)

# Module functions, by qualified name.
CONSTRUCTORS: dict[str, ShapeArgument] = {
    "numpy.ones": _SHAPE,
    "numpy.zeros": _SHAPE,
    "numpy.empty": _SHAPE,
    "numpy.full": _SHAPE,
    "numpy.random.rand": _DIMS,
    "numpy.random.randn": _DIMS,
    "numpy.random.random": _SIZE_FIRST,
    "numpy.random.random_sample": _SIZE_FIRST,
    "numpy.random.sample": _SIZE_FIRST,
    "numpy.random.ranf": _SIZE_FIRST,
    "numpy.random.standard_normal": _SIZE_FIRST,
    "numpy.random.randint": _SIZE_THIRD,
    "numpy.random.normal": _SIZE_THIRD,
    "numpy.random.uniform": _SIZE_THIRD,
    "numpy.random.binomial": _SIZE_THIRD,
    "tensorflow.ones": _SHAPE,
    "tensorflow.zeros": _SHAPE,
    "tensorflow.fill": ShapeArgument(0, "dims"),
    "tensorflow.random.normal": _SHAPE,
    "tensorflow.random.uniform": _SHAPE,
    "tensorflow.random.truncated_normal": _SHAPE,
    # TF 1 code spelled through `tf.compat.v1`: the same function objects
    # (`tf.compat.v1.zeros is tf.zeros` on TensorFlow 2.21).
    "tensorflow.compat.v1.ones": _SHAPE,
    "tensorflow.compat.v1.zeros": _SHAPE,
    "tensorflow.compat.v1.random.normal": _SHAPE,
    "tensorflow.compat.v1.random.uniform": _SHAPE,
    # Keras names are read relative to their family: `tf.keras.ops.ones` too.
    "keras.ops.ones": _SHAPE,
    "keras.ops.zeros": _SHAPE,
    "keras.ops.full": _SHAPE,
    "keras.ops.empty": _SHAPE,
    "keras.random.normal": _SHAPE,
    "keras.random.uniform": _SHAPE,
    "keras.random.truncated_normal": _SHAPE,
}

# `(mean, cov, size)`: `size` samples, each as long as the literal `mean`.
MULTIVARIATE_NORMAL = "numpy.random.multivariate_normal"

# `rng.<method>(...)` on a NumPy generator (`default_rng`) or `RandomState`.
GENERATORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)
GENERATOR_METHODS: dict[str, ShapeArgument] = {
    "random": _SIZE_FIRST,
    "random_sample": _SIZE_FIRST,
    "standard_normal": _SIZE_FIRST,
    "integers": _SIZE_THIRD,
    "randint": _SIZE_THIRD,
    "normal": _SIZE_THIRD,
    "uniform": _SIZE_THIRD,
    "binomial": _SIZE_THIRD,
    "rand": _DIMS,
    "randn": _DIMS,
}

# A literal nested list, or another array, made into an array of that shape.
ARRAY_FROM_VALUE = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "numpy.copy",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "tensorflow.cast",
        "keras.ops.array",
        "keras.ops.convert_to_tensor",
        "keras.ops.cast",
    }
)
# `f(x, shape)`: the shape of the data after a reshape or a new axis.
RESHAPES = frozenset({"numpy.reshape", "tensorflow.reshape", "keras.ops.reshape"})
EXPAND_DIMS = frozenset(
    {"numpy.expand_dims", "tensorflow.expand_dims", "keras.ops.expand_dims"}
)
# Padded to `maxlen` columns, however many sequences there are.
PAD_SEQUENCES = frozenset(
    {
        "keras.utils.pad_sequences",
        "keras.preprocessing.sequence.pad_sequences",
        "keras.utils.sequence_utils.pad_sequences",
        "keras.src.utils.sequence_utils.pad_sequences",
    }
)

# Methods of an array that give one of the same shape (`.astype` keeps the
# shape whatever the dtype: the Input's dtype does not come from the data).
SHAPE_KEEPING_METHODS = frozenset({"astype", "copy"})

# An ndarray's reductions: `x.mean(axis=0)` drops that axis (keeps it as 1
# with `keepdims=True`), and with no axis gives a scalar. Only arrays get
# here: a frame (whose `mean()` runs down the columns) has no shape the
# readers know.
REDUCTIONS = frozenset({"mean", "std", "var", "sum", "min", "max"})

# Arrays of indices: `x[idx]` with one of these keeps every dimension but the first.
INDEX_ARRAYS = frozenset(
    {
        "numpy.random.permutation",
        "numpy.arange",
        "numpy.random.choice",
        "numpy.argsort",
    }
)

# Integer arithmetic folded in a dimension (`28 * 28`), and the augmented
# assignments that keep an array's shape when given a number (`x /= 255`).
FOLDS = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b,
    cst.Power: lambda a, b: a**b,
}
AUGMENTED = (
    cst.AddAssign,
    cst.SubtractAssign,
    cst.MultiplyAssign,
    cst.DivideAssign,
    cst.FloorDivideAssign,
    cst.ModuloAssign,
    cst.PowerAssign,
)


def argument(
    call: cst.Call, position: int | None, keyword: str | None
) -> cst.BaseExpression | None:
    for arg in call.args:
        if (
            keyword is not None
            and arg.keyword is not None
            and arg.keyword.value == keyword
        ):
            return arg.value
    positional = [a for a in call.args if a.keyword is None]
    if position is not None and position < len(positional):
        return positional[position].value
    return None


def is_number(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(
        expr.operator, (cst.Minus, cst.Plus)
    ):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_shape_of(expr: cst.CSTNode) -> bool:
    """`<data>.shape[i]`."""
    return (
        isinstance(expr, cst.Subscript)
        and isinstance(expr.value, cst.Attribute)
        and expr.value.attr.value == "shape"
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
    )


def adds_last_axis(node: cst.Subscript) -> bool:
    """`x[..., np.newaxis]` or `x[..., None]`."""
    if len(node.slice) != 2:
        return False
    first, second = (element.slice for element in node.slice)
    if not (isinstance(first, cst.Index) and isinstance(first.value, cst.Ellipsis)):
        return False
    if not isinstance(second, cst.Index):
        return False
    value = second.value
    return is_none(value) or (
        isinstance(value, cst.Attribute) and value.attr.value == "newaxis"
    )


def nested_shape(value: cst.BaseExpression) -> Dims:
    """The shape of a rectangular nested list of numbers: `[[0, 1], [1, 0]]` is (2, 2)."""
    if not isinstance(value, (cst.List, cst.Tuple)):
        if is_number(value):
            return ()
        raise Unknown("the array's elements are not all numbers")
    inner = [
        nested_shape(e.value) for e in value.elements if isinstance(e, cst.Element)
    ]
    if len(inner) != len(value.elements) or not inner:
        raise Unknown("the array literal is empty or unpacks values")
    if any(shape != inner[0] for shape in inner):
        raise Unknown("the array literal is not rectangular")
    return (len(inner), *inner[0])


def broadcast(left: Dims, right: Dims) -> Dims | None:
    """NumPy's (and TensorFlow's) broadcast of two shapes, None when they do not
    broadcast. An unknown dimension against a known one other than 1 is that
    one: had it been anything else, the operation would have raised."""
    rank = max(len(left), len(right))
    padded = [(1,) * (rank - len(dims)) + dims for dims in (left, right)]
    out: list[int | None] = []
    for a, b in zip(*padded):
        if a == b or b == 1:
            out.append(a)
        elif a == 1:
            out.append(b)
        elif a is None or b is None:
            out.append(b if a is None else a)
        else:
            return None
    return tuple(out)
