"""Whether data read in a loop is the same on every pass of it.

A model made and first built in a loop, as k-fold validation does

    for i in range(k):
        fold_x = np.concatenate([x[: i * n], x[(i + 1) * n :]], axis=0)
        model = build_model()
        model.fit(fold_x, ...)

is built on each pass's data, while `reaching` reads a name for the first
pass only. The data has the same shape on every pass when each name it reads
is either not bound in the loop at all, or bound only by plain assignments
that are statements of the loop's body before the build (so every pass runs
them first), whose own values pass the same test. The loop's own variables
are rebound each pass: the shape readers refuse them wherever a dimension
depends on one. A call of a function of this file may read anything the
loop changes, and is refused. So is a file that changes an array's shape in
place anywhere (`z.resize(...)`, `z.shape = ...`: `z = x` may be the data,
as may a global a function the loop calls resizes), or binds names by
`exec`, `eval` or `globals()`: no binding in the loop shows those.
"""

from __future__ import annotations

import libcst as cst

from .index import TreeIndex
from .hidden_bindings import IN_PLACE, changes_in_place

# Builtins that bind names no assignment shows.
_BINDS_UNSEEN = ("exec", "eval", "globals", "vars", "locals")


def changes_between_passes(
    index: TreeIndex, loop: cst.For | cst.While, build: cst.CSTNode, data: cst.CSTNode
) -> str | None:
    """Why `data`, read by `build` in the loop, may differ from one pass to the
    next; None when every pass reads it alike."""
    body = list(loop.body.body) if isinstance(loop.body, cst.IndentedBlock) else []
    holder = next((a for a in index.ancestors(build) if a in body), None)
    if holder is None:
        return "is not a statement of the loop's body"
    unseen = _unseen_change(index)
    if unseen is not None:
        return unseen
    bound = _Bindings()
    loop.body.visit(bound)
    functions = {
        node.name.value
        for node in index.module.body
        if isinstance(node, cst.FunctionDef)
    }
    pending, seen = [data], set()
    while pending:
        expression = pending.pop()
        for name in _names_read(expression):
            if name in functions and _called(expression, name):
                return f"reads `{name}()`, a function of this file, in the loop"
            if name in seen:
                continue
            seen.add(name)
            for node in bound.found.get(name, ()):
                line = index.parent(node)
                if not (
                    isinstance(node, cst.Assign)
                    and line in body
                    and body.index(line) < body.index(holder)
                ):
                    return f"reads `{name}`, which line {index.line(node)} changes in the loop"
                pending.append(node.value)
    return None


def _unseen_change(index: TreeIndex) -> str | None:
    """Why the data may change where no binding in the loop shows it: an array
    resized in place through another name, or names bound by `exec`."""
    for node in changes_in_place(index):
        return (
            f"is in a loop, and line {index.line(node)} changes an array's"
            " shape in place, which may be the data's"
        )
    for name in _BINDS_UNSEEN:
        for node in index.names.get(name, []):
            parent = index.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                return (
                    f"is in a loop, and `{name}()` on line {index.line(node)} may"
                    " bind the data's names"
                )
    return None


class _Bindings(cst.CSTVisitor):
    """Every name bound in a block, by the nodes that bind it, nested scopes aside."""

    def __init__(self) -> None:
        self.found: dict[str, list[cst.CSTNode]] = {}

    def _bind(self, target: cst.CSTNode, node: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.found.setdefault(target.value, []).append(node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, node)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, node)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            # `x.shape = ...`, `x[0] = ...`: the object changes, so does `x`.
            self._bind(target.value, node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, node)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        name = node.asname.name if node.asname else node.name
        while isinstance(name, cst.Attribute):
            name = name.value
        self._bind(name, node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in IN_PLACE:
            self._bind(func.value, node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name, node)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name, node)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    # A comprehension's loop variables (`CompFor`, not visited as `For`) are
    # its own; `(x := ...)` in it binds the enclosing scope's `x`, and is seen.


def _names_read(expression: cst.CSTNode) -> list[str]:
    """The names an expression reads: not attributes' own names, nor keywords."""
    found: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.append(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        else:
            stack.extend(node.children)
    return found


def _called(expression: cst.CSTNode, name: str) -> bool:
    stack = [expression]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == name
        ):
            return True
        stack.extend(node.children)
    return False
