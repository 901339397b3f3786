"""Step: a layer object the model holds more than once stays in a Sequential.

    block = ResidualBlock(2, 30)
    model = keras.Sequential([keras.layers.Dense(30), block, block, block])

Measured on Keras 3.15.1: `Sequential.layers` lists such a layer at every
place (`[dense, dense]` for `Sequential([Input((3,)), d, d])`), while the
Functional model that applies it twice lists it once after its InputLayer
(`[input_layer, dense]`), so `model.layers`, `len(model.layers)` and
`summary()` would change, beyond the InputLayer `uses/layers.py` shifts
past (weights load either way: the variables are the same). tf_keras 2.21
lists it once in both. The model keeps a Sequential (S2F121) when the same
name, not bound again in between, is listed or added twice; when two names
reach one layer (`e = d`, then `[d, e]`), or two or more names hold objects
the file does not show to be different (parameters); or when a layer is
added in a loop that does not bind it afresh each turn (`for _ in range(3):
model.add(block)`, `for layer in [shared, shared]`). A call in the list makes a new layer each time it runs,
and a list taken from another model (`layers_from_model`) holds each of its
layers once. Fixtures: `safety_repeated_layer_*`, `form_loop_fresh_layer`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.reaching import Unknown, reaching_value
from ..diagnostics import REPEATED_LAYER
from .plan import Application, Plan, Skip

_LOOPS = (cst.For, cst.While)


def check_repeats(index: TreeIndex, plan: Plan) -> None:
    """Raise S2F121 when an application may hand the model a layer it already holds."""
    seen: dict[str, Application] = {}
    named: list[cst.BaseExpression] = []
    for application in plan.applications:
        if application.loop:
            continue
        text = _reference(application.expr)
        if text is None:
            continue
        earlier = seen.get(text)
        if earlier is not None and not index.rebound_between(
            application.expr, earlier.expr, application.expr
        ):
            raise Skip(
                REPEATED_LAYER,
                f" (`{text}` on lines {index.line(earlier.expr)}"
                f" and {index.line(application.expr)})",
                application.expr,
            )
        seen[text] = application
        named.append(application.expr)
        loop = _loop_around(index, plan, application)
        if loop is not None:
            _check_loop(index, loop, application.expr, text)
    _check_origins(index, named)


def _check_loop(
    index: TreeIndex, loop: cst.CSTNode, expr: cst.BaseExpression, text: str
) -> None:
    """A layer added in a loop is new each turn only when the loop binds it
    afresh: `for layer in [a, b]` over distinct layers, or an assignment."""
    if isinstance(loop, cst.For) and isinstance(loop.target, cst.Name):
        if _reference(expr) == loop.target.value and isinstance(
            loop.iter, (cst.List, cst.Tuple)
        ):
            _check_origins(index, [e.value for e in loop.iter.elements], listed=True)
            return
    if not _bound_in(index, loop, expr):
        raise Skip(
            REPEATED_LAYER,
            f" (`{text}` is added in the loop on line {index.line(loop)})",
            expr,
        )


def _check_origins(
    index: TreeIndex, named: list[cst.BaseExpression], listed: bool = False
) -> None:
    """Names that reach one layer object (`e = d`, then `[d, e]`), or two or more
    that the file does not show to be different objects (parameters)."""
    origins: dict[int, cst.BaseExpression] = {}
    unknown: list[cst.BaseExpression] = []
    for expr in named:
        if isinstance(expr, cst.StarredElement):
            raise Skip(REPEATED_LAYER, " (a starred element may repeat a layer)", expr)
        origin = _origin(index, expr)
        if origin is None:
            unknown.append(expr)
            continue
        other = origins.get(id(origin))
        if other is not None and (listed or other is not expr):
            raise Skip(
                REPEATED_LAYER,
                f" (`{index.code(other)}` and `{index.code(expr)}` are one layer)",
                expr,
            )
        origins[id(origin)] = expr
    if len(unknown) > 1:
        first, second = unknown[:2]
        raise Skip(
            REPEATED_LAYER,
            f" (`{index.code(first)}` and `{index.code(second)}` may be one layer)",
            second,
        )


def _origin(index: TreeIndex, expr: cst.BaseExpression) -> cst.CSTNode | None:
    """The expression that made the object a name holds (followed through names
    bound to names), or None when the file does not show it."""
    for _ in range(8):
        if isinstance(expr, cst.Call):
            return expr
        if not isinstance(expr, cst.Name):
            return None
        try:
            value = reaching_value(index, expr)
        except Unknown:
            return None
        if not isinstance(value, cst.BaseExpression):
            return None
        expr = value
    return None


def _reference(expr: cst.BaseExpression) -> str | None:
    """`block` or `self.block`: an expression that names an existing object."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        inner = _reference(expr.value)
        return None if inner is None else f"{inner}.{expr.attr.value}"
    return None


def _loop_around(
    index: TreeIndex, plan: Plan, application: Application
) -> cst.CSTNode | None:
    """The innermost loop around the `add()` inside the model's block, if any."""
    if application.small is None or plan.block is None:
        return None
    for ancestor in index.ancestors_below(application.small, plan.block):
        if isinstance(ancestor, _LOOPS):
            return ancestor
    return None


def _bound_in(index: TreeIndex, loop: cst.CSTNode, expr: cst.BaseExpression) -> bool:
    """Whether the loop (its target or its body) assigns a name the expression reads."""
    return index.rebound_between(expr, loop, loop) is not None
