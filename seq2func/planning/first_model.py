"""A first element that is a model with a known input: the outer model's input is that one.

`Sequential.add` builds the model when its first layer has an `input_shape`
property, which a built Functional or Sequential model has. Measured on
Keras 3.15: `Sequential([inner, Dense(1)])` gets one InputLayer of its own
(`[InputLayer, inner, Dense]`), whose batch shape is the inner model's (a
`batch_size=8` stays) and whose dtype is the inner model's compute dtype,
float32, whatever the inner Input's dtype (int32 stays int32 only inside).
So the converted code is `inputs = keras.Input(shape=<inner's shape>)` then
`x = inner(inputs)`, the inner model unchanged. The InputLayer is made where
the outer model is, after the inner model's own, as in the original.

Keras 2 (tf_keras 2.21) reads the first layer of the innermost model
instead: a Functional model's InputLayer, with its dtype (int32 stays); a
Sequential's first real layer's `input_shape`, with that layer's dtype, and
none when the inner Sequential starts with `keras.Input` or is built by
`build()` (the outer model then stays unbuilt, so it is not converted).

The inner model is known when the scope binds its name once (or, in a
notebook that binds it again, by the assignment that surely reaches the
outer model, `first_model_binding`), to
`keras.Model(inputs, outputs)` whose inputs is one `keras.Input(...)`, or to
a `Sequential(...)` whose own code gives its input (an Input element, a first
layer's input_shape, a base model, a `build()` before the outer model; not
the data it is later fitted on). A Sequential made after the model's own
`Sequential()` call would take that call's automatic name in the converted
code (S2F125). Fixtures: `input_first_model_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import has_star, kwarg
from ..diagnostics import INPUT_MADE_EXPLICIT, SEQUENTIAL_NAME_SHIFT, UNKNOWN_DTYPE
from . import keras2
from .build_shapes import drop_repeated_build, input_batch_shape
from .first_model_binding import first_model_call
from .plan import (
    Application,
    CompletionKind,
    InputSource,
    InputSpec,
    Plan,
    Skip,
    diagnostic,
)

_MODEL_ARGUMENTS = frozenset({"inputs", "outputs", "name", "trainable"})
_INPUT_ARGUMENTS = ("shape", "batch_size", "dtype")  # Input's first positionals
_SHAPE_ARGUMENTS = frozenset({"shape", "batch_size", "batch_shape"})


def input_from_model(index: TreeIndex, plan: Plan, first: Application) -> bool:
    """Plan the input from a first model whose input is known; False when it is not."""
    call = first_model_call(index, first.expr)
    if call is None or has_star(call):
        return False
    end = first.line if first.line is not None else plan.statement
    made, used = index.pos(call).start, index.pos(end).start  # type: ignore[arg-type]
    if (made.line, made.column) >= (used.line, used.column):
        return False  # made after it is used (or the model itself): not its input
    qualified = index.qualified(call.func)
    if keras_names.is_model(qualified):
        found = _functional_input(index, call)
    elif keras_names.sequential_family(qualified):
        if renames_sequential(index, plan, call):
            raise Skip(
                SEQUENTIAL_NAME_SHIFT, f" (`{index.code(first.expr)}`)", first.expr
            )
        found = _sequential_input(index, plan, first, call)
    else:
        return False
    if found is None:
        return False
    input_call, evaluated_at = found
    arguments = _arguments(index, plan, input_call)
    if arguments is None:
        return False
    parsed = cst.parse_expression(f"Input({arguments})")
    if index.rebound_between(parsed, evaluated_at, end):  # type: ignore[arg-type]
        return False  # the shape's names mean something else where the Input goes
    drop_repeated_build(
        index,
        plan,
        input_batch_shape(parsed),  # type: ignore[arg-type]
        " (build() after the input is set)",
    )
    if index.mixed_precision and not keras2.runs_on_keras2(index, plan):
        # Keras 3 gives the InputLayer the inner model's compute dtype.
        raise Skip(
            UNKNOWN_DTYPE, " (a global dtype policy is set in this file)", first.expr
        )
    detail = f"the input of `{index.code(first.expr)}` ({arguments})"
    plan.notes.append(diagnostic(index, plan, INPUT_MADE_EXPLICIT, detail, first.expr))
    plan.input = InputSpec(InputSource.LAYER, arguments=arguments)
    return True


def renames_sequential(index: TreeIndex, plan: Plan, call: cst.Call) -> bool:
    """A Sequential made between this model's `Sequential()` and its last add().

    Keras names Sequentials `sequential`, `sequential_1`, ... as they are made.
    The converted code makes no Sequential where `Sequential()` was, so one
    made in between would take its automatic name.
    """
    if plan.completion.kind is CompletionKind.CONSTRUCTOR or kwarg(call, "name"):
        return False
    made, constructor = index.pos(call).start, index.pos(plan.call).start
    return (made.line, made.column) > (constructor.line, constructor.column)


def _functional_input(
    index: TreeIndex, call: cst.Call
) -> tuple[cst.Call, cst.CSTNode] | None:
    """The `keras.Input(...)` of `keras.Model(inputs, outputs, ...)`, when it is one."""
    inputs = None
    for position, arg in enumerate(call.args):
        if arg.keyword is None:
            if position == 0:
                inputs = arg.value
            elif position > 1:
                return None
        elif arg.keyword.value not in _MODEL_ARGUMENTS:
            return None  # dtype=, a subclass's arguments: its input is not read here
        elif arg.keyword.value == "inputs":
            inputs = arg.value
    if inputs is None:
        return None
    input_call = (
        inputs if isinstance(inputs, cst.Call) else index.single_assignment(inputs)
    )
    if input_call is None or not keras_names.is_input(index.qualified(input_call.func)):
        return None
    return input_call, input_call


def _sequential_input(
    index: TreeIndex, plan: Plan, first: Application, call: cst.Call
) -> tuple[cst.Call, cst.CSTNode] | None:
    """The input a Sequential's own code gives it, planned as for its own site."""
    from .inputs import stated_input  # planning the inner site runs the input step

    found = stated_input(index, call)
    if found is None:
        return None
    inner, first_expr = found
    end = first.line if first.line is not None else plan.statement
    if index.pos(_completed_at(inner)).end.line >= index.pos(end).start.line:
        return None  # built after the outer model was made: Keras saw no input
    spec = inner.input
    assert spec is not None
    if keras2.runs_on_keras2(index, plan) and spec.source is not InputSource.LAYER:
        return None  # Keras 2 reads only a first layer's input_shape
    if spec.source is InputSource.VARIABLE:
        bound = index.single_assignment(first_expr)
        return (bound, bound) if bound is not None else None
    text = spec.verbatim or f"Input({spec.arguments})"
    parsed = cst.parse_expression(text)
    if not isinstance(parsed, cst.Call):
        return None
    return parsed, inner.statement  # type: ignore[return-value]


def _completed_at(inner: Plan) -> cst.CSTNode:
    node = inner.completion.node
    return node if node is not None else inner.statement  # type: ignore[return-value]


def _arguments(index: TreeIndex, plan: Plan, input_call: cst.Call) -> str | None:
    """The outer Input's arguments: the inner batch shape; the dtype only on Keras 2."""
    if has_star(input_call):
        return None
    values: dict[str, cst.BaseExpression] = {}
    for position, arg in enumerate(input_call.args):
        if arg.keyword is None:
            if position >= len(_INPUT_ARGUMENTS):
                return None
            values[_INPUT_ARGUMENTS[position]] = arg.value
        elif arg.keyword.value in (*_SHAPE_ARGUMENTS, "dtype", "name"):
            values[arg.keyword.value] = arg.value
        else:
            return None  # sparse=, tensor=, ...: not a plain batch shape
    keep = set(_SHAPE_ARGUMENTS)
    if keras2.runs_on_keras2(index, plan):
        keep.add("dtype")
    order = ("shape", "batch_size", "batch_shape", "dtype")
    parts = [f"{k}={index.code(values[k])}" for k in order if k in values and k in keep]
    if not any(k in values for k in ("shape", "batch_shape")):
        return None
    return ", ".join(parts)
