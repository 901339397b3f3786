"""A caller's `m.build(shape)` that repeats the input the returned model has (S2F224).

TensorFlow's text-generation tutorial, copied into many notebooks, makes its
model again for generation and builds it with the batch size it was given:

    def build_model(vocab_size, embedding_dim, rnn_units, batch_size):
        model = tf.keras.Sequential([
            tf.keras.layers.Embedding(vocab_size, embedding_dim,
                                      batch_input_shape=[batch_size, None]),
            ...
        ])
        return model

    model = build_model(vocab_size, embedding_dim, rnn_units, batch_size=1)
    model.load_weights(tf.train.latest_checkpoint(checkpoint_dir))
    model.build(tf.TensorShape([1, None]))

A `build()` with the model's own batch shape changes nothing, on a
Sequential that has its input or on a Functional model (measured on Keras
3.15 and tf_keras 2.21: the same InputLayer, layers and weights;
`build_shapes`). So when the caller's shape and the input's compare equal,
element by element, the call is harmless: it stays where it is, since the
caller's name may hold other models too, and the site is converted with a
note. Elements compare by value: `None`, an int literal, a name whose one
reaching assignment is an int literal, and, in the input, a parameter of the
function, by the argument this call passes it (by position or keyword, or
its default; not where `**kwargs` takes a keyword, a decorator may call the
function otherwise, or the call is of another function that returns the
model on). A `build()` whose shape differs, or cannot be read, keeps
S2F103: Keras 3 raises there on the Sequential, and not on a Functional model.
Fixtures: `later_returned_build_repeats_input*`, `later_returned_build_arguments_unread`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis.index import TreeIndex
from ...analysis.nodes import int_literal
from ...analysis.reaching import Unknown, reaching_value
from ...diagnostics import BUILD_REPEATED_KEPT, CHANGED_AFTER_COMPLETE
from ..build_shapes import build_argument, input_batch_shape, unwrap_tensor_shape
from ..plan import InputSource, InputSpec, Plan, Skip
from .base import Use

# An element's value: None, an int, or unknown.
_UNKNOWN = object()
_FROM_CODE = frozenset({InputSource.ELEMENT, InputSource.LAYER, InputSource.BUILD})


@dataclass(frozen=True)
class CallerBuild:
    """`m.build(...)` in a caller, `m = function(...)` being `call`."""

    use: Use
    build: cst.Call
    call: cst.Call
    function: cst.FunctionDef
    skip: Skip  # S2F103, raised unless the shape repeats the input


def defer_build(
    use: Use, call: cst.Call, function: cst.FunctionDef, skip: Skip
) -> bool:
    """Keep a caller's `m.build(...)` for `check_caller_builds`, when the use is one."""
    attribute = use.attribute
    if skip.code != CHANGED_AFTER_COMPLETE or attribute is None:
        return False
    build = use.index.parent(attribute)
    if attribute.attr.value != "build" or not (
        isinstance(build, cst.Call) and build.func is attribute
    ):
        return False
    use.plan.caller_builds.append(CallerBuild(use, build, call, function, skip))
    return True


def check_caller_builds(index: TreeIndex, plan: Plan) -> None:
    """Step, once the input is known: each deferred caller's `build()` repeats it, or S2F103."""
    for found in plan.caller_builds:
        if not _repeats_input(index, plan, found):
            raise Skip(found.skip.code, found.skip.detail, found.skip.node)
        plan.notes.append(
            found.use.note(
                BUILD_REPEATED_KEPT, f"`{index.code(found.build)}`", found.build
            )
        )


