"""Step: where the model's input comes from, as `Sequential.add` decides it.

Keras takes the input from, in order: a first element that is `keras.Input`
or an `InputLayer` (or a variable bound once to `keras.Input`); else the
first layer's `input_shape=`/`input_dim=` (`input_dim` on Embedding is the
vocabulary size, not the input); else a first layer that is a model with a
known input (a `keras.applications` base given `input_shape=`); else
nothing, and the model waits for `build(shape)`, its first call or `fit`.
This step follows that order, reads the arguments (`input_arguments`), and
strips `input_shape` from later layers, where Keras ignored it (seed 002).

Raises S2F101 (no input the code gives), S2F102 (no layers), S2F103 (a
`build()` on a model whose input is already set), S2F109, S2F111 (a first
layer whose input cannot be read: a custom layer, one added in a loop),
S2F112 (Keras 2's `Embedding(input_length=)`), S2F113 (a dtype the code does
not give), S2F115 (an Input that is not first), S2F116 (a later element that
makes its own Input). Fixtures: `input_*`, `seed001_*`, `seed002_*`,
`transfer_learning_base_variable`, `safety_nested_model_after_input_shape`.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import has_star, kwarg
from ..diagnostics import (
    CHANGED_AFTER_COMPLETE,
    KERAS2_INPUT_LENGTH,
    LAYERS_NOT_VISIBLE,
    MISPLACED_INPUT,
    NESTED_MODEL_ORDER,
    NO_INPUT,
    OPAQUE_FIRST_LAYER,
    UNKNOWN_DTYPE,
)
from .first_build import input_from_first_build
from .input_arguments import (
    input_from_build,
    input_from_layer,
    input_layer_arguments,
    strip_ignored,
)
from .layers_from_model import input_of_the_layers
from .plan import Application, InputSource, InputSpec, Plan, Skip
from .traced_input import traced_input

# Where the input comes from when the model's code gives none and no
# build(shape) follows: each source returns an InputSpec, or None to pass on
# (it may raise a more precise Skip). Tried in this order.
LateSource = Callable[[TreeIndex, Plan, Application, Skip], InputSpec | None]
# What the code says (the data of the first build) comes before what a run
# recorded: a trace is consulted only where the code cannot be read.
LATE_SOURCES: tuple[LateSource, ...] = (
    # `Sequential(model_A.layers[:-1])`: model_A's code gives the input (issue 12).
    input_of_the_layers,
    input_from_first_build,
    traced_input,
)


def plan_input(index: TreeIndex, plan: Plan) -> None:
    apps = plan.applications
    if not apps:
        raise Skip(LAYERS_NOT_VISIBLE, " (it has no layers)")
    _check_input_is_first(index, apps)
    if _explicit_input(index, plan):
        return
    first = apps[0]
    if not first.top_level:
        raise Skip(
            OPAQUE_FIRST_LAYER,
            " (the first layer is added inside a loop or a condition)",
            first.expr,
        )
    strip_ignored(index, plan, apps, start=1)
    base = _base_model(index, plan, first)
    if base is not None and _input_from_base_model(index, plan, first, base):
        return
    _input_from_first_layer(index, plan, first, base or first.expr)


def _check_input_is_first(index: TreeIndex, apps: list[Application]) -> None:
    for later in apps[1:]:
        if isinstance(later.expr, cst.Call):
            q = index.qualified(later.expr.func)
            if keras_names.is_input(q) or keras_names.is_input_layer(q):
                raise Skip(MISPLACED_INPUT, "", later.expr)


def _explicit_input(index: TreeIndex, plan: Plan) -> bool:
    """A first `keras.Input(...)`, `InputLayer(...)`, or a variable bound to `keras.Input`."""
    apps = plan.applications
    first = apps[0]
    expr = first.expr
    qualified = index.qualified(expr.func) if isinstance(expr, cst.Call) else set()
    bound = index.single_assignment(expr)
    is_variable = bound is not None and keras_names.is_input(
        index.qualified(bound.func)
    )
    is_input = isinstance(expr, cst.Call) and keras_names.is_input(qualified)
    is_input_layer = isinstance(expr, cst.Call) and keras_names.is_input_layer(
        qualified
    )
    if not (is_input or is_input_layer or is_variable):
        return False
    if not first.top_level:
        raise Skip(
            OPAQUE_FIRST_LAYER,
            " (the Input is added inside a loop or a condition)",
            expr,
        )
    if is_variable:
        spec = InputSpec(InputSource.VARIABLE, variable=index.code(expr))
    elif is_input:
        spec = InputSpec(InputSource.ELEMENT, verbatim=index.code(expr))
    else:
        arguments = input_layer_arguments(index, plan, expr)  # type: ignore[arg-type]
        spec = InputSpec(InputSource.ELEMENT, arguments=arguments)
    spec.small = first.small
    plan.input = spec
    apps.pop(0)
    if plan.build_call is not None:
        raise Skip(
            CHANGED_AFTER_COMPLETE,
            " (build() on a model that already has an input)",
            plan.build_call,
        )
    if not apps:
        raise Skip(LAYERS_NOT_VISIBLE, " (it has no layers)")
    strip_ignored(index, plan, apps, start=0)
    return True


def _base_model(index: TreeIndex, plan: Plan, first: Application) -> cst.Call | None:
    """The `keras.applications` call the first layer is, or is bound to once."""
    expr = first.expr
    application = expr if isinstance(expr, cst.Call) else index.single_assignment(expr)
    if application is None or not keras_names.is_application(
        index.qualified(application.func)
    ):
        return None
    shape = kwarg(application, "input_shape")
    if application is not expr and shape is not None:
        rebound = index.rebound_between(shape.value, application, plan.statement)
        if rebound:
            raise Skip(
                OPAQUE_FIRST_LAYER,
                f" (the base's input_shape reads {rebound}, which changes)",
                expr,
            )
    return application


def _input_from_base_model(
    index: TreeIndex, plan: Plan, first: Application, application: cst.Call
) -> bool:
    """A first base model given `input_shape=`: its input is the model's."""
    shape = kwarg(application, "input_shape")
    if (
        shape is None
        or kwarg(application, "input_tensor") is not None
        or has_star(application)
    ):
        if plan.build_call is None:
            raise Skip(
                OPAQUE_FIRST_LAYER,
                f" ({index.code(application.func)} without input_shape=)",
                application,
            )
        return False  # a build() gives the input; the base is an ordinary first layer
    if plan.build_call is not None:
        raise Skip(
            CHANGED_AFTER_COMPLETE, " (build() after the input is set)", plan.build_call
        )
    if index.mixed_precision:
        # Sequential builds its input with the base's compute dtype.
        raise Skip(
            UNKNOWN_DTYPE, " (a global dtype policy is set in this file)", application
        )
    plan.input = InputSpec(
        InputSource.LAYER, arguments=f"shape={index.code(shape.value)}"
    )
    # An inline base creates its own InputLayer; Keras made it before the
    # model's, so it is built first to keep the auto names.
    plan.hoist_first = application is first.expr
    _check_no_nested_models(index, plan)
    return True


