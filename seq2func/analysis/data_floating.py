"""Whether a data expression is a NumPy array of floats: what Keras 2 casts to float32.

Keras 2 (tf_keras 2.21) builds a model with no input on the dtype of the data
its `fit`/`evaluate` gets after its data adapter, which casts a NumPy array
of any float dtype to `floatx()` (float32) and keeps int, uint8 and
TensorFlow tensors as they are (`planning/first_model_build` has the
measurements). So only a NumPy float array is known to give float32. This
module follows the data, as `data_shapes` does, through:

- a name: its one reaching assignment (`analysis.reaching`), or its part of
  `keras.datasets.<name>.load_data()` (NumPy; uint8 for the images);
- scikit-learn's data (`sklearn_data`, measured on 1.9.1): a bundled
  dataset's `.data`/`.images` and its `return_X_y` X, a `make_*` generator's
  X (all float64), a `train_test_split` part (its array's kind); not a
  scaler's output, which `set_output(transform="pandas")` makes a DataFrame
  that Keras 2 would not cast;
- `x[...]` and `x.copy()`: the array's own kind;
- `x / n` and `x /= n` with a number: true division gives floats whatever
  the array's dtype; `x * f`, `x + f`, `x - f` with a float literal, or with
  any number when `x` holds floats already;
- `x.astype(np.float32)` (`np.float16/32/64`, `"float32"`, `float`, ...);
- `np.random.rand/randn/random/normal/uniform/standard_normal(...)` and
  `np.ones/zeros/empty(...)` without `dtype=`, or with a float one.

Anything else is unknown (`Unknown`, with the reason).
"""

from __future__ import annotations

from enum import Enum

import libcst as cst

from . import sklearn_data, sklearn_split
from .index import TreeIndex
from .reaching import Unknown, UnpackedFrom, reaching_value


class Kind(Enum):
    """What the code says an expression holds."""

    FLOATS = "a NumPy float array"
    NUMPY = "a NumPy array"  # dtype unknown or not a float


_FLOAT_CONSTRUCTORS = frozenset(
    {
        "numpy.random.rand",
        "numpy.random.randn",
        "numpy.random.random",
        "numpy.random.random_sample",
        "numpy.random.normal",
        "numpy.random.uniform",
        "numpy.random.standard_normal",
    }
)
_FILLED = frozenset({"numpy.ones", "numpy.zeros", "numpy.empty"})
_FLOAT_NAMES = frozenset(
    {"float16", "float32", "float64", "float", "half", "single", "double"}
)
_SCALING = (cst.Multiply, cst.Add, cst.Subtract)


def is_numpy_float(index: TreeIndex, expr: cst.BaseExpression) -> bool:
    """Whether `expr` is surely a NumPy array of floats; raises `Unknown` otherwise."""
    kind = _Reader(index).kind(expr, 0)
    if kind is not Kind.FLOATS:
        raise Unknown(f"`{index.code(expr)}` is {kind.value} of no known float dtype")
    return True


