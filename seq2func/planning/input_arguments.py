"""Reading the input's arguments from an `InputLayer`, a first layer or a `build(shape)` call,
and removing the input arguments Keras ignored.

- `InputLayer(input_shape=...)` (Keras 2) becomes `Input(shape=...)`, and
  `batch_input_shape=` becomes `batch_shape=` (S2F202).
- A first layer's `input_shape=`/`input_dim=` become the Input (S2F206) and
  leave the layer; `batch_input_shape=`/`batch_size=` (Keras 2) move to it
  too (S2F202).
- `build(shape)` gives the Input the first layer's compute dtype, as Keras
  does (S2F204); a global dtype policy makes it unknowable (S2F113).
- `input_shape=` on any later layer was ignored by Keras (seed 002) and is
  removed (S2F201), unless the layer objects are handed out (S2F207).
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import kwarg
from ..diagnostics import (
    AMBIGUOUS_ARGUMENTS,
    BUILD_FOLDED,
    IGNORED_INPUT_SHAPE_REMOVED,
    INPUT_MADE_EXPLICIT,
    INPUT_SHAPE_KEPT,
    LEGACY_ARGUMENT_MIGRATED,
    NO_INPUT,
    OPAQUE_FIRST_LAYER,
    UNKNOWN_DTYPE,
)
from . import keras2
from .build_shapes import build_argument, unwrap_tensor_shape
from .custom_layers import LayerKind, kept_in_config
from .plan import Application, Plan, Skip, diagnostic

_INPUT_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
_INPUT_LAYER_RENAMES = {
    "input_shape": "shape",
    "batch_input_shape": "batch_shape",
    "input_tensor": "tensor",
}
_INPUT_ARGUMENTS = frozenset(
    {
        "shape",
        "batch_size",
        "dtype",
        "sparse",
        "batch_shape",
        "name",
        "tensor",
        "ragged",
        "optional",
    }
)
# Mixed-precision policies compute in these; `build()` gives the Input that dtype.
_DTYPE_COMPUTE = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def input_layer_arguments(index: TreeIndex, plan: Plan, call: cst.Call) -> str:
    """The arguments of `Input(...)` that mean what the `InputLayer(...)` meant."""
    parts = []
    positional = 0
    for arg in call.args:
        if arg.star:
            raise Skip(
                OPAQUE_FIRST_LAYER, " (InputLayer takes unpacked arguments)", call
            )
        if arg.keyword is None:
            positional += 1
            if positional > 3:
                raise Skip(
                    AMBIGUOUS_ARGUMENTS,
                    " (InputLayer with more than three positional arguments)",
                    call,
                )
            parts.append(index.code(arg.value))
            continue
        keyword = arg.keyword.value
        if keyword in _INPUT_LAYER_RENAMES:
            renamed = _INPUT_LAYER_RENAMES[keyword]
            detail = f"InputLayer({keyword}=...) becomes Input({renamed}=...)"
            plan.notes.append(
                diagnostic(index, plan, LEGACY_ARGUMENT_MIGRATED, detail, arg)
            )
            keyword = renamed
        if keyword not in _INPUT_ARGUMENTS:
            raise Skip(AMBIGUOUS_ARGUMENTS, f": InputLayer({keyword}=...)", call)
        parts.append(f"{keyword}={index.code(arg.value)}")
    return ", ".join(parts)


def input_from_layer(
    index: TreeIndex, plan: Plan, app: Application, call: cst.Call, kind: LayerKind
) -> str | None:
    """`Input(...)` arguments from the first layer's own; None when it has none."""
    layer_class, embedding = kind.name, kind.embedding
    shape = kwarg(call, "input_shape")
    dim = None if embedding else kwarg(call, "input_dim")
    batch_shape = kwarg(call, "batch_input_shape")
    batch_size = kwarg(call, "batch_size")
    if shape is not None and dim is not None:
        raise Skip(
            AMBIGUOUS_ARGUMENTS,
            f": {layer_class} has both input_shape= and input_dim=",
            call,
        )
    kept = kept_input_arguments(
        index, plan, layer_class, (shape, dim, batch_shape, batch_size), kind.custom
    )
    # Keras 2 gives the InputLayer the layer's dtype; Keras 3 float32.
    dtype = ""
    stated = any(a is not None for a in (shape, dim, batch_shape))
    if stated and keras2.runs_on_keras2(index, plan):
        keras2.check_own_dtype(kind, call)
        dtype = keras2.input_dtype(index, plan, call, kind.consumes_dtype)
    app.strip = tuple(
        a.keyword.value  # type: ignore[union-attr]
        for a in (shape, dim, batch_shape, batch_size)
        if a is not None and a not in kept
    )
    if batch_shape is not None:
        return (
            _batch_shape_input(index, plan, call, layer_class, batch_shape, batch_size)
            + dtype
        )
    text = _shape_input(index, plan, call, layer_class, shape or dim, batch_size)
    return None if text is None else text + dtype


