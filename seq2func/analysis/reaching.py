"""The one assignment whose value a read of a name, or of `self.attr`, sees the first time it runs.

Planning sometimes needs the value behind a name: the data a model is first
fitted on, a dimension in a shape. Python gives the name whichever
assignment ran last, so the answer is known from the code only when exactly
one assignment can reach the read:

- it is the last assignment to the name before the read, in the same scope;
- it sits in a block the read is also in (or in a `with` block of one), so
  it ran whenever the read runs: an assignment in an `if` branch, a loop or a
  `try` body may or may not have run;
- it is a plain `name = value` (or one element of `a, b = x, y`), or an
  augmented `name op= value` whose own input is found the same way;
- nothing changes the value where no assignment shows it
  (`hidden_bindings`): `x.resize(...)` between them, in a function or later
  in a loop around the read, any other array resized in place (`z = x`),
  `exec`, a write to `globals()`, `(x := ...)` in a comprehension.

A read inside a loop is judged for its first run, which is the one a
first `fit` builds a model on, unless the loop assigns the name again: a
model made in the loop is built anew on each turn's value. `self.attr` read in a method is followed to its
assignment earlier in the same method, else to the class's `setUp` (a test
class: unittest runs `setUp` before every test), when no other method
assigns it. Anything else raises `Unknown` with the reason, which the
caller shows to the user.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.metadata import ExpressionContext

from .hidden_bindings import changes_in_place, dynamic_binding, walrus_in_comprehension
from .index import TreeIndex
from .may_reach import lifted_block
from .nodes import lazy_value

Position = tuple[int, int]

# Methods a test runner calls before each test method.
_SETUP_METHODS = ("setUp", "setup_method")


class Unknown(Exception):
    """What the code does not say; the message says why, for a diagnostic."""


class UnpackedFrom(Unknown):
    """A name bound by unpacking a value that is not a literal tuple:
    `(x_train, y_train), _ = load_data()`. `path` is the name's place in the
    targets ((0, 0): the first of the first); a caller that knows what
    `value` holds there reads it, any other takes it as `Unknown`."""

    def __init__(self, message: str, value: cst.BaseExpression, path: tuple[int, ...]):
        super().__init__(message)
        self.value = value
        self.path = path


def reaching_value(index: TreeIndex, node: cst.BaseExpression) -> cst.CSTNode:
    """The value `node` reads: an expression, or an `AugAssign` whose target to read on.

    Raises `Unknown` when no single assignment reaches the read.
    """
    if isinstance(node, cst.Name):
        return _name_value(index, node)
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return _self_value(index, node)
    raise Unknown(f"`{index.code(node)}` is not a name")


def _assignments(index: TreeIndex, name: cst.Name) -> tuple[Any, list[Any]]:
    """The scope `name` is read in and the scope's assignments of it (LibCST's)."""
    scope = lazy_value(index.scopes.get(name))
    if scope is None:
        raise Unknown(f"`{name.value}` is not analysed")
    try:
        return scope, list(scope[name.value])
    except Exception:
        raise Unknown(f"`{name.value}` is not assigned here") from None


def _name_value(index: TreeIndex, name: cst.Name) -> cst.CSTNode:
    walrus = walrus_in_comprehension(index, name.value)
    if walrus is not None:
        raise Unknown(
            f"`{name.value}` is bound by `:=` in a comprehension on line"
            f" {index.line(walrus)}"
        )
    dynamic = dynamic_binding(index)
    if dynamic is not None:
        raise Unknown(
            f"`{index.code(dynamic.func)}()` on line {index.line(dynamic)} may"
            f" bind `{name.value}`"
        )
    scope, assignments = _assignments(index, name)
    root = index.scope_root(name)
    constant = _module_constant(index, name, root, assignments)
    if constant is not None:
        return constant
    stores = []
    for assignment in assignments:
        node = getattr(assignment, "node", None)
        if assignment.scope is not scope or node is None:
            raise Unknown(f"`{name.value}` is not assigned in this scope")
        if node is not root and index.is_deferred_below(node, root):
            # `global x` / `nonlocal x` in a function: it may run at any time.
            raise Unknown(
                f"`{name.value}` is assigned in a function on line {index.line(node)}"
            )
        stores.append(node)
    use = _statement(index, name)
    return _reaching(index, name.value, stores, _start(index, use), _blocks(index, use))


def reaching_class(index: TreeIndex, name: cst.Name) -> cst.ClassDef:
    """The `class` statement `name` reads, when the scope binds the name only by
    `class` statements and the last one before the read surely ran (a notebook
    defining `MyDense` in two cells). Raises `Unknown` otherwise."""
    scope, assignments = _assignments(index, name)
    classes = [getattr(a, "node", None) for a in assignments]
    if any(a.scope is not scope for a in assignments) or not all(
        isinstance(c, cst.ClassDef) for c in classes
    ):
        raise Unknown(f"`{name.value}` is not bound by class statements alone")
    use = _statement(index, name)
    start = _start(index, use)
    before = [c for c in classes if _before(index, c, start)]  # type: ignore[arg-type]
    if not before:
        raise Unknown(f"`{name.value}` is not defined before line {start[0]}")
    last = max(before, key=lambda c: _start(index, c))  # type: ignore[arg-type]
    if lifted_block(index, index.parent(last)) not in _blocks(index, use):  # type: ignore[arg-type]
        raise Unknown(f"`{name.value}` is defined in a block that may not run")
    return last  # type: ignore[return-value]


def _module_constant(
    index: TreeIndex, name: cst.Name, root: cst.CSTNode, assignments: list
) -> cst.BaseExpression | None:
    """`INPUT_DIM = 3` at the top of the module, read in a function defined below it.

    Assigned once, by a top-level statement that ran before the function's
    `def`, to integers (an int, arithmetic, a tuple of them): whenever the
    function runs, the name holds that value.
    """
    if root is index.module or len(assignments) != 1:
        return None
    node = getattr(assignments[0], "node", None)
    target = index.parent(node) if node is not None else None
    assign = index.parent(target) if isinstance(target, cst.AssignTarget) else None
    line = index.parent(assign) if isinstance(assign, cst.Assign) else None
    if (
        line is None
        or index.parent(line) is not index.module
        or len(assign.targets) != 1  # type: ignore[union-attr]
        or not _integers(assign.value)  # type: ignore[union-attr]
    ):
        return None
    outermost = index.top_level(root)
    if _start(index, line) >= _start(index, outermost):
        return None
    return assign.value  # type: ignore[union-attr]


def _integers(value: cst.BaseExpression) -> bool:
    """An immutable integer expression: literals, names, arithmetic, tuples."""
    if isinstance(value, (cst.Integer, cst.Name)):
        return True
    if isinstance(value, cst.UnaryOperation):
        return _integers(value.expression)
    if isinstance(value, cst.BinaryOperation):
        return _integers(value.left) and _integers(value.right)
    if isinstance(value, cst.Tuple):
        return all(
            isinstance(e, cst.Element) and _integers(e.value) for e in value.elements
        )
    return False


def _self_value(index: TreeIndex, node: cst.Attribute) -> cst.CSTNode:
    label = index.code(node)
    method = index.enclosing_function(node)
    cls = index.parent(index.parent(method)) if method is not None else None
    if not isinstance(cls, cst.ClassDef):
        raise Unknown(f"`{label}` is not read in a method")
    stores = [
        a
        for a in index.attributes.get(node.attr.value, [])
        if index.code(a) == label
        and index.context(a) is ExpressionContext.STORE
        and cls in index.ancestors(a)
    ]
    use = _statement(index, node)
    start = _start(index, use)
    own = [s for s in stores if method in index.ancestors(s)]
    if any(_before(index, s, start) for s in own):
        return _reaching(index, label, own, start, _blocks(index, use))
    setup = _setup(cls)
    if setup is None:
        raise Unknown(f"`{label}` is not assigned before it is read")
    elsewhere = [s for s in stores if s not in own and setup not in index.ancestors(s)]
    if elsewhere:
        raise Unknown(f"`{label}` is also assigned on line {index.line(elsewhere[0])}")
    in_setup = [s for s in stores if setup in index.ancestors(s)]
    end = index.pos(setup).end
    return _reaching(index, label, in_setup, (end.line, end.column), {setup.body})


def _setup(cls: cst.ClassDef) -> cst.FunctionDef | None:
    """The `setUp` of a test class (one whose base is a `...TestCase`)."""
    if not any(
        isinstance(b.value, (cst.Name, cst.Attribute))
        and _last_name(b.value).endswith("TestCase")
        for b in cls.bases
    ):
        return None
    for statement in cls.body.body:
        if (
            isinstance(statement, cst.FunctionDef)
            and statement.name.value in _SETUP_METHODS
        ):
            return statement
    return None


def _last_name(node: cst.Name | cst.Attribute) -> str:
    return node.value if isinstance(node, cst.Name) else node.attr.value


def _reaching(
    index: TreeIndex,
    label: str,
    stores: list[cst.CSTNode],
    start: Position,
    blocks: set[cst.CSTNode],
) -> cst.CSTNode:
    """The value of the last store before `start`, when it ran for sure."""
    before = [s for s in stores if _before(index, s, start)]
    if not before:
        raise Unknown(f"`{label}` is not assigned before line {start[0]}")
    last = max(before, key=lambda s: _start(index, s))
    try:
        value: cst.CSTNode | UnpackedFrom = _assigned_value(index, last, label)
    except UnpackedFrom as unpacked:
        value = unpacked  # raised once the checks below pass
    statement = index.parent(_assignment(index, last))
    block = lifted_block(index, index.parent(statement))
    if block not in blocks:
        raise Unknown(
            f"`{label}` is assigned on line {index.line(last)} in a block that may not run"
        )
    again = _assigned_again_in_loop(index, stores, last, blocks)
    if again is not None:
        raise Unknown(
            f"`{label}` is assigned again on line {index.line(again)} in the loop"
            " around the read: a later turn reads that value"
        )
    changed = _changed_in_place(index, label, last, start, blocks)
    if changed is not None:
        raise Unknown(
            f"`{index.code(changed)}` on line {index.line(changed)} changes its shape"
        )
    if isinstance(value, UnpackedFrom):
        try:
            raise value
        finally:
            del value  # this frame is on its traceback: no cycle through it
    return value


def _assigned_again_in_loop(
    index: TreeIndex,
    stores: list[cst.CSTNode],
    last: cst.CSTNode,
    blocks: set[cst.CSTNode],
) -> cst.CSTNode | None:
    """A store in the body of a loop around the read that the reaching store
    is outside of: the loop's next turn reads that value, and a model made in
    the loop is built anew on it (measured: Keras 3.15 builds each new
    Sequential on the data of its own first fit)."""
    for block in blocks:
        loop = index.parent(block)
        if not isinstance(loop, (cst.For, cst.While)) or block is not loop.body:
            continue
        if block in index.ancestors(last):
            continue
        for store in stores:
            if store is not last and block in index.ancestors(store):
                return store
    return None


def _assigned_value(index: TreeIndex, store: cst.CSTNode, label: str) -> cst.CSTNode:
    parent = index.parent(store)
    if isinstance(parent, cst.AssignTarget):
        return index.parent(parent).value  # type: ignore[union-attr]
    if isinstance(parent, cst.AugAssign) and parent.target is store:
        return parent
    if isinstance(parent, cst.Element):
        value = _unpacked(index, parent)
        if value is not None:
            return value
    message = f"`{label}` is {_kind(store, parent)} on line {index.line(store)}"
    if isinstance(parent, cst.Element):
        source = _unpacked_from(index, parent)
        if source is not None:
            raise UnpackedFrom(message, *source)
    raise Unknown(message)


def _unpacked_from(
    index: TreeIndex, element: cst.Element
) -> tuple[cst.BaseExpression, tuple[int, ...]] | None:
    """The value unpacked and the element's place in the targets, nested tuples too."""
    path: list[int] = []
    node: cst.CSTNode | None = element
    while isinstance(node, cst.Element):
        targets = index.parent(node)
        if not isinstance(targets, (cst.Tuple, cst.List)) or any(
            isinstance(e, cst.StarredElement) for e in targets.elements
        ):
            return None
        path.insert(0, list(targets.elements).index(node))
        node = index.parent(targets)
    if not isinstance(node, cst.AssignTarget):
        return None
    assign = index.parent(node)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    return assign.value, tuple(path)


