"""The literal shape of a data expression: `np.ones((64, 20))`, `x.reshape(-1, 784) / 255`.

A model with no input is built by Keras on the first data it meets (its
first `fit`, `predict`, `evaluate`, `*_on_batch` or call). When that data's
shape is written in the code, the model's input is known before it runs.
This module reads it, following names to the one assignment that reaches
them (`analysis.reaching`):

- `np.ones/zeros/empty/full(shape)`, `np.random.rand/randn(N, d)`,
  `np.random.random/randint/normal/uniform(..., size=)`, the same methods of a
  generator (`rng = np.random.default_rng(0)`, `RandomState`),
  `tf.ones/zeros/fill`, `tf.random.normal/uniform(shape)`;
- `np.array([[...], ...])` / `tf.constant(...)` of a literal nested list;
- `np.arange`/`tf.range`/`np.linspace`/`tf.linspace`: a vector (`data_ranges`);
- `keras.utils.pad_sequences(..., maxlen=M)` (and
  `keras.preprocessing.sequence.pad_sequences`): `(rows, M)`;
- `.reshape(shape)` / `.reshape(N, d)` / `np.reshape(x, shape)` (one `-1`
  allowed), `np.expand_dims(x, axis)` (`data_reshapes`);
- what keeps every dimension but the first: slices `x[:100]`, index arrays
  `x[idx]` (`idx` from `np.random.permutation`/`np.arange`/...), `.astype()`,
  `.copy()`, `tf.cast`, arithmetic with a number (`x / 255`, `2.0 * x`);
- what a function of the file returns, `vectorize(raw)`, or a part of the
  tuple it returns, `(x, y), _ = load()` (`data_functions`);
- scikit-learn's datasets, generators, `train_test_split` and scalers
  (`sklearn_data`).

Dimensions are integers, integer arithmetic (`28 * 28`), names bound once to
them, or `<data>.shape[i]`; they are folded to integers. The first
dimension (the rows) may stay unknown; every other must be known. Anything
else raises `Unknown`, whose message says what could not be read.

The data's dtype is not read: measured on Keras 3.15 (TensorFlow backend),
the `InputLayer` a Sequential gets when it is built on data always has the
first layer's compute dtype (`Sequential.build` makes it with
`dtype=self._layers[0].compute_dtype`), whatever the data's dtype: float64,
int64 or int32 data into `Dense` gives float32, int data into `Embedding`
gives float32, and any data into `Dense(dtype="float64")` gives float64, for
`fit`, `predict`, `evaluate`, `train_on_batch`, `predict_on_batch`,
`test_on_batch` and `model(x)` alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from . import keras_names
from .data_functions import parameter_value, returned, returned_part
from .data_ranges import RANGES, spaced
from .data_reshapes import expanded, reshaped
from .data_rows import index_rows, sliced_rows
from .data_stacking import STACKS, multivariate, stacked
from .data_constructors import (
    ARRAY_FROM_VALUE,
    AUGMENTED,
    FOLDS,
    CONSTRUCTORS,
    EXPAND_DIMS,
    GENERATOR_METHODS,
    GENERATORS,
    MULTIVARIATE_NORMAL,
    PAD_SEQUENCES,
    REDUCTIONS,
    RESHAPES,
    SHAPE_KEEPING_METHODS,
    Dims,
    ShapeArgument,
    adds_last_axis,
    argument,
    broadcast,
    is_none,
    is_number,
    is_shape_of,
    nested_shape,
)
from .index import TreeIndex
from . import sklearn_data
from .keras_datasets import dataset_part, takes_arguments
from .reaching import Unknown, UnpackedFrom, reaching_value

__all__ = ["DataShape", "Unknown", "data_shape", "integer_value"]

_ARITHMETIC = (
    cst.Add,
    cst.Subtract,
    cst.Multiply,
    cst.Divide,
    cst.FloorDivide,
    cst.Modulo,
    cst.Power,
)


@dataclass(frozen=True)
class DataShape:
    """The shape of a batch of data: its rows (None when the code does not say) and the rest."""

    rows: int | None
    features: tuple[int, ...]

    @property
    def text(self) -> str:
        """The features as a Python tuple: `(784,)`, `(28, 28, 1)`."""
        inner = ", ".join(str(d) for d in self.features)
        return f"({inner},)" if len(self.features) == 1 else f"({inner})"


def data_shape(index: TreeIndex, expr: cst.BaseExpression) -> DataShape:
    """The shape of the data `expr` evaluates to; raises `Unknown` with the reason."""
    dims = _Reader(index).shape(expr)
    if len(dims) < 2:
        raise Unknown(f"`{_short(index, expr)}` has no dimension besides the rows")
    features = dims[1:]
    if any(d is None for d in features):
        raise Unknown(f"the dimensions of `{_short(index, expr)}` are not all known")
    return DataShape(dims[0], tuple(d for d in features if d is not None))


def integer_value(index: TreeIndex, expr: cst.BaseExpression) -> int:
    """The integer `expr` states (`20`, `maxlen`, `28 * 28`); raises `Unknown`."""
    return _Reader(index).integer(expr)


def _short(index: TreeIndex, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(index.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Reader:
    """Reads shapes and integers out of expressions, following names."""

    def __init__(self, index: TreeIndex) -> None:
        self.index = index
        # The parameters of the same-file functions being read through
        # (`data_functions`), by `Param` identity, and those functions.
        self.arguments: dict[int, cst.BaseExpression] = {}
        self.calling: set[int] = set()

    def value(self, node: cst.BaseExpression) -> cst.CSTNode:
        """What a name reads: a parameter's argument, else its reaching assignment."""
        if isinstance(node, cst.Name) and self.arguments:
            argument = parameter_value(self.index, node, self.arguments)
            if argument is not None:
                return argument
        return reaching_value(self.index, node)

    # ------------------------------------------------------------ shapes
    def shape(self, expr: cst.CSTNode) -> Dims:
        if isinstance(expr, cst.Attribute) and not _of_self(expr):
            return self._field(expr)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self._named(expr)
        if isinstance(expr, cst.Call):
            return self._call(expr)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr)
        if isinstance(expr, cst.BinaryOperation) and isinstance(
            expr.operator, _ARITHMETIC
        ):
            if is_number(expr.left):
                return self.shape(expr.right)
            if is_number(expr.right):
                return self.shape(expr.left)
            # Two arrays: `(x - mean) / std` normalising data.
            return self._broadcast(expr, self.shape(expr.left), self.shape(expr.right))
        if isinstance(expr, cst.UnaryOperation) and isinstance(
            expr.operator, (cst.Minus, cst.Plus)
        ):
            return self.shape(expr.expression)
        raise Unknown(f"`{_short(self.index, expr)}` is not a shape the code states")

    def _named(self, expr: cst.Name | cst.Attribute) -> Dims:
        try:
            value = self.value(expr)
        except UnpackedFrom as unpacked:
            return self._loaded(unpacked)
        if isinstance(value, cst.AugAssign):
            if not isinstance(value.operator, AUGMENTED):
                raise Unknown(f"`{_short(self.index, value)}` may change its shape")
            if is_number(value.value):
                return self.shape(value.target)
            # `x -= mean`: an array's own shape, or the operation raises; a
            # tensor's is rebound to the broadcast.
            before = self.shape(value.target)
            return self._broadcast(value, before, self.shape(value.value))
        return self.shape(value)

    def _call(self, call: cst.Call) -> Dims:
        if any(arg.star for arg in call.args):
            raise Unknown(f"`{_short(self.index, call)}` unpacks its arguments")
        for name in keras_names.ops_names(self.index.sole_qualified(call.func)):
            if name in CONSTRUCTORS:
                return self._shapeargument(call, CONSTRUCTORS[name])
            if name in ARRAY_FROM_VALUE:
                return self._from_value(call)
            if name in RESHAPES:
                return self._reshape(argument(call, 0, None), call, 1)
            if name in EXPAND_DIMS:
                return self._expand_dims(call)
            if name in PAD_SEQUENCES:
                return self._padded(call)
            if name in STACKS:
                return self._stacked(call, STACKS[name])
            if name == MULTIVARIATE_NORMAL:
                return self._multivariate(call)
            if name in RANGES:
                return spaced(call, RANGES[name], self.integer)
        scaled = sklearn_data.scaled(self.index, call, self.value)
        if scaled is not None:
            return self.shape(scaled)
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "reshape":
                return self._reshape(func.value, call, 0)
            if method in SHAPE_KEEPING_METHODS:
                return self.shape(func.value)
            if method in REDUCTIONS:
                return self._reduced(call, self.shape(func.value))
            if method in GENERATOR_METHODS and self._is_generator(func.value):
                return self._shapeargument(call, GENERATOR_METHODS[method])
        if isinstance(func, cst.Name):
            return self._returned(call)
        raise Unknown(f"`{_short(self.index, call)}` is not a shape the code states")

    def _loaded(self, unpacked: UnpackedFrom) -> Dims:
        """A part of `keras.datasets.<name>.load_data()` (`keras_datasets`), or of
        a scikit-learn loader, generator or split (`sklearn_data`)."""
        source = unpacked.value
        if isinstance(source, cst.Name):
            try:
                source = self.value(source)  # type: ignore[assignment]
            except UnpackedFrom as outer:  # `train, test = load_data()`; `x, y = train`
                path = outer.path + unpacked.path
                return self._loaded(UnpackedFrom(str(unpacked), outer.value, path))
        if isinstance(source, cst.Call):
            dataset = self._dataset(source)
            found = dataset_part(dataset, unpacked.path) if dataset else None
            if found is not None:
                return found
        if isinstance(source, cst.Call):
            part = sklearn_data.returned_part(
                self.index, source, unpacked.path, self.shape, self.integer
            )
            if part is not None:
                return part
            if isinstance(source.func, cst.Name):
                return self._returned(source, unpacked.path)
        try:
            raise unpacked
        finally:
            del unpacked  # this frame is on its traceback: no cycle through it

    def _broadcast(self, node: cst.CSTNode, left: Dims, right: Dims) -> Dims:
        found = broadcast(left, right)
        if found is None:
            raise Unknown(
                f"`{_short(self.index, node)}` has shapes that do not broadcast"
            )
        return found

    def _reduced(self, call: cst.Call, dims: Dims) -> Dims:
        """`x.mean(axis=0)` and the like (`REDUCTIONS`)."""
        if sum(arg.keyword is None for arg in call.args) > 1 or any(
            arg.star for arg in call.args
        ):
            # Past `axis`, each method places its arguments (keepdims) elsewhere.
            raise Unknown(f"`{_short(self.index, call)}` has arguments not read here")
        axis: cst.BaseExpression | None = argument(call, 0, "axis")
        keep = argument(call, None, "keepdims")
        if keep is not None and not (
            isinstance(keep, cst.Name) and keep.value in ("True", "False")
        ):
            raise Unknown(f"`{_short(self.index, call)}` may keep its axes or not")
        if axis is None or is_none(axis):
            return (1,) * len(dims) if _true(keep) else ()
        at = self.integer(axis)
        if not -len(dims) <= at < len(dims):
            raise Unknown(f"`{_short(self.index, call)}` has no axis {at}")
        at %= len(dims)
        if _true(keep):
            return dims[:at] + (1,) + dims[at + 1 :]
        return dims[:at] + dims[at + 1 :]

    def _dataset(self, call: cst.Call) -> str | None:
        """The `<name>` of a `keras.datasets.<name>.load_data(...)` call, its
        module also read through a name bound to it once (`mnist =
        tf.keras.datasets.mnist`, as TensorFlow's tutorials write it)."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "load_data":
            return None
        module: cst.CSTNode = func.value
        names = keras_names.ops_names(self.index.sole_qualified(module))
        if not any(name.startswith("keras.datasets.") for name in names):
            if not isinstance(module, cst.Name):
                return None
            try:
                module = self.value(module)
            except (Unknown, UnpackedFrom):
                return None
            if not isinstance(module, cst.Attribute):
                return None
            names = keras_names.ops_names(self.index.sole_qualified(module))
        positional = sum(1 for arg in call.args if arg.keyword is None)
        keywords = [arg.keyword.value for arg in call.args if arg.keyword]
        for name in names:
            parts = name.split(".")
            if (
                parts[:2] == ["keras", "datasets"]
                and len(parts) == 3
                and not any(arg.star for arg in call.args)
                and takes_arguments(parts[2], positional, keywords)
            ):
                return parts[2]
        return None

    def _field(self, node: cst.Attribute | cst.Subscript) -> Dims:
        """`bunch.data` / `bunch["data"]` of a scikit-learn dataset (`sklearn_data`)."""
        field = sklearn_data.bunch_field(node)
        receiver: cst.CSTNode = node.value
        if field is not None and isinstance(receiver, cst.Name):
            sklearn_data.unchanged_bunch(self.index, receiver)
            receiver = self.value(receiver)
        if field is not None and isinstance(receiver, cst.Call):
            found = sklearn_data.loader(self.index, receiver)
            if found is not None:
                return sklearn_data.field_of(found, receiver, field)
        raise Unknown(f"`{_short(self.index, node)}` is not a shape the code states")

    def _returned(self, call: cst.Call, path: tuple[int, ...] = ()) -> Dims:
        """The shape a function of this file returns (`data_functions`); with a
        path, of that part of the tuple it returns (`x, y = make_data()`)."""
        found = returned(self.index, call)
        value = returned_part(self.index, found, path)
        key = id(found.function)
        if key in self.calling:
            raise Unknown(f"`{found.function.name.value}` calls itself")
        saved = self.arguments
        self.calling.add(key)
        self.arguments = {**saved, **found.arguments}
        try:
            return self.shape(value)
        finally:
            self.arguments = saved
            self.calling.discard(key)

    def _stacked(self, call: cst.Call, axis: int | None) -> Dims:
        return stacked(call, axis, self.shape, self.integer)

    def _multivariate(self, call: cst.Call) -> Dims:
        return multivariate(call, self.dims)

    def _padded(self, call: cst.Call) -> Dims:
        maxlen = argument(call, 1, "maxlen")
        if maxlen is None or is_none(maxlen):
            raise Unknown(
                "pad_sequences() without maxlen= pads to the longest sequence"
            )
        return (None, self.integer(maxlen))

    def _shapeargument(self, call: cst.Call, where: ShapeArgument) -> Dims:
        if where.varargs:
            if any(arg.keyword is not None for arg in call.args):
                raise Unknown(f"`{_short(self.index, call)}` has keyword arguments")
            return self.listed([arg.value for arg in call.args])
        value = argument(call, where.position, where.keyword)
        if value is None:
            raise Unknown(f"`{_short(self.index, call)}` makes a single number")
        return self.dims(value)

    def _from_value(self, call: cst.Call) -> Dims:
        value = argument(call, 0, None)
        if value is None:
            raise Unknown(f"`{_short(self.index, call)}` has no value")
        if isinstance(value, (cst.List, cst.Tuple)):
            return nested_shape(value)
        return self.shape(value)

    def _is_generator(self, receiver: cst.BaseExpression) -> bool:
        if isinstance(receiver, (cst.Name, cst.Attribute)):
            try:
                receiver = reaching_value(self.index, receiver)  # type: ignore[assignment]
            except Unknown:
                return False
        return isinstance(receiver, cst.Call) and bool(
            self.index.sole_qualified(receiver.func) & GENERATORS
        )

    def _reshape(
        self, data: cst.BaseExpression | None, call: cst.Call, first: int
    ) -> Dims:
        return reshaped(self, f"`{_short(self.index, call)}`", data, call, first)

    def _expand_dims(self, call: cst.Call) -> Dims:
        return expanded(self, f"`{_short(self.index, call)}`", call)

    def _subscript(self, node: cst.Subscript) -> Dims:
        """`x[a:b]` and `x[idx]` with an array of indices: the rows change, nothing else."""
        if adds_last_axis(node):
            return (*self.shape(node.value), 1)
        if sklearn_data.bunch_field(node) is not None:
            return self._field(node)
        if len(node.slice) != 1:
            raise Unknown(f"`{_short(self.index, node)}` indexes more than the rows")
        if is_shape_of(node):
            raise Unknown(f"`{_short(self.index, node)}` is a number, not data")
        base = self.shape(node.value)
        element = node.slice[0].slice
        if isinstance(element, cst.Slice):
            return (sliced_rows(base[0], element), *base[1:])
        where = f"`{_short(self.index, node)}`"
        return (index_rows(self.index, where, element.value, self.integer), *base[1:])

    # ------------------------------------------------------------ integers
    def dims(self, expr: cst.BaseExpression) -> Dims:
        """A shape argument: an integer, a tuple or list of them, or a name bound to one.

        The first dimension is the rows, which may stay unknown
        (`np.zeros((len(sequences), 10000))`): it only decides the batch
        dimension Keras keeps, which `first_batch` treats as unknown then.
        """
        if isinstance(expr, (cst.Tuple, cst.List)):
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                raise Unknown(f"`{_short(self.index, expr)}` unpacks a shape")
            return self.listed([e.value for e in expr.elements])
        if isinstance(expr, cst.Name):
            value = self.value(expr)
            if isinstance(value, cst.BaseExpression):
                return self.dims(value)
        return (self.integer(expr),)

    def listed(self, values: list[cst.BaseExpression]) -> Dims:
        """Dimensions given one by one; the first, the rows, may be unknown."""
        if not values:
            return ()
        try:
            rows: int | None = self.integer(values[0])
        except Unknown:
            rows = None
        return (rows, *(self.integer(v) for v in values[1:]))

    def integer(self, expr: cst.BaseExpression) -> int:
        """The value of an integer expression: literals, arithmetic, names, `x.shape[i]`."""
        if isinstance(expr, cst.Integer):
            return int(expr.evaluated_value)
        if isinstance(expr, cst.UnaryOperation) and isinstance(
            expr.operator, cst.Minus
        ):
            return -self.integer(expr.expression)
        if isinstance(expr, cst.BinaryOperation):
            fold = FOLDS.get(type(expr.operator))
            if fold is not None:
                left, right = self.integer(expr.left), self.integer(expr.right)
                if isinstance(expr.operator, cst.Power) and not 0 <= right <= 64:
                    raise Unknown(f"`{_short(self.index, expr)}` is too large")
                if isinstance(expr.operator, cst.FloorDivide) and right == 0:
                    raise Unknown(f"`{_short(self.index, expr)}` divides by zero")
                return fold(left, right)
        if isinstance(expr, cst.Name):
            value = self.value(expr)
            if isinstance(value, cst.BaseExpression):
                return self.integer(value)
        if is_shape_of(expr):
            position = self.integer(expr.slice[0].slice.value)  # type: ignore[union-attr]
            dims = self.shape(expr.value.value)  # type: ignore[union-attr]
            if -len(dims) <= position < len(dims) and dims[position] is not None:
                return dims[position]  # type: ignore[return-value]
        raise Unknown(f"`{_short(self.index, expr)}` is not a number the code states")


def _of_self(node: cst.Attribute) -> bool:
    return isinstance(node.value, cst.Name) and node.value.value == "self"


def _true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