class _Reader:
    def __init__(self, index: TreeIndex) -> None:
        self.index = index

    def kind(self, expr: cst.CSTNode, depth: int) -> Kind:
        if depth > 40:
            raise Unknown("the data goes through too many steps")
        depth += 1
        if isinstance(expr, cst.Name):
            return self._named(expr, depth)
        if isinstance(expr, cst.AugAssign):
            return self._operation(expr.target, expr.operator, expr.value, depth)
        field = sklearn_data.bunch_field(expr)
        if field is not None and not _of_self(expr):
            return self._field(expr, field)  # type: ignore[arg-type]
        if isinstance(expr, cst.Subscript):
            return self.kind(expr.value, depth)
        if isinstance(expr, cst.BinaryOperation):
            if _is_number(expr.left):
                return self._operation(expr.right, expr.operator, expr.left, depth)
            return self._operation(expr.left, expr.operator, expr.right, depth)
        if isinstance(expr, cst.Call):
            return self._call(expr, depth)
        raise Unknown(f"`{self.index.code(expr)}` is not data the converter reads")

    def _named(self, name: cst.Name, depth: int) -> Kind:
        try:
            value = reaching_value(self.index, name)
        except UnpackedFrom as unpacked:
            return self._loaded(unpacked, depth)
        return self.kind(value, depth)

    def _loaded(self, unpacked: UnpackedFrom, depth: int) -> Kind:
        """A part of `keras.datasets.<name>.load_data()`: NumPy arrays; of a
        scikit-learn loader or generator: X float64; of a split: its array's kind."""
        source = unpacked.value
        if isinstance(source, cst.Name):
            try:
                source = reaching_value(self.index, source)  # type: ignore[assignment]
            except UnpackedFrom as outer:
                return self._loaded(outer, depth)
        if isinstance(source, cst.Call):
            for name in self.index.qualified(source.func):
                parts = name.split(".")
                if "datasets" in parts and parts[-1] == "load_data":
                    return Kind.NUMPY
            if sklearn_split.split_by(self.index, source) and len(unpacked.path) == 1:
                array = sklearn_split.split_source(source, unpacked.path[0])
                return self.kind(array, depth)
            if sklearn_data.returns_floats(self.index, source, unpacked.path):
                return Kind.FLOATS
        try:
            raise unpacked
        finally:
            del unpacked  # this frame is on its traceback: no cycle through it

    def _field(self, node: cst.Attribute | cst.Subscript, field: str) -> Kind:
        """A scikit-learn dataset's `.data`/`.images` (float64) or `.target`."""
        receiver: cst.CSTNode = node.value
        if isinstance(receiver, cst.Name):
            sklearn_data.unchanged_bunch(self.index, receiver)
            receiver = reaching_value(self.index, receiver)
        found = None
        if isinstance(receiver, cst.Call):
            found = sklearn_data.loader(self.index, receiver)
        if found is None:
            raise Unknown(f"`{self.index.code(node)}` is not data the converter reads")
        sklearn_data.field_of(found, receiver, field)  # type: ignore[arg-type]
        return Kind.NUMPY if field == "target" else Kind.FLOATS

    def _operation(
        self,
        array: cst.BaseExpression,
        operator: cst.CSTNode,
        number: cst.BaseExpression,
        depth: int,
    ) -> Kind:
        if not _is_number(number):
            raise Unknown(f"`{self.index.code(number)}` is not a number")
        kind = self.kind(array, depth)
        if isinstance(operator, (cst.Divide, cst.DivideAssign)):
            return Kind.FLOATS
        scaling = isinstance(operator, _SCALING) or isinstance(
            operator, (cst.MultiplyAssign, cst.AddAssign, cst.SubtractAssign)
        )
        if not scaling:
            raise Unknown(f"`{self.index.code(operator)}` may change the dtype")
        if kind is Kind.FLOATS or _literal(number, cst.Float):
            return Kind.FLOATS
        return Kind.NUMPY

    def _call(self, call: cst.Call, depth: int) -> Kind:
        if any(arg.star for arg in call.args):
            raise Unknown(f"`{self.index.code(call)}` unpacks its arguments")
        qualified = self.index.qualified(call.func)
        if qualified & _FLOAT_CONSTRUCTORS:
            return Kind.FLOATS
        if qualified & _FILLED:
            positional = [a for a in call.args if a.keyword is None]
            dtype = next((a for a in call.args if _keyword(a) == "dtype"), None)
            if dtype is None and len(positional) > 1:
                dtype = positional[1]  # np.ones(shape, dtype)
            if dtype is None or self._float_dtype(dtype.value):
                return Kind.FLOATS
            return Kind.NUMPY
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy":
            return self.kind(func.value, depth)
        if isinstance(func, cst.Attribute) and func.attr.value == "astype":
            self.kind(func.value, depth)  # a NumPy array, or Unknown
            if len(call.args) == 1 and self._float_dtype(call.args[0].value):
                return Kind.FLOATS
            return Kind.NUMPY
        raise Unknown(f"`{self.index.code(call)}` is not data the converter reads")

    def _float_dtype(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.SimpleString):
            return expr.evaluated_value in _FLOAT_NAMES
        if isinstance(expr, cst.Name) and expr.value == "float":
            return True
        return any(
            name.startswith("numpy.") and name.split(".")[-1] in _FLOAT_NAMES
            for name in self.index.qualified(expr)
        )


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _is_number(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


def _literal(expr: cst.BaseExpression, kind: type) -> bool:
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, kind)


def _of_self(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    )
