"""Layers whose weights follow the batch axis, in a model built by its data.

`Normalization(axis=0)`, `BatchNormalization(axis=0)`: the axis they keep
is the batch one, so their weights take its length. A model built by its
first data may know that length (Keras 3 keeps the data's batch size in the
input where the first batch has it: `first_batch`, and `model(x)` on
concrete data always does), so the original builds; the converted model's
Input leaves it unknown, and the layer raises where the model is made
("All `axis` values to be kept must have a known shape", "Shapes used to
initialize variables must be fully-defined"; measured on Keras 3.15). Any
axis the code does not write as a literal past the batch one keeps the site.
Fixtures: `input_first_build_batch_axis*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from .plan import Plan

# The normalization layers whose weights' shape is the kept axes' lengths,
# and the place of `axis` among their positional parameters.
_AXIS_AT = {
    "Normalization": 0,
    "BatchNormalization": 0,
    "LayerNormalization": 0,
    "GroupNormalization": 1,
}


def batch_axis_layer(index: TreeIndex, plan: Plan) -> str | None:
    """Why a layer of the model may keep the batch axis, or None."""
    for app in plan.applications:
        call = app.expr
        if not isinstance(call, cst.Call):
            continue
        layer = keras_names.keras_layer_class(index.qualified(call.func))
        if layer not in _AXIS_AT:
            continue
        axis = _axis(call, _AXIS_AT[layer])
        if axis is not None and not _past_the_batch(axis):
            return (
                f"`{index.code(call)}` may keep the batch axis, whose length the"
                " data gives the original and a converted Input leaves unknown"
            )
    return None


def _axis(call: cst.Call, place: int) -> cst.BaseExpression | None:
    """The `axis` argument written, or None for the default (-1)."""
    for position, arg in enumerate(call.args):
        if arg.star:
            return arg.value  # `**config` may hold any axis
        if arg.keyword is not None and arg.keyword.value == "axis":
            return arg.value
        if arg.keyword is None and position == place:
            return arg.value
    return None


def _past_the_batch(axis: cst.BaseExpression) -> bool:
    """A literal axis, or tuple or list of them, each -1 or positive: never
    the batch one of data with features (negative ones past -1 may be)."""
    values = (
        [e.value for e in axis.elements]
        if isinstance(axis, (cst.Tuple, cst.List))
        else [axis]
    )
    for value in values:
        if isinstance(value, cst.Integer):
            if int(value.evaluated_value) < 1:
                return False
        elif not (
            isinstance(value, cst.UnaryOperation)
            and isinstance(value.operator, cst.Minus)
            and isinstance(value.expression, cst.Integer)
            and int(value.expression.evaluated_value) == 1
        ):
            return False
    return bool(values)