def _unpacked(index: TreeIndex, element: cst.Element) -> cst.BaseExpression | None:
    """`y` for the `b` of `a, b = x, y`."""
    targets = index.parent(element)
    target = index.parent(targets) if targets is not None else None
    if not (
        isinstance(targets, (cst.Tuple, cst.List))
        and isinstance(target, cst.AssignTarget)
    ):
        return None
    value = index.parent(target).value  # type: ignore[union-attr]
    if not isinstance(value, (cst.Tuple, cst.List)):
        return None
    if len(value.elements) != len(targets.elements) or any(
        isinstance(e, cst.StarredElement) for e in (*value.elements, *targets.elements)
    ):
        return None
    return value.elements[list(targets.elements).index(element)].value


def _kind(store: cst.CSTNode, parent: cst.CSTNode | None) -> str:
    if isinstance(store, cst.Param) or isinstance(parent, cst.Param):
        return "a parameter"
    if isinstance(parent, (cst.For, cst.CompFor)):
        return "a loop variable"
    if isinstance(store, (cst.Import, cst.ImportFrom)) or isinstance(
        parent, cst.ImportAlias
    ):
        return "imported"
    if isinstance(parent, (cst.AsName, cst.WithItem)):
        return "bound by `as`"
    return "bound in a way the converter does not read"


