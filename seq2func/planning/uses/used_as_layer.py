"""The model used as a layer of another model (S2F107 at the constructor, S2F117 later).

Converting such a model would change the outer model's layer from a
Sequential to a Functional one: Keras 3 weight files key a nested model by
its class, so weights the original saved would no longer load, unless the
model owns no weights (`weightless`: then it is converted, S2F221). A model held
in a variable and called later is usually called on data, which a conversion
keeps; only a call on a symbolic tensor (`keras.Input`, another layer's
output: `analysis.symbolic`, following only the bindings that reach the
argument) makes it a layer. A NumPy array, `tf.constant`, a function's
parameter is data as far as the code says. Fixtures: `form_nested_sequential`,
`safety_used_as_layer`, `later_called_on_*`.
"""

from __future__ import annotations

import libcst as cst

from ...analysis import keras_names
from ...analysis.index import TreeIndex
from ...analysis.symbolic import is_symbolic
from ...diagnostics import USED_AS_LAYER, WEIGHTLESS_INNER_CONVERTED
from ..plan import Skip
from .base import Effects, Use
from .weightless import outer_keys_move, owns_no_weights


def used_as_layer_later(use: Use, effects: Effects) -> None:
    node = use.ref.node
    if not (
        used_as_layer(use.index, node, called=False)
        or _called_on_symbolic(use.index, node)
    ):
        return
    if not owns_no_weights(use.index, use.plan):
        raise Skip(USED_AS_LAYER, "", node)
    moved = outer_keys_move(use.index, use.plan, node)
    if moved is not None:
        raise Skip(USED_AS_LAYER, f" ({moved})", node)
    detail = f"it is a layer of another model on line {use.line}"
    effects.notes.append(use.note(WEIGHTLESS_INNER_CONVERTED, detail, node))


def used_as_layer(index: TreeIndex, node: cst.CSTNode, called: bool = True) -> bool:
    """Inside another model's layer list, an `add(...)`, a layer wrapper, or (for a
    constructor) called on a tensor at once."""
    parent = index.parent(node)
    if called and isinstance(parent, cst.Call) and parent.func is node:
        return True
    for a in index.until_statement(node):
        if not isinstance(a, cst.Call):
            continue
        q = index.qualified(a.func)
        if keras_names.sequential_family(q) or keras_names.keras_layer_class(q):
            return True
        if isinstance(a.func, cst.Attribute) and a.func.attr.value == "add":
            return True
    return False


def _called_on_symbolic(index: TreeIndex, node: cst.CSTNode) -> bool:
    """`model(inputs)` where the value that reaches `inputs` is a KerasTensor."""
    call = index.parent(node)
    if not (isinstance(call, cst.Call) and call.func is node and call.args):
        return False
    return any(is_symbolic(index, arg.value) for arg in call.args)