def _batch_shape_input(
    index: TreeIndex,
    plan: Plan,
    call: cst.Call,
    layer_class: str,
    batch_shape: cst.Arg,
    batch_size: cst.Arg | None,
) -> str:
    """`batch_input_shape=` (Keras 2) becomes `Input(batch_shape=...)`."""
    detail = (
        f"batch_input_shape={index.code(batch_shape.value)}"
        " becomes Input(batch_shape=...)"
    )
    plan.notes.append(
        diagnostic(index, plan, LEGACY_ARGUMENT_MIGRATED, detail, batch_shape)
    )
    if batch_size is not None:
        raise Skip(
            AMBIGUOUS_ARGUMENTS,
            f": {layer_class} has both batch_input_shape= and batch_size=",
            call,
        )
    return f"batch_shape={index.code(batch_shape.value)}"


def _shape_input(
    index: TreeIndex,
    plan: Plan,
    call: cst.Call,
    layer_class: str,
    source: cst.Arg | None,
    batch_size: cst.Arg | None,
) -> str | None:
    """`input_shape=` or `input_dim=` (the `source`) becomes `Input(shape=...)`,
    with `batch_size=` (Keras 2) beside it; None when the layer has neither."""
    if source is None:
        if batch_size is not None:
            raise Skip(
                AMBIGUOUS_ARGUMENTS,
                f": {layer_class} has batch_size= but no input shape",
                call,
            )
        return None
    keyword = source.keyword.value  # type: ignore[union-attr]
    if keyword == "input_shape":
        text = f"shape={index.code(source.value)}"
    else:
        text = f"shape=({index.code(source.value)},)"
    detail = f"{keyword}={index.code(source.value)} on {layer_class}"
    plan.notes.append(diagnostic(index, plan, INPUT_MADE_EXPLICIT, detail, source))
    if batch_size is not None:
        detail = (
            f"batch_size={index.code(batch_size.value)} becomes Input(batch_size=...)"
        )
        plan.notes.append(
            diagnostic(index, plan, LEGACY_ARGUMENT_MIGRATED, detail, batch_size)
        )
        text += f", batch_size={index.code(batch_size.value)}"
    return text


def input_from_build(
    index: TreeIndex, plan: Plan, build_call: cst.Call, first: cst.Call
) -> str:
    """`Input(...)` arguments from `model.build(shape)`, with the first layer's compute dtype."""
    argument = build_argument(build_call)
    if argument is None:
        raise Skip(NO_INPUT, " (build() without a shape)", build_call)
    # tf.TensorShape([...]) is the same shape to Keras (issue 12, item 6).
    shape = unwrap_tensor_shape(index, argument)
    if not _shape_expression(shape):
        raise Skip(
            NO_INPUT,
            f" (build({index.code(shape)}) is not a literal shape)",
            build_call,
        )
    _check_not_rebound_between(index, plan, shape, build_call)
    if keras2.runs_on_keras2(index, plan):
        dtype_text = ""  # Keras 2's build() makes a float32 InputLayer
    else:
        if index.mixed_precision:
            raise Skip(
                UNKNOWN_DTYPE,
                " (a global dtype policy is set in this file)",
                build_call,
            )
        dtype_text = compute_dtype(index, first)
    plan.notes.append(
        diagnostic(index, plan, BUILD_FOLDED, f"`{index.code(build_call)}`", build_call)
    )
    if isinstance(shape, (cst.Tuple, cst.List)) and shape.elements:
        head = shape.elements[0].value
        if isinstance(head, cst.Name) and head.value == "None":
            if any(isinstance(e, cst.StarredElement) for e in shape.elements):
                return f"batch_shape={index.code(shape)}{dtype_text}"
            rest = [index.code(e.value) for e in shape.elements[1:]]
            inner = ", ".join(rest) + ("," if len(rest) == 1 else "")
            return f"shape=({inner}){dtype_text}"
    return f"batch_shape={index.code(shape)}{dtype_text}"


