"""`norm.adapt(x)` between the model and its first build, on the build's data.

    norm_layer = keras.layers.Normalization()
    model = keras.Sequential([norm_layer, keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    norm_layer.adapt(X_train)
    model.fit(X_train, y_train)

A named layer read between the model and its first build sees it unbuilt
in the original and built in the converted code (`named_layer_reads`).
`Normalization.adapt` is the exception, when it adapts the first layer on
data of the first build's features. Read in Keras 3.15
(`layers/preprocessing/normalization.py`): `adapt` builds an unbuilt layer
on the data's shape, and checks a built one's kept axes against it; either
way it then assigns the mean and variance it measures. `build` reads only
the kept axes (the mean and variance shapes, zeros and ones: no seed drawn)
and the number of dimensions. Built on the Input, whose features are the
data's, the layer has the same weights before `adapt` and after it, and
the model's first build finds it built in both. Only the default or a
stated axis past the batch one: `axis=0` keeps the batch dimension, which
an Input leaves unknown, so `build` would raise on it where `adapt` did not.

One thing differs, and nothing reads it back but a saved file's config:
the layer's build config records the shape it was first built on, `(N, d)`
in the original and `(None, d)` in the converted code; loading builds the
same weights from either.

Keras 3 only: in tf_keras, `adapt` builds an unbuilt layer outside the
model's name scope (weights `mean:0`, not `normalization/mean:0`) and sets
its `batch_input_shape`, which .h5 weight files and configs keep.
Other layers with an `adapt` (TextVectorization, the lookups) are not a
first layer the input step converts; Discretization is left out.
Fixtures: `input_first_build_adapt*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.data_shapes import Unknown, data_shape
from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from .first_layer_variable import binding
from .keras2_first_build import is_keras2_model
from .plan import Plan


def adapts_on_the_data(
    index: TreeIndex, plan: Plan, ref: Ref, features: tuple[int | None, ...] | None
) -> bool:
    """Whether `ref` is `layer.adapt(x)`, a statement of its own, adapting a
    Keras 3 Normalization layer on data of the first build's `features`."""
    if features is None or is_keras2_model(index, plan):
        return False
    attribute = index.parent(ref.node)
    if not (isinstance(attribute, cst.Attribute) and attribute.attr.value == "adapt"):
        return False
    call = index.parent(attribute)
    if not (isinstance(call, cst.Call) and call.func is attribute):
        return False
    if not isinstance(index.parent(call), cst.Expr):
        return False
    data = _data(call)
    if data is None or not _is_normalization(index, ref.node, len(features) + 1):
        return False
    try:
        return data_shape(index, data).features == features
    except Unknown:
        return False


def _data(call: cst.Call) -> cst.BaseExpression | None:
    """The data `adapt(data)` gets, when it gets nothing else that changes it
    (`steps=` stops it early: part of the data)."""
    if len(call.args) != 1:
        return None
    arg = call.args[0]
    if arg.star or (arg.keyword is not None and arg.keyword.value != "data"):
        return None
    return arg.value


def _is_normalization(index: TreeIndex, name: cst.BaseExpression, ndim: int) -> bool:
    """Whether the name is bound to `Normalization(...)` whose axis, the first
    positional argument or `axis=`, is a literal past the batch one of
    `ndim`-dimensional data (the default, -1, is)."""
    call = binding(index, name)
    if call is None:
        return False
    layer = keras_names.keras_layer_class(index.qualified(call.func))
    if layer != "Normalization":
        return False
    for position, arg in enumerate(call.args):
        if arg.star:
            return False
        if (arg.keyword is None and position == 0) or (
            arg.keyword is not None and arg.keyword.value == "axis"
        ):
            return _past_the_batch(arg.value, ndim)
    return True


def _past_the_batch(axis: cst.BaseExpression, ndim: int) -> bool:
    """A literal axis, or tuple of them, none of which is the batch one of
    `ndim`-dimensional data (0, or -ndim)."""
    values = (
        [e.value for e in axis.elements]
        if isinstance(axis, (cst.Tuple, cst.List))
        else [axis]
    )
    for value in values:
        sign = 1
        if isinstance(value, cst.UnaryOperation) and isinstance(
            value.operator, cst.Minus
        ):
            sign, value = -1, value.expression
        if not isinstance(value, cst.Integer):
            return False
        number = sign * int(value.evaluated_value)
        if number % ndim == 0 or not -ndim <= number < ndim:
            return False
    return bool(values)
