"""`model.layers` and `model.get_layer(...)`: a Functional model lists its InputLayer first.

`Sequential.layers` omits the InputLayer; `Model.layers` has it at index 0.
So `model.layers[i]` becomes `model.layers[i + 1]`, slices shift, `len(...)`
loses one, and a bare `model.layers` becomes `model.layers[1:]` (S2F203).
Negative indexes within the layers count from the end and mean the same
layer. `get_layer(index=...)` counts the InputLayer too (S2F106), and
`.layers` assigned to cannot keep its meaning (S2F106).

When the layer objects themselves are handed further than one attribute read
(`first = model.layers[0]`), the line is recorded: the input step then keeps
their `input_shape=` (S2F207), which a Sequential built from them later
reads. Fixtures: `layers_*`, `safety_get_layer_by_index`, `safety_layers_*`,
`input_shape_kept_when_layers_reused`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis.nodes import NOT_LITERAL, int_literal, slice_bound
from ...diagnostics import LAYERS_INDEX_SHIFTED, SEQUENTIAL_SEMANTICS
from ..plan import Skip
from .base import Effects, Use


def hands_out_layers(use: Use, effects: Effects) -> None:
    if _hands_out(use, use.attribute):  # type: ignore[arg-type]
        effects.layers_read_at = use.line


def get_layer_by_index(use: Use, effects: Effects) -> None:
    """`get_layer(name=None, index=None)`: only an index counts the InputLayer."""
    call = use.index.parent(use.attribute)  # type: ignore[arg-type]
    if isinstance(call, cst.Call) and any(
        (a.keyword is None and position == 1)
        or (a.keyword is not None and a.keyword.value == "index")
        for position, a in enumerate(call.args)
    ):
        raise Skip(
            SEQUENTIAL_SEMANTICS,
            f" (get_layer by index on line {use.line})",
            use.ref.node,
        )


def rewrite_layers(use: Use, effects: Effects) -> None:
    """`model.layers[...]` keeps its meaning although `.layers[0]` is now the InputLayer."""
    attribute: cst.Attribute = use.attribute  # type: ignore[assignment]
    index = use.index
    parent = index.parent(attribute)
    layers_code = index.code(attribute)
    if isinstance(parent, cst.Subscript) and parent.value is attribute:
        if len(parent.slice) == 1 and _subscript(use, effects, parent, layers_code):
            return
    call = index.parent(parent) if isinstance(parent, cst.Arg) else None
    if (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Name)
        and call.func.value == "len"
        and len(call.args) == 1
    ):
        text = f"len({layers_code}) - 1"
        if isinstance(
            index.parent(call),
            (cst.BinaryOperation, cst.UnaryOperation, cst.Attribute, cst.Subscript),
        ):
            text = f"({text})"
        _shift(use, effects, call, text)
        return
    if index.context(attribute) not in (None, ExpressionContext.LOAD):
        raise Skip(
            SEQUENTIAL_SEMANTICS, f" (.layers assigned on line {use.line})", attribute
        )
    _shift(use, effects, attribute, f"{layers_code}[1:]")


def _subscript(
    use: Use, effects: Effects, subscript: cst.Subscript, layers_code: str
) -> bool:
    """Rewrite `layers[i]` or `layers[a:b]`; False when the subscript is not literal."""
    # A loop over another model's layers adds any number of them, maybe none.
    count = sum(1 for a in use.plan.applications if a.top_level and not a.loop)
    index = subscript.slice[0].slice
    if isinstance(index, cst.Index):
        value = int_literal(index.value)
        if value is not None and value < 0 and -value <= count:
            return True  # counted from the end: the same layer either way
        if value is not None and value >= 0:
            _shift(use, effects, subscript, f"{layers_code}[{value + 1}]")
            return True
    elif isinstance(index, cst.Slice) and index.step is None:
        lower = slice_bound(index.lower)
        upper = slice_bound(index.upper)
        if lower is NOT_LITERAL or upper is NOT_LITERAL:
            return False
        if lower is not None and lower < 0 and -lower > count:  # type: ignore[operator]
            return False
        if lower is None:
            new_lower = 1
        else:
            new_lower = lower + 1 if lower >= 0 else lower  # type: ignore[operator]
        new_upper = None if upper is None else (upper + 1 if upper >= 0 else upper)  # type: ignore[operator]
        text = f"{layers_code}[{new_lower}:{'' if new_upper is None else new_upper}]"
        _shift(use, effects, subscript, text)
        return True
    return False


def _shift(use: Use, effects: Effects, node: cst.CSTNode, text: str) -> None:
    note = use.note(LAYERS_INDEX_SHIFTED, f"`{use.index.code(node)}` -> `{text}`", node)
    effects.rewrite(node, text, note)


def _hands_out(use: Use, attribute: cst.Attribute) -> bool:
    """Whether `model.layers`/`model.get_layer` here lets a layer object go further
    than an attribute of it read or set at once (`model.layers[0].name`,
    `len(model.layers)`, `for layer in model.layers: layer.trainable = False`)."""
    index = use.index
    current: cst.CSTNode = attribute
    parent = index.parent(current)
    if isinstance(parent, cst.Call) and parent.func is current:  # get_layer(...)
        current, parent = parent, index.parent(parent)
    current, parent = index.through_subscripts(current)
    if isinstance(parent, cst.Attribute) and parent.value is current:
        return False
    if isinstance(parent, cst.Arg) and parent.value is current:
        call = index.parent(parent)
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value == "len"
        ):
            return False
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current:
        target = parent.target
        if not isinstance(target, cst.Name):
            return True
        scope = parent.body if isinstance(parent, cst.For) else index.parent(parent)
        return any(
            not (
                isinstance(index.parent(n), cst.Attribute)
                and index.parent(n).value is n
            )
            for n in index.walk(scope)
            if isinstance(n, cst.Name) and n.value == target.value and n is not target
        )
    return True
