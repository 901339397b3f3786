"""Step: where the model's input comes from, as `Sequential.add` decides it.

Keras takes the input from, in order: a first element that is `keras.Input`
or an `InputLayer` (or a variable bound to `keras.Input` once, or by the one
assignment that surely reaches the model, as `first_layer_variable` reads a
layer); else the
first layer's `input_shape=`/`input_dim=` (`input_dim` on Embedding is the
vocabulary size, not the input); else a first layer that is a model with a
known input (a `keras.applications` base given `input_shape=`, or a model
`first_model` knows); else nothing, and the model waits for `build(shape)`,
its first call or `fit`. This step follows that order, reads the arguments
(`input_arguments`), and strips `input_shape` from later layers, where Keras
ignored it (seed 002). Each other rule is its own module, asked at one
commented point: a first layer bound to a name (`first_layer_variable`),
custom and hub layers that pass input_shape on (`custom_layers`), a build()
that repeats the input (`build_shapes`), Keras 2's rules (`keras2`).

Raises S2F101 (no input the code gives), S2F102 (no layers), S2F103 (a
`build()` with another shape than the input already set), S2F109, S2F111 (a
first layer whose input cannot be read: a custom layer that consumes it, one
added in a loop or a condition, unless loops that surely run add it to a
model built by its data: `looped_first_layer`), S2F112 (Keras 2's
`Embedding(input_length=)` in a Keras 3 file), S2F113 (a dtype the code does
not give), S2F115 (an Input that is not first), S2F116 (a later element that
makes its own Input), S2F125 (a Sequential made before the last add() would
take the model's automatic name). A little over 400 lines: the order above
is one decision, read in one place.
Fixtures:
`input_*`, `seed001_*`, `seed002_*`, `transfer_learning_base_variable`,
`safety_nested_model_after_input_shape`.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import has_star, kwarg
from ..diagnostics import (
    KERAS2_INPUT_LENGTH,
    LAYERS_NOT_VISIBLE,
    MISPLACED_INPUT,
    NESTED_MODEL_ORDER,
    NO_INPUT,
    OPAQUE_FIRST_LAYER,
    SEQUENTIAL_NAME_SHIFT,
    UNKNOWN_DTYPE,
)
from .first_build import input_from_first_build
from .first_build_custom import input_from_custom_first_build
from .first_model_build import input_from_first_model_build
from . import first_layer_variable, first_model, keras2, looped_first_layer
from .build_shapes import arguments_batch_shape, drop_repeated_build, input_batch_shape
from .custom_layers import LayerKind, layer_kind, opaque_reason
from .input_arguments import (
    input_from_build,
    input_from_layer,
    input_layer_arguments,
    strip_ignored,
)
from .layers_from_model import input_of_the_layers
from .looped_model_layers import input_of_looped_layers
from .symbolic_first_build import input_from_symbolic_build
from .plan import Application, Form, InputSource, InputSpec, Plan, Skip
from .traced_input import traced_input
from .unpacked_layer_config import unpacks_no_input

# Where the input comes from when the model's code gives none and no
# build(shape) follows: each source returns an InputSpec, or None to pass on
# (it may raise a more precise Skip). Tried in this order.
LateSource = Callable[[TreeIndex, Plan, Application, Skip], InputSpec | None]
# What the code says (the data of the first build) comes before what a run
# recorded: a trace is consulted only where the code cannot be read.
LATE_SOURCES: tuple[LateSource, ...] = (
    # `Sequential(model_A.layers[:-1])`: model_A's code gives the input (issue 12).
    input_of_the_layers,
    # `augment(inputs)` on `inputs = keras.Input(...)`: the keras.io pattern.
    input_from_symbolic_build,
    input_from_first_build,
    # A custom first layer of the file that cannot tell when it is built.
    input_from_custom_first_build,
    # `Sequential([encoder, decoder])` of two models without inputs, fitted.
    input_from_first_model_build,
    traced_input,
)


def plan_input(index: TreeIndex, plan: Plan, late: bool = True) -> None:
    """Where the input comes from; with `late=False`, only from the model's own code."""
    apps = plan.applications
    if not apps:
        raise Skip(LAYERS_NOT_VISIBLE, " (it has no layers)")
    _check_input_is_first(index, apps)
    if _explicit_input(index, plan):
        return
    first = apps[0]
    if not first.top_level:
        # A first layer in loops that surely run, on a model built by its data.
        _input_from_looped_layer(index, plan, first, late)
        return
    strip_ignored(index, plan, apps, start=1)
    base = _base_model(index, plan, first)
    if base is not None and _input_from_base_model(index, plan, first, base):
        return
    # A first model whose input is known gives its input (issue 12, item 4).
    if base is None and first_model.input_from_model(index, plan, first):
        _check_no_nested_models(index, plan)
        return
    _input_from_first_layer(index, plan, first, base or first.expr, late)