def _repeats_input(index: TreeIndex, plan: Plan, found: CallerBuild) -> bool:
    build, call, function = found.build, found.call, found.function
    if function is not plan.scope_node:
        return False  # `return f()` on through another function: not its parameters
    spec = plan.input
    # An input read from data or a trace drops the batch size Keras may have
    # kept there, which the Sequential would check the shape against.
    if spec is None or spec.source not in _FROM_CODE:
        return False
    if spec.arguments is None and spec.verbatim is None:
        return False
    argument = build_argument(build)
    if argument is None:
        return False
    given = _elements(unwrap_tensor_shape(index, argument))
    known = _input_elements(spec)
    if given is None or known is None or len(given) != len(known):
        return False
    arguments = _bound_arguments(function, call)
    if arguments is None:
        return False
    for name in _assigned(index, function):
        arguments.pop(name, None)  # the input may read another value than the argument
    for element, expected in zip(given, known):
        value = _value(index, element, {})
        wanted = _value(index, expected, arguments)
        if value is _UNKNOWN or wanted is _UNKNOWN or value != wanted:
            return False
    return True


def _elements(shape: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    if not isinstance(shape, (cst.Tuple, cst.List)):
        return None
    if any(not isinstance(e, cst.Element) for e in shape.elements):
        return None
    return [e.value for e in shape.elements]


def _input_elements(spec: InputSpec) -> list[cst.BaseExpression] | None:
    """The batch shape of the Input the converted code writes, element by
    element (`build_shapes.input_batch_shape`, parsed back into nodes)."""
    call = cst.parse_expression(spec.verbatim or f"Input({spec.arguments})")
    codes = input_batch_shape(call) if isinstance(call, cst.Call) else None
    if codes is None or any(code.startswith("*") for code in codes):
        return None  # `(None,) + size`: a name added to the tuple is not an element
    return [cst.parse_expression(code) for code in codes]


def _bound_arguments(
    function: cst.FunctionDef, call: cst.Call
) -> dict[str, cst.BaseExpression] | None:
    """The expression each parameter gets from the call, or its default."""
    params = function.params
    if any(a.star for a in call.args) or isinstance(params.star_arg, cst.Param):
        return None
    if function.decorators:
        return None  # the decorator may call it with other arguments
    if not isinstance(call.func, cst.Name):
        # `builder.build_model(1)` binds `self` first, `Builder.build_model(b, 1)`
        # does not: which parameter an argument is depends on the receiver.
        return None
    positional = [*params.posonly_params, *params.params]
    bound: dict[str, cst.BaseExpression] = {}
    for param in (*positional, *params.kwonly_params):
        if param.default is not None:
            bound[param.name.value] = param.default
    given = [a for a in call.args if a.keyword is None]
    if len(given) > len(positional):
        return None
    for param, arg in zip(positional, given):
        bound[param.name.value] = arg.value
    named = {p.name.value for p in (*params.params, *params.kwonly_params)}
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value not in named:
                return None  # `**kwargs` takes it: the name is not bound
            bound[arg.keyword.value] = arg.value
    return bound


def _assigned(index: TreeIndex, function: cst.FunctionDef) -> set[str]:
    """The names the function's body binds or declares global or nonlocal."""
    found = set()
    for node in index.walk(function.body):
        if isinstance(node, cst.Name) and index.context(node) != ExpressionContext.LOAD:
            found.add(node.value)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            found.update(item.name.value for item in node.names)
    return found


def _value(
    index: TreeIndex,
    element: cst.BaseExpression,
    arguments: dict[str, cst.BaseExpression],
) -> object:
    """None, an int, or `_UNKNOWN`; a parameter reads as the call's argument."""
    if isinstance(element, cst.Name) and element.value == "None":
        return None
    number = int_literal(element)
    if number is not None:
        return number
    if isinstance(element, cst.Name) and element.value in arguments:
        return _value(index, arguments[element.value], {})
    # A name of the code (not one the input's text was parsed into).
    if isinstance(element, cst.Name) and index.known(element):
        try:
            bound = reaching_value(index, element)
        except Unknown:
            return _UNKNOWN
        number = int_literal(bound) if bound is not None else None
        return _UNKNOWN if number is None else number
    return _UNKNOWN
