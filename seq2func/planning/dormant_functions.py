"""Uses of the model in functions that cannot run between the site and its first build.

A function that reads the model's name (`predictions = model(inputs, W, b)`
in a training step written before the model existed) runs whenever it is
called, so `first_build` takes any such use as a possible use before the
model is built. A function defined before the site, in the site's scope,
whose name is read nowhere but in plain calls `step(...)` that all come
before the site (not in a function, a lambda or a class) never runs once the
site has run, unless the site is in a loop: nothing else holds it. Its uses
are not the model's.

Decorators may keep the function elsewhere (a registry, a callback list),
so only undecorated functions and `tf.function` ones, which only wrap it,
qualify. Fixtures: `input_first_build_function_called_*`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.nodes import DEFERRED
from ..analysis.references import Ref
from .plan import Plan

# Decorators that wrap a function without keeping it anywhere.
_WRAPPING = frozenset({"tensorflow.function"})


def may_run_later(index: TreeIndex, plan: Plan, refs: list[Ref]) -> list[Ref]:
    """The deferred uses in `refs` whose function may run after the site."""
    kept = []
    for ref in refs:
        holder = _dormant(index, plan, ref)
        if holder is None:
            kept.append(ref)
        elif index.may_be_elided(holder.name.value):
            # A function is dormant only when every call of it is seen, and
            # narrowing may have blanked a later one.
            raise WholeFileNeeded
    return kept


def _dormant(index: TreeIndex, plan: Plan, ref: Ref) -> cst.FunctionDef | None:
    """The function that holds the use, if it cannot run after the site."""
    holder = _outermost(index, plan, ref.node)
    if not isinstance(holder, cst.FunctionDef) or plan.small is None:
        return None
    if any(
        isinstance(a, (cst.For, cst.While))
        for a in index.ancestors_below(plan.small, plan.scope_node)  # type: ignore[arg-type]
    ):
        return None  # a call before the site in the loop's body runs after it too
    if index.scope_root(holder) is not plan.scope_node:
        return None
    if not all(_wraps_only(index, d) for d in holder.decorators):
        return None
    site = index.pos(plan.small).start
    if (index.pos(holder).start.line, 0) >= (site.line, 0):
        return None
    name = holder.name
    for node in index.names.get(name.value, []):
        if node is name or not index.known(node) or _binds(index, node):
            continue
        if not index.reads_binding(node, holder):  # type: ignore[arg-type]
            continue
        call = index.parent(node)
        if not (isinstance(call, cst.Call) and call.func is node):
            return None
        if index.scope_root(node) is not index.scope_root(holder):
            return None
        if index.is_deferred_below(node, index.scope_root(holder)):
            return None
        where = index.pos(node).start
        if (where.line, where.column) >= (site.line, site.column):
            return None
    return holder


def _outermost(index: TreeIndex, plan: Plan, node: cst.CSTNode) -> cst.CSTNode | None:
    holder = None
    for a in index.ancestors(node):
        if a is plan.scope_node:
            break
        if isinstance(a, DEFERRED):
            holder = a
    return holder


def _wraps_only(index: TreeIndex, decorator: cst.Decorator) -> bool:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    return bool(index.qualified(target) & _WRAPPING)


def _binds(index: TreeIndex, node: cst.Name) -> bool:
    """Another `def`/`class` of the name, or an assignment to it: no call."""
    parent = index.parent(node)
    if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
        return True
    return index.context(node) is ExpressionContext.STORE
