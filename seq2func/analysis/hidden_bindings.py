"""What may bind a name, or change an array's shape, where no assignment of it shows.

`reaching` follows a name to the assignment that reaches a read; these
change the value out of its sight, and make the read unknown:

- `(x := v)` in a comprehension binds `x` in the scope around it, which
  LibCST's scopes put in the comprehension's own;
- `exec("x = ...")`, `eval(...)`, and a write to `globals()`, `vars()` or
  `locals()` (`globals()["x"] = ...`, `.update(...)`) bind any name;
- `z.resize(...)` and `z.shape = ...` change an array in place, under
  whatever name it is bound to (`z = x`). A module's function of that name
  (`np.resize`, `tf.image.resize`, `cv2.resize`) makes a new array.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from libcst.metadata import ExpressionContext

from .index import TreeIndex
from .nodes import lazy_value

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
# Builtins that run code from a string, and the namespaces code can write to.
_RUN_CODE = ("exec", "eval")
_NAMESPACES = ("globals", "vars", "locals")
# What only reads a namespace: `globals().get("x")`, `"x" in globals()`.
_READS = frozenset({"get", "keys", "items", "values", "copy"})
# Calls and assignments that change an array's shape in place.
IN_PLACE = ("resize", "shape")


def walrus_in_comprehension(index: TreeIndex, name: str) -> cst.NamedExpr | None:
    """A `(name := ...)` in a comprehension, anywhere in the file."""
    for node in index.names.get(name, []):
        walrus = index.parent(node)
        if not (isinstance(walrus, cst.NamedExpr) and walrus.target is node):
            continue
        if any(isinstance(a, _COMPREHENSIONS) for a in index.ancestors(walrus)):
            return walrus
    return None


def dynamic_binding(index: TreeIndex) -> cst.Call | None:
    """A call that may bind names no statement shows: `exec(...)`,
    `globals()["x"] = ...`; a read of a namespace is not one."""
    for builtin in (*_RUN_CODE, *_NAMESPACES):
        for node in index.names.get(builtin, []):
            call = index.parent(node)
            if not (isinstance(call, cst.Call) and call.func is node):
                continue
            if builtin in _NAMESPACES and _only_read(index, call):
                continue
            return call
    return None


def _only_read(index: TreeIndex, call: cst.Call) -> bool:
    use = index.parent(call)
    if isinstance(use, cst.ComparisonTarget):
        return True
    if isinstance(use, cst.Attribute):
        return use.attr.value in _READS
    return (
        isinstance(use, cst.Subscript) and index.context(use) is ExpressionContext.LOAD
    )


def changes_in_place(index: TreeIndex) -> Iterator[cst.Attribute]:
    """Every `z.resize(...)` and `z.shape = ...` of the file."""
    for attr in IN_PLACE:
        for node in index.attributes.get(attr, []):
            if attr == "shape" and index.context(node) is not ExpressionContext.STORE:
                continue
            if attr == "resize" and _of_a_module(index, node.value):
                continue
            yield node


def _of_a_module(index: TreeIndex, receiver: cst.BaseExpression) -> bool:
    """`np`, `tf.image`: a name bound by imports alone."""
    while isinstance(receiver, cst.Attribute):
        receiver = receiver.value
    if not isinstance(receiver, cst.Name):
        return False
    scope = lazy_value(index.scopes.get(receiver))
    try:
        nodes = [getattr(a, "node", None) for a in scope[receiver.value]]
    except Exception:  # no scope, or the name is not bound in it
        return False
    return bool(nodes) and all(
        isinstance(n, (cst.Import, cst.ImportFrom)) for n in nodes
    )
