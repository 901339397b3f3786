"""Whether a `for` loop surely runs its body at least once.

A first build inside a loop (`for mode in cases: model.fit(x, ...)`) builds
the model the first time the body runs, on the data it has then; the later
turns find it built. That is the model's first build only when the loop
surely runs at least once: its iterable is

- a literal `range` that is not empty (`range(3)`, `range(1, 10)`);
- a non-empty literal list or tuple with no `*unpacked` element;
- a name the scope binds once to such a list or tuple and reads nowhere but
  as the iterable of loops: nothing can empty it or hand it to code that
  might (issue 12: keras' `early_stopping_test`, `for mode, monitor,
  expected_mode in cases`).

Anything else may run no turn at all. A body with a `continue` or `break`
of its own may leave the turn before the build, so it is not counted on
either. Fixtures:
`input_first_build_in_loop_over_cases*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.nodes import int_literal
from ..analysis.references import references


def loops_at_least_once(index: TreeIndex, loop: cst.For) -> bool:
    """Whether the body of `loop` surely runs once the loop is reached."""
    if _leaves_turn(loop.body):
        return False
    iterable = loop.iter
    if _nonempty_range(iterable) or _nonempty_literal(iterable):
        return True
    return isinstance(iterable, cst.Name) and _bound_to_nonempty_literal(
        index, iterable
    )


def _leaves_turn(node: cst.CSTNode) -> bool:
    """A `continue` or `break` of this loop: not one of a nested loop or function."""
    for child in node.children:
        if isinstance(child, (cst.Continue, cst.Break)):
            return True
        if isinstance(
            child, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Lambda)
        ):
            if isinstance(child, (cst.For, cst.While)) and child.orelse is not None:
                if _leaves_turn(child.orelse):
                    return True
            continue
        if _leaves_turn(child):
            return True
    return False


def _nonempty_range(iterable: cst.BaseExpression) -> bool:
    if not (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "range"
        and 1 <= len(iterable.args) <= 3
        and all(a.keyword is None and not a.star for a in iterable.args)
    ):
        return False
    bounds = [int_literal(a.value) for a in iterable.args]
    if any(b is None for b in bounds) or (len(bounds) == 3 and bounds[2] == 0):
        return False
    return len(range(*bounds)) > 0  # type: ignore[arg-type]


def _nonempty_literal(iterable: cst.BaseExpression) -> bool:
    return (
        isinstance(iterable, (cst.List, cst.Tuple))
        and bool(iterable.elements)
        and not any(isinstance(e, cst.StarredElement) for e in iterable.elements)
    )


def _bound_to_nonempty_literal(index: TreeIndex, name: cst.Name) -> bool:
    if index.may_be_elided(name.value):
        raise WholeFileNeeded  # narrowing may have blanked its binding or a read
    value = index.single_value(name)
    if value is None or not _nonempty_literal(value):
        return False
    assign = index.parent(value)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return False
    target = assign.targets[0].target
    scope = index.scope_root(assign)
    loop = index.parent(name)
    for ref in references(index, name.value, loop, assign, scope):  # type: ignore[arg-type]
        if ref.node is target:
            continue
        parent = index.parent(ref.node)
        if not (isinstance(parent, cst.For) and parent.iter is ref.node):
            return False
    return True