def _assignment(index: TreeIndex, store: cst.CSTNode) -> cst.CSTNode:
    """The `Assign`/`AugAssign` statement a store belongs to."""
    for a in index.ancestors(store):
        if isinstance(a, cst.BaseSmallStatement):
            return a
    raise Unknown("not an assignment statement")


def _statement(index: TreeIndex, node: cst.CSTNode) -> cst.CSTNode:
    """The simple statement (or compound statement header) that holds `node`."""
    for a in index.ancestors(node):
        if isinstance(a, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return a
    return node


def _blocks(index: TreeIndex, node: cst.CSTNode) -> set[cst.CSTNode]:
    """The blocks a statement runs in: where an assignment that reaches it for sure may sit."""
    return {
        a
        for a in index.ancestors(node)
        if isinstance(a, (cst.IndentedBlock, cst.Module))
    }


def _start(index: TreeIndex, node: cst.CSTNode) -> Position:
    where = index.pos(node).start
    return (where.line, where.column)


def _before(index: TreeIndex, node: cst.CSTNode, start: Position) -> bool:
    return _start(index, node) < start


def _changed_in_place(
    index: TreeIndex,
    label: str,
    last: cst.CSTNode,
    read: Position,
    blocks: set[cst.CSTNode],
) -> cst.CSTNode | None:
    """An in-place change the read may see: `x.resize(...)` or `x.shape = ...`
    between the assignment and the read, in a function (it may run at any
    time), or later in a loop around the read; any other name's, which may be
    the same array (`z = x`)."""
    start = _start(index, last)
    for node in changes_in_place(index):
        if not index.known(node):
            continue
        if index.code(node.value) != label or start < _start(index, node) < read:
            return node
        if index.enclosing_function(node) not in (None, index.enclosing_function(last)):
            return node
        for block in blocks:
            loop = index.parent(block)
            if (
                isinstance(loop, (cst.For, cst.While))
                and block is loop.body
                and block in index.ancestors(node)
                and block not in index.ancestors(last)
            ):
                return node
    return None