def _shape_expression(shape: cst.BaseExpression) -> bool:
    """A literal shape, a name for one, or a sum of them (`(None,) + input_shape`)."""
    if isinstance(shape, cst.BinaryOperation) and isinstance(shape.operator, cst.Add):
        return _shape_expression(shape.left) and _shape_expression(shape.right)
    return isinstance(shape, (cst.Tuple, cst.List, cst.Name, cst.Attribute))


def compute_dtype(index: TreeIndex, first: cst.Call) -> str:
    """`, dtype="..."` for the Input when the first layer sets a literal dtype."""
    dtype = kwarg(first, "dtype")
    if dtype is None:
        return ""
    if not isinstance(dtype.value, cst.SimpleString):
        raise Skip(UNKNOWN_DTYPE, f" (dtype={index.code(dtype.value)})", dtype)
    value = dtype.value.evaluated_value
    compute = _DTYPE_COMPUTE.get(value, value)  # type: ignore[arg-type]
    if not isinstance(compute, str) or compute.startswith("mixed"):
        raise Skip(UNKNOWN_DTYPE, f" (dtype={index.code(dtype.value)})", dtype)
    return f', dtype="{compute}"'


def _check_not_rebound_between(
    index: TreeIndex, plan: Plan, shape: cst.BaseExpression, build_call: cst.Call
) -> None:
    """The Input moves to the first layer; the names in its shape must mean the same there."""
    first = plan.applications[0]
    start_node = first.line if first.line is not None else plan.statement
    rebound = index.rebound_between(shape, start_node, build_call)
    if rebound:
        raise Skip(
            NO_INPUT,
            f" (the build() shape uses {rebound}, assigned after the first layer)",
            build_call,
        )


def strip_ignored(
    index: TreeIndex, plan: Plan, apps: list[Application], start: int
) -> None:
    """Seed 002: Keras ignores input_shape on every layer but the first."""
    for app in apps[start:]:
        expr = app.expr
        if not isinstance(expr, cst.Call):
            continue
        layer_class = keras_names.keras_layer_class(index.qualified(expr.func))
        if layer_class is None:
            continue
        embedding = keras_names.is_embedding(index.qualified(expr.func))
        strip = []
        for name in _INPUT_KWARGS:
            if name == "input_dim" and embedding:
                continue
            arg = kwarg(expr, name)
            if arg is None or kept_input_arguments(index, plan, layer_class, (arg,)):
                continue
            strip.append(name)
            detail = f"{name}={index.code(arg.value)} on {layer_class}"
            if name in ("batch_input_shape", "batch_size"):
                code = LEGACY_ARGUMENT_MIGRATED
                detail += " is dropped (ignored after the first layer)"
            else:
                code = IGNORED_INPUT_SHAPE_REMOVED
            plan.notes.append(diagnostic(index, plan, code, detail, arg))
        app.strip = tuple(strip)


def kept_input_arguments(
    index: TreeIndex,
    plan: Plan,
    layer_class: str,
    arguments: tuple[cst.Arg | None, ...],
    custom: bool = False,
) -> list[cst.Arg]:
    """input_shape=/input_dim= that stay on their layer because its object is handed out.

    The layer object keeps them (Keras stores them on it), and a Sequential
    that later gets it as its first layer takes its input from them.
    Functional models ignore them, so keeping them changes nothing else.
    Keras 2 layers and custom ones record them in their config: they stay
    too (`keras2`, `custom_layers`).
    """
    if custom or keras2.runs_on_keras2(index, plan):
        return kept_in_config(index, plan, layer_class, arguments)
    if plan.layers_read_at is None:
        return []
    kept = [
        a
        for a in arguments
        if a is not None and a.keyword.value in ("input_shape", "input_dim")  # type: ignore[union-attr]
    ]
    for arg in kept:
        detail = (
            f"{arg.keyword.value}={index.code(arg.value)} on {layer_class} is kept:"  # type: ignore[union-attr]
            f" .layers is read on line {plan.layers_read_at}"
        )
        plan.notes.append(diagnostic(index, plan, INPUT_SHAPE_KEPT, detail, arg))
    return kept
