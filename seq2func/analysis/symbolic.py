"""Whether an expression is a symbolic Keras tensor (a `KerasTensor`), as far as the code says.

Calling a layer or a model on a `KerasTensor` adds it to a graph; calling it
on data (a NumPy array, `tf.constant`, a batch) runs it. Only the first makes
a model a layer of another one. A value is symbolic here when it is
`keras.Input(...)`, a model's `.input`/`.output` (and their plural forms),
an item of one, or the result of a call or arithmetic that takes one;
a name is symbolic when a binding that reaches it (`analysis.may_reach`)
assigns such a value. Parameters, loop variables and imports are not: the
code does not say what they hold.
"""

from __future__ import annotations

import libcst as cst

from . import keras_names
from .index import TreeIndex
from .may_reach import reaching_bindings

# `base.output`, `model.inputs`: the symbolic tensors every built model holds.
_SYMBOLIC_ATTRIBUTES = frozenset({"input", "inputs", "output", "outputs"})


def is_symbolic(index: TreeIndex, expr: cst.BaseExpression) -> bool:
    """Whether `expr` holds a KerasTensor on some path the code shows."""
    return _symbolic(index, expr, set())


def _symbolic(index: TreeIndex, expr: cst.CSTNode, seen: set[int]) -> bool:
    if id(expr) in seen:
        return False  # `x = layer(x)` in a loop: the first turn decides
    seen.add(id(expr))
    if isinstance(expr, cst.Name):
        bindings = reaching_bindings(index, expr)
        return any(
            b.value is not None and _symbolic(index, b.value, seen)
            for b in bindings or ()
        )
    if isinstance(expr, cst.Call):
        if keras_names.is_input(index.qualified(expr.func)):
            return True
        return any(_symbolic(index, arg.value, seen) for arg in expr.args)
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in _SYMBOLIC_ATTRIBUTES
    if isinstance(expr, cst.Subscript):
        return _symbolic(index, expr.value, seen)
    if isinstance(expr, cst.BinaryOperation):
        return _symbolic(index, expr.left, seen) or _symbolic(index, expr.right, seen)
    if isinstance(expr, cst.UnaryOperation):
        return _symbolic(index, expr.expression, seen)
    if isinstance(expr, (cst.List, cst.Tuple)):
        return any(_symbolic(index, e.value, seen) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return any(
            isinstance(e, cst.DictElement) and _symbolic(index, e.value, seen)
            for e in expr.elements
        )
    return False
