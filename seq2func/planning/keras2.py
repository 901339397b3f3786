"""Models that run on Keras 2: where Keras 2 decides the input differently from Keras 3.

A file that imports `tf_keras`, `keras.engine` or `tensorflow.python.keras`,
or sets TF_USE_LEGACY_KERAS, is written for Keras 2
(`TreeIndex.keras2_markers`): its `tf_keras`, `keras.engine` and (with
tf_keras or the legacy setting) `tf.keras` models are Keras 2 models, and so
is a model with a `hub.KerasLayer` (a `tf_keras` layer, which a Keras 3
Sequential refuses).
Measured with tf_keras 2.21 (`TF_USE_LEGACY_KERAS=1`):

- `Embedding(...)` as the first layer sets the input itself: shape
  `(input_length,)`, or `(None,)` without `input_length`; float32, or the
  layer's `dtype=`. (Keras 3 ignores `input_length`: S2F112 there.)
- The InputLayer made from a first layer's `input_shape=` takes the layer's
  dtype (`dtype="float64"` or `tf.string` gives that dtype; a `mixed_*`
  policy gives float32, its variable dtype). Keras 3 makes it float32.
- `model.build(shape)` makes a float32 InputLayer whatever the first layer's
  dtype (Keras 3 takes the first layer's compute dtype).
- `get_config()` of a layer given `input_shape=`/`input_dim=`/
  `batch_input_shape=`/`batch_size=` holds `batch_input_shape`; a Functional
  model ignores it. So those arguments stay on their layers
  (`input_arguments.kept_input_arguments`, S2F216).
- `Sequential(layer)` with one bare layer means `Sequential([layer])`
  (Keras 3 iterates its argument and fails).

Fixtures: `keras2_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import kwarg
from ..diagnostics import INPUT_MADE_EXPLICIT, UNKNOWN_DTYPE
from .custom_layers import LayerKind, layer_kind
from .plan import Plan, Skip, diagnostic

# What a Keras 2 layer's `dtype` is for these policies: the variable dtype.
_VARIABLE_DTYPE = {"mixed_float16": "float32", "mixed_bfloat16": "float32"}


def runs_on_keras2(index: TreeIndex, plan: Plan) -> bool:
    """Whether the model is a Keras 2 model: its Sequential is, or a layer is from hub."""
    if _sequential_is_keras2(index, plan):
        return True
    for app in plan.applications:
        call = _layer_call(index, app.expr)
        if call is not None and keras_names.is_hub_layer(index.qualified(call.func)):
            return True
    return False


def _sequential_is_keras2(index: TreeIndex, plan: Plan) -> bool:
    """`tf_keras.Sequential`; `keras.Sequential` in a file on `keras.engine` (the
    keras 2 package); `tf.keras.Sequential` in a file that imports tf_keras or
    Keras 2's TensorFlow copy, or sets TF_USE_LEGACY_KERAS (tf.keras is Keras 2
    there). A Keras 3 test that imports tf_keras to compare keeps Keras 3 rules."""
    markers = index.keras2_markers
    if plan.family == "tf_keras":
        return True
    if plan.family == "keras":
        return "keras.engine" in markers
    return bool(markers & {"tf_keras", "legacy_env", "tensorflow.python.keras"})


def _layer_call(index: TreeIndex, expr: cst.BaseExpression) -> cst.Call | None:
    if isinstance(expr, cst.Call):
        return expr
    return index.single_assignment(expr)


def bare_layer(index: TreeIndex, plan: Plan, value: cst.BaseExpression) -> bool:
    """`Sequential(Dense(...))` in a Keras 2 file: the one layer is the list."""
    if not _sequential_is_keras2(index, plan):
        return False
    call = _layer_call(index, value)
    if call is None:
        return False
    qualified = index.qualified(call.func)
    return keras_names.is_input_layer(qualified) or layer_kind(index, call) is not None


# Keras 2 layers whose own dtype is not the float type (measured on tf_keras
# 2.21: StringLookup, IntegerLookup, Hashing and Discretization are int64,
# TextVectorization string), which Keras 2 gives the InputLayer an
# `input_shape=` makes; their output mode may change it.
_OWN_DTYPE_LAYERS = frozenset(
    {
        "StringLookup",
        "IntegerLookup",
        "Hashing",
        "HashedCrossing",
        "Discretization",
        "TextVectorization",
    }
)


def check_own_dtype(kind: LayerKind, call: cst.Call) -> None:
    """S2F113 for a Keras 2 first layer whose InputLayer takes a non-float dtype
    of its own: a lookup-type class, a class of the file deriving from one, or
    one whose `__init__` hands `super().__init__` a `dtype=` (measured: a
    `Layer` subclass passing `dtype="int32"` gave an int32 InputLayer)."""
    if kwarg(call, "dtype") is not None:
        return
    layer_class = kind.builtin or kind.name
    if layer_class in _OWN_DTYPE_LAYERS:
        raise Skip(
            UNKNOWN_DTYPE,
            f" (Keras 2 gives the InputLayer {layer_class}'s own dtype, int64 or string)",
            call,
        )
    if kind.sets_dtype:
        raise Skip(
            UNKNOWN_DTYPE,
            f" (Keras 2 gives the InputLayer the dtype {kind.name}'s __init__ hands"
            " to super().__init__)",
            call,
        )


def input_dtype(index: TreeIndex, plan: Plan, call: cst.Call, consumes: bool) -> str:
    """`, dtype=...` for an Input made from a first layer's input_shape: Keras 2 takes its dtype."""
    dtype = kwarg(call, "dtype")
    if dtype is None:
        return ""
    if consumes:
        raise Skip(UNKNOWN_DTYPE, " (the layer's __init__ takes dtype itself)", dtype)
    value = dtype.value
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        if not isinstance(text, str):
            raise Skip(UNKNOWN_DTYPE, f" (dtype={index.code(value)})", dtype)
        text = _VARIABLE_DTYPE.get(text, text)
        if text.startswith("mixed"):
            raise Skip(UNKNOWN_DTYPE, f" (dtype={index.code(value)})", dtype)
        return "" if text == "float32" else f', dtype="{text}"'
    if isinstance(value, cst.Attribute):  # tf.float64, tf.string
        return f", dtype={index.code(value)}"
    raise Skip(UNKNOWN_DTYPE, f" (dtype={index.code(value)})", dtype)


def embedding_input(index: TreeIndex, plan: Plan, call: cst.Call) -> str | None:
    """Keras 2's Embedding makes its own input_shape: `(input_length,)`, else `(None,)`."""
    length = kwarg(call, "input_length")
    if length is None:
        shape = "(None,)"
        detail = "Embedding without input_length (Keras 2 gives it shape (None,))"
        node: cst.CSTNode = call
    else:
        shape = f"({index.code(length.value)},)"
        detail = f"input_length={index.code(length.value)} on Embedding (Keras 2)"
        node = length
    plan.notes.append(diagnostic(index, plan, INPUT_MADE_EXPLICIT, detail, node))
    return f"shape={shape}{input_dtype(index, plan, call, consumes=False)}"
