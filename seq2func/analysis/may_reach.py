"""Every assignment of a name that may reach one read of it, and the values they assign.

`analysis.reaching` asks for the one assignment a read sees for sure (and
gives up otherwise); this module answers the other question, which
assignments the read may see, for rules that must consider them all.

LibCST's scope analysis gives every assignment of the name that comes before
the read in its scope (and every one of an enclosing scope), whether a later
one overwrote it or not. Here a plain assignment in a block that holds the
read (so it runs, on every path, before the read), or in a `with` body
there, hides the ones before it, and one later in a loop around the read is
counted too: the next turn of the loop reads it. (A context manager that
swallows an exception raised before the assignment would let the earlier
model through: `with pytest.raises(...)` and its kin are not read so.) A read in a function reads the enclosing scope's name
whenever the function runs, so every binding there counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .index import TreeIndex
from .nodes import DEFERRED, lazy_value

_LOOPS = (cst.For, cst.While)
_BLOCKS = (cst.Module, cst.IndentedBlock)


@dataclass(frozen=True)
class Binding:
    """One assignment of a name that may reach a read."""

    target: cst.CSTNode  # the Name assigned, or the import/parameter/def that binds it
    value: cst.BaseExpression | None  # what `name = value` assigns; None otherwise


def reaching_bindings(index: TreeIndex, read: cst.Name) -> list[Binding] | None:
    """The bindings of `read` that may give it its value; None when the scope is unknown."""
    key = ("may_reach", read)
    if key not in index.memo:
        index.memo[key] = _reaching_bindings(index, read)
    found = index.memo[key]
    return None if found is None else list(found)  # type: ignore[call-overload]


def _reaching_bindings(index: TreeIndex, read: cst.Name) -> tuple[Binding, ...] | None:
    scope = lazy_value(index.scopes.get(read))
    if scope is None:
        return None
    access = next((a for a in scope.accesses[read.value] if a.node is read), None)
    if access is None:
        return None
    referents = [a for a in access.referents if hasattr(a, "node")]
    local = [a.node for a in referents if a.scope is scope]
    outer = [a.node for a in referents if a.scope is not scope]
    chosen = _not_hidden(index, read, local) + _later_in_loop(index, read, scope)
    return tuple(_binding(index, node) for node in chosen + outer)


def _not_hidden(
    index: TreeIndex, read: cst.Name, nodes: list[cst.CSTNode]
) -> list[cst.CSTNode]:
    """The earlier assignments in the read's scope, up to the last that always runs first."""
    nodes = sorted(nodes, key=lambda n: _start(index, n), reverse=True)
    read_ancestors = set(map(id, index.ancestors(read)))
    kept = []
    for node in nodes:
        kept.append(node)
        if _plain_assignment(index, node) is None:
            continue
        statement = index.parent(index.enclosing_small(node))
        block = lifted_block(index, index.parent(statement))
        if isinstance(block, _BLOCKS) and id(block) in read_ancestors:
            break  # it runs before the read on every path, hiding those before it
    return kept


# Context managers that exist to swallow an exception (`pytest.raises`,
# `self.assertRaises`, `contextlib.suppress`): a statement of their body may
# never run, and execution goes on after the `with` all the same.
_SWALLOWING = re.compile(r"raises|suppress|catch|ignore|expect", re.IGNORECASE)


def lifted_block(index: TreeIndex, block: cst.CSTNode | None) -> cst.CSTNode | None:
    """The block a statement of `block` runs in for sure: a `with` body runs
    whenever the `with` does, unless its manager may swallow an exception."""
    while isinstance(block, cst.IndentedBlock) and isinstance(
        index.parent(block), cst.With
    ):
        statement = index.parent(block)
        if any(_swallows(item.item) for item in statement.items):
            break
        block = index.parent(statement)
    return block


def _swallows(manager: cst.BaseExpression) -> bool:
    function = manager.func if isinstance(manager, cst.Call) else manager
    while isinstance(function, cst.Attribute):
        if _SWALLOWING.search(function.attr.value):
            return True
        function = function.value
    return isinstance(function, cst.Name) and bool(_SWALLOWING.search(function.value))


def _later_in_loop(index: TreeIndex, read: cst.Name, scope) -> list[cst.CSTNode]:
    """Assignments after the read inside a loop around it: the next turn reads them."""
    loops = []
    for a in index.ancestors(read):
        if isinstance(a, DEFERRED):
            break  # a loop around the function does not run its body again
        if isinstance(a, _LOOPS):
            loops.append(a)
    if not loops:
        return []
    outermost = index.pos(loops[-1])
    after = _start(index, read)
    found = []
    for assignment in scope.assignments[read.value]:
        node = getattr(assignment, "node", None)
        if node is None or node not in index.positions:
            continue
        where = _start(index, node)
        if where > after and where < (outermost.end.line, outermost.end.column):
            found.append(node)
    return found


def _binding(index: TreeIndex, node: cst.CSTNode) -> Binding:
    return Binding(node, _plain_assignment(index, node))


def _plain_assignment(index: TreeIndex, node: cst.CSTNode) -> cst.BaseExpression | None:
    """`value` when `node` is the whole target of `node = value` (or `node: T = value`)."""
    parent = index.parent(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        assign = index.parent(parent)
        if isinstance(assign, cst.Assign):
            return assign.value
    if isinstance(parent, cst.AnnAssign) and parent.target is node:
        return parent.value
    return None


def _start(index: TreeIndex, node: cst.CSTNode) -> tuple[int, int]:
    start = index.pos(node).start
    return (start.line, start.column)