def _input_from_first_layer(
    index: TreeIndex, plan: Plan, first: Application, expr: cst.BaseExpression
) -> None:
    """`input_shape=`/`input_dim=` on a built-in first layer, else a later `build(shape)`.

    `expr` is the first layer, or the base model a first variable is bound to.
    """
    build_call = plan.build_call
    qualified = index.qualified(expr.func) if isinstance(expr, cst.Call) else set()
    layer_class = (
        keras_names.keras_layer_class(qualified) if isinstance(expr, cst.Call) else None
    )
    if isinstance(expr, cst.Call) and layer_class is not None:
        if has_star(expr):
            raise Skip(
                OPAQUE_FIRST_LAYER,
                f" ({layer_class} takes **-unpacked arguments)",
                expr,
            )
        arguments = input_from_layer(index, plan, first, expr, layer_class)
        if arguments is not None:
            if build_call is not None:
                raise Skip(
                    CHANGED_AFTER_COMPLETE,
                    " (build() after the input is set)",
                    build_call,
                )
            plan.input = InputSpec(InputSource.LAYER, arguments=arguments)
            _check_no_nested_models(index, plan)
            return
        if build_call is None:
            if (
                keras_names.is_embedding(qualified)
                and kwarg(expr, "input_length") is not None
            ):
                _late_input(index, plan, first, Skip(KERAS2_INPUT_LENGTH, "", expr))
            else:
                _late_input(index, plan, first, Skip(NO_INPUT, "", plan.call))
            return
        plan.input = InputSpec(
            InputSource.BUILD, arguments=input_from_build(index, plan, build_call, expr)
        )
        _check_no_nested_models(index, plan)
        return
    if build_call is None:
        if isinstance(expr, cst.Call):
            detail = f" ({index.code(expr.func)} is not a built-in Keras layer)"
        else:
            detail = f" (the first layer is `{index.code(expr)}`)"
        _late_input(index, plan, first, Skip(OPAQUE_FIRST_LAYER, detail, expr))
        return
    if not isinstance(expr, cst.Call) or has_star(expr):
        raise Skip(UNKNOWN_DTYPE, f" (the first layer is `{index.code(expr)}`)", expr)
    plan.input = InputSpec(
        InputSource.BUILD, arguments=input_from_build(index, plan, build_call, expr)
    )


def _late_input(index: TreeIndex, plan: Plan, first: Application, skip: Skip) -> None:
    """The input from a source other than the model's own code, else `skip`.

    Keras would take it from the first data the model is built on; each of
    `LATE_SOURCES` may know that input, and is asked in order.
    """
    for source in LATE_SOURCES:
        spec = source(index, plan, first, skip)
        if spec is not None:
            plan.input = spec
            _check_no_nested_models(index, plan)
            return
    raise skip


def _check_no_nested_models(index: TreeIndex, plan: Plan) -> None:
    """Keras builds a Sequential's own InputLayer after every layer in the list.

    A later element that is itself a model may create an InputLayer when it
    is built; in the converted order it would come after the model's Input
    and the auto names of the two would swap.
    """
    for app in plan.applications[1:]:
        if app.small is None and isinstance(app.expr, cst.Call):
            q = index.qualified(app.expr.func)
            if (
                keras_names.sequential_family(q)
                or keras_names.is_model(q)
                or keras_names.is_application(q)
            ):
                raise Skip(
                    NESTED_MODEL_ORDER,
                    f" ({index.code(app.expr.func)} on line {index.line(app.expr)})",
                    app.expr,
                )
