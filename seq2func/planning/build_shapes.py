"""The shape a `model.build(...)` call gives, and a `build()` that only repeats the input.

`Sequential.build(input_shape)` standardizes its argument, so a tuple, a
list and `tf.TensorShape([...])`/`tf.TensorShape((...))` are the same shape
(measured on Keras 3.15 and tf_keras 2.21). On a model whose input is already
set, Keras 3 checks the shape against its InputLayer's batch shape: the same
shape rebuilds the same model (the call can go: S2F215), another raises
ValueError (the site stays, S2F103). Keras 2 ignores another shape silently;
only the same one is removed there too. `build()` with no shape on such a
model changes nothing (measured: the same InputLayer, layers and weights,
on Keras 3.15 and tf_keras 2.21) and is removed too (issue 12, item 6;
keras `awq_test`, TensorFlow's r1 autograph guide).

The input's batch shape is read from the `Input(...)`/`InputLayer(...)` the
model has, or the arguments planned for one: `shape=(3,)` is `(None, 3)`,
`batch_size=8` puts 8 first, `batch_shape=` is the whole. Shapes compare by
their elements' code, so `(None, n)` repeats `shape=(n,)` when `n` is not
assigned in between; a name added to a tuple (`(None,) + IMAGE_SIZE + (3,)`
against `shape=IMAGE_SIZE + (3,)`) compares as itself, when it is bound
once to a literal tuple. Fixtures: `input_build_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.nodes import has_star, kwarg
from ..diagnostics import BUILD_REPEATED_REMOVED, CHANGED_AFTER_COMPLETE
from .plan import Plan, Skip, diagnostic

_TENSOR_SHAPE = {"tensorflow.TensorShape", "tensorflow.compat.v1.TensorShape"}


def unwrap_tensor_shape(
    index: TreeIndex, shape: cst.BaseExpression
) -> cst.BaseExpression:
    """`tf.TensorShape([None, 3])` is the shape `[None, 3]`; anything else is itself."""
    if (
        isinstance(shape, cst.Call)
        and index.qualified(shape.func) & _TENSOR_SHAPE
        and len(shape.args) == 1
        and shape.args[0].keyword is None
        and not shape.args[0].star
        and isinstance(shape.args[0].value, (cst.Tuple, cst.List))
    ):
        return shape.args[0].value
    return shape


def build_argument(build_call: cst.Call) -> cst.BaseExpression | None:
    """The shape passed to `build(shape)` or `build(input_shape=shape)`."""
    if len(build_call.args) != 1 or build_call.args[0].star:
        return None
    arg = build_call.args[0]
    if arg.keyword is not None and arg.keyword.value != "input_shape":
        return None
    return arg.value


def shape_elements(node: cst.BaseExpression | None) -> list[str] | None:
    """A shape's elements as code; `(None,) + size + (3,)` puts `*size` for the name."""
    if (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Add)
        and isinstance(node.left, (cst.Tuple, cst.BinaryOperation, cst.Name))
        and isinstance(node.right, (cst.Tuple, cst.BinaryOperation, cst.Name))
    ):
        left, right = shape_elements(node.left), shape_elements(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.Name) and node.value != "None":
        return [f"*{node.value}"]
    if not isinstance(node, (cst.Tuple, cst.List)):
        return None
    if any(isinstance(e, cst.StarredElement) for e in node.elements):
        return None
    return [cst.Module([]).code_for_node(e.value).strip() for e in node.elements]


def _named_tuples(index: TreeIndex, shape: cst.BaseExpression) -> bool:
    """Whether every name a `(None,) + size` shape adds is bound once to a literal tuple,
    so both shapes are the same tuple concatenation."""
    pending, parts = [shape], []
    while pending:
        node = pending.pop()
        if isinstance(node, cst.BinaryOperation):
            pending += [node.left, node.right]
        elif isinstance(node, cst.Name):
            parts.append(node)
    return all(isinstance(index.single_value(n), cst.Tuple) for n in parts)


def input_batch_shape(call: cst.Call) -> list[str] | None:
    """The batch shape an `Input(...)`/`InputLayer(...)` call gives, as element codes."""
    if has_star(call):
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    shape = kwarg(call, "shape") or kwarg(call, "input_shape")
    batch_shape = kwarg(call, "batch_shape") or kwarg(call, "batch_input_shape")
    batch_size = kwarg(call, "batch_size")
    if batch_shape is not None:
        return shape_elements(batch_shape.value)
    shape_value = shape.value if shape is not None else None
    if shape_value is None and positional:
        shape_value = positional[0]
    size_value = batch_size.value if batch_size is not None else None
    if size_value is None and len(positional) > 1:
        size_value = positional[1]
    rest = shape_elements(shape_value)
    if rest is None:
        return None
    head = "None" if size_value is None else cst.Module([]).code_for_node(size_value)
    return [head, *rest]


def arguments_batch_shape(arguments: str) -> list[str] | None:
    """The batch shape of `Input(<arguments>)`, for arguments planned as text."""
    return input_batch_shape(cst.parse_expression(f"Input({arguments})"))  # type: ignore[arg-type]


def drop_repeated_build(
    index: TreeIndex, plan: Plan, known: list[str] | None, detail: str
) -> None:
    """Remove a `build()` that repeats the input the model has; else S2F103 with `detail`."""
    build_call = plan.build_call
    if build_call is None:
        return
    if not build_call.args:
        _note_removed(index, plan, build_call)  # `build()`: nothing to rebuild
        return
    argument = build_argument(build_call)
    shape = unwrap_tensor_shape(index, argument) if argument is not None else None
    given = shape_elements(shape)
    if known is None or given is None or given != known:
        raise Skip(CHANGED_AFTER_COMPLETE, detail, build_call)
    if not _named_tuples(index, shape):  # type: ignore[arg-type]
        raise Skip(CHANGED_AFTER_COMPLETE, detail, build_call)
    first = plan.applications[0] if plan.applications else None
    start = (
        first.line if first is not None and first.line is not None else plan.statement
    )
    if index.rebound_between(shape, start, build_call):  # type: ignore[arg-type]
        raise Skip(CHANGED_AFTER_COMPLETE, detail, build_call)
    _note_removed(index, plan, build_call)


def _note_removed(index: TreeIndex, plan: Plan, build_call: cst.Call) -> None:
    plan.notes.append(
        diagnostic(
            index,
            plan,
            BUILD_REPEATED_REMOVED,
            f"`{index.code(build_call)}`",
            build_call,
        )
    )