def stated_input(
    index: TreeIndex, call: cst.Call
) -> tuple[Plan, cst.BaseExpression] | None:
    """The input the code of another `Sequential(...)` gives it, and its first element.

    Planned as for that site up to its input, leaving out its later uses and
    any input it would only get from data later (`late=False`).
    """
    from .binding import bind
    from .completion import complete
    from .constructor import read_constructor

    family = keras_names.sequential_family(index.qualified(call.func)) or "keras"
    start, end = index.pos(call).start, index.pos(call).end
    plan = Plan(
        call,
        None,
        index.scope_name(call),
        Form.EXPRESSION,
        start.line,
        start.column,
        end.line,
        family=family,
    )
    try:
        bind(index, plan)
        read_constructor(index, plan)
        complete(index, plan)
        if not plan.applications:
            return None
        first_expr = plan.applications[0].expr
        plan_input(index, plan, late=False)
    except Skip:
        return None
    return plan, first_expr


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
    # Bound once, or bound again elsewhere with one assignment that surely
    # reaches the model (a test making a tf_keras and a Keras 3 `inputs`).
    bound = first_layer_variable.binding(index, expr)
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
    # A build() that only repeats this input goes (issue 12, item 6).
    input_call = bound if is_variable else expr
    drop_repeated_build(
        index,
        plan,
        input_batch_shape(input_call),  # type: ignore[arg-type]
        " (build() on a model that already has an input)",
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
    drop_repeated_build(
        index,
        plan,
        arguments_batch_shape(f"shape={index.code(shape.value)}"),
        " (build() after the input is set)",
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
    index: TreeIndex,
    plan: Plan,
    first: Application,
    expr: cst.BaseExpression,
    late: bool = True,
) -> None:
    """`input_shape=`/`input_dim=` on the first layer, else a later `build(shape)`.

    `expr` is the first layer, or the base model a first variable is bound to.
    """
    build_call = plan.build_call
    # A name bound once to a layer reads as the layer (issue 12, item 2).
    given, expr = expr, first_layer_variable.bound_layer(index, plan, first, expr)
    # Built-in layers, and custom or hub layers that pass input_shape on (item 3).
    kind = layer_kind(index, expr) if isinstance(expr, cst.Call) else None
    if isinstance(expr, cst.Call) and kind is not None:
        _input_from_layer_arguments(index, plan, first, expr, kind, build_call, late)
        return
    if build_call is None:
        if isinstance(expr, cst.Call):
            detail = f" ({opaque_reason(index, expr)})"
        else:
            detail = f" (the first layer is `{index.code(expr)}`)"
        skip = Skip(OPAQUE_FIRST_LAYER, detail, given)
        _late_input(index, plan, first, skip, late)
        return
    if not isinstance(expr, cst.Call) or has_star(expr):
        raise Skip(UNKNOWN_DTYPE, f" (the first layer is `{index.code(expr)}`)", expr)
    plan.input = InputSpec(
        InputSource.BUILD, arguments=input_from_build(index, plan, build_call, expr)
    )


def _input_from_looped_layer(
    index: TreeIndex, plan: Plan, first: Application, late: bool
) -> None:
    """The input from the first build of a model whose first `add()` is in
    loops that surely run (`looped_first_layer`), or the input of another
    model whose layers a loop adds (`looped_model_layers`); else S2F111."""
    skip = looped_first_layer.refusal(first)
    spec = input_of_looped_layers(index, plan, first, skip)
    if spec is not None:
        plan.input = spec
        strip_ignored(index, plan, plan.applications, start=1)
        _check_no_nested_models(index, plan)
        return
    if skip.detail != looped_first_layer.IN_LOOP:
        raise skip
    layer = looped_first_layer.first_layer(index, plan, first)
    strip_ignored(index, plan, plan.applications, start=1)
    try:
        _input_from_first_layer(index, plan, first, layer, late=False)
    except Skip as skip:
        if not late or skip.code not in (NO_INPUT, KERAS2_INPUT_LENGTH):
            raise looped_first_layer.refusal(first) from None
        if plan.build_call is None:
            spec = input_from_first_build(index, plan, first, skip)
            if spec is not None:
                plan.input = spec
                _check_no_nested_models(index, plan)
                return
        raise Skip(skip.code, skip.detail, skip.node) from None
    # An input the loop's layer states, or a build(shape) after the loop.
    raise looped_first_layer.refusal(first)


def _input_from_layer_arguments(
    index: TreeIndex,
    plan: Plan,
    first: Application,
    expr: cst.Call,
    kind: LayerKind,
    build_call: cst.Call | None,
    late: bool,
) -> None:
    """The input from a first layer whose arguments are read: its own input
    arguments, else a later `build(shape)`, else a late source."""
    qualified = index.qualified(expr.func)
    # `**config` of a dict whose keys say nothing of the input (issue 12).
    if has_star(expr) and not unpacks_no_input(index, expr, kind.embedding):
        raise Skip(
            OPAQUE_FIRST_LAYER,
            f" ({kind.name} takes **-unpacked arguments)",
            expr,
        )
    arguments = input_from_layer(index, plan, first, expr, kind)
    if arguments is None and keras_names.is_embedding(qualified):
        if keras2.runs_on_keras2(index, plan):  # Keras 2's Embedding (item 9)
            arguments = keras2.embedding_input(index, plan, expr)
    if arguments is not None:
        first_layer_variable.settle_arguments(index, plan, first, expr)
        drop_repeated_build(
            index,
            plan,
            arguments_batch_shape(arguments),
            " (build() after the input is set)",
        )
        plan.input = InputSpec(InputSource.LAYER, arguments=arguments)
        _check_no_nested_models(index, plan)
        return
    if build_call is None:
        if (
            keras_names.is_embedding(qualified)
            and kwarg(expr, "input_length") is not None
        ):
            skip = Skip(KERAS2_INPUT_LENGTH, "", expr)
        else:
            skip = Skip(NO_INPUT, "", plan.call)
        try:
            _late_input(index, plan, first, skip, late)
        except Skip as skipped:
            # A late source's reason is the nearer one; else say the layer's build gave none.
            if skipped.node is skip.node and not skipped.detail:
                skipped.detail = first_layer_variable.built_beforehand(
                    index, plan, first
                )
            raise
        return
    plan.input = InputSpec(
        InputSource.BUILD, arguments=input_from_build(index, plan, build_call, expr)
    )
    _check_no_nested_models(index, plan)


def _late_input(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip, late: bool = True
) -> None:
    """The input from a source other than the model's own code, else `skip`.

    Keras would take it from the first data the model is built on; each of
    `LATE_SOURCES` may know that input, and is asked in order.
    """
    for source in LATE_SOURCES if late else ():
        spec = source(index, plan, first, skip)
        if spec is not None:
            plan.input = spec
            _check_no_nested_models(index, plan)
            return
    # A fresh Skip: the caller's frame holds `skip`, and a traceback through
    # it would make a cycle that keeps the whole index alive until collected.
    raise Skip(skip.code, skip.detail, skip.node)


def _check_no_nested_models(index: TreeIndex, plan: Plan) -> None:
    """Keras builds a Sequential's own InputLayer after every layer in the list.

    A later element that is itself a model may create an InputLayer when it
    is built; in the converted order it would come after the model's Input
    and the auto names of the two would swap.
    """
    for app in plan.applications[1:]:
        if app.small is not None and isinstance(app.expr, cst.Call):
            # add(Sequential(...)): made where the converted code made no Sequential.
            q = index.qualified(app.expr.func)
            if keras_names.sequential_family(q) and first_model.renames_sequential(
                index, plan, app.expr
            ):
                raise Skip(
                    SEQUENTIAL_NAME_SHIFT,
                    f" ({index.code(app.expr.func)} on line {index.line(app.expr)})",
                    app.expr,
                )
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
