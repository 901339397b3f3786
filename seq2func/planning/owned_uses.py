"""Which occurrences of the target read this site's model, and which may read another.

A name bound to a model may be bound again: `model = Sequential(...)` twice
in a notebook, once per branch of an `if`, once per turn of a loop. A use
reads this site's model when this site's assignment reaches it
(`analysis.may_reach`): an assignment after it on every path hides it, one
in a branch or a loop does not, and the use may then read either model
(`shared`): it may keep its code, but not be rewritten for one of them.

A use inside a function reads the name when the function runs, which may be
any time after its `def` ran. So a function defined after an assignment
that always replaces this model (and the site not in a loop, which would
bind it again after the `def`) never sees it; one defined before, or
between, may run while this model is bound, and its uses count for it.
An assignment whose value reads the name (`model = wrap(model)`) may hand
the same model back: what it reaches may be this model too (shared), and it
replaces nothing.

Targets that are attributes (`self.model`) are not followed by binding:
their uses run up to the next assignment of the attribute in the same
scope, and every use in a function counts. Fixtures: `later_rebound_*`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.nodes import DEFERRED
from ..analysis.may_reach import reaching_bindings
from ..analysis.references import Ref
from .plan import Plan

_LOOPS = (cst.For, cst.While)
_BLOCKS = (cst.Module, cst.IndentedBlock)


@dataclass
class OwnedUses:
    live: list[Ref] = field(default_factory=list)  # after the site, only its model
    shared: list[Ref] = field(default_factory=list)  # this model or another
    deferred: list[Ref] = field(default_factory=list)  # in code that runs later


def owned_uses(index: TreeIndex, plan: Plan, refs: list[Ref]) -> OwnedUses:
    end = index.pos(plan.small).end
    site_end = (end.line, end.column)
    target = _target_name(plan)
    if target is None:
        return _by_position(refs, site_end)
    owned = OwnedUses()
    for ref in refs:
        if ref.node is target or ref.deferred or ref.rebinds:
            continue
        bindings = reaching_bindings(index, ref.node)  # type: ignore[arg-type]
        if bindings is None:
            return _by_position(refs, site_end)  # no scope facts: the old way
        reaching = {id(b.target) for b in bindings}
        # `model = wrap(model)` may hand the same object back.
        through = {
            id(b.target)
            for b in bindings
            if b.value is not None and _mentions(index, b.value, target.value)
        }
        if id(target) not in reaching and not reaching & through:
            continue
        if reaching == {id(target)} and ref.start > site_end:
            owned.live.append(ref)
        else:
            owned.shared.append(ref)
    owned.deferred = _deferred(index, plan, refs, site_end)
    return owned


def _target_name(plan: Plan) -> cst.Name | None:
    """The name the site's statement assigns, when it is a plain name."""
    small = plan.small
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign):
        target = small.target
    else:
        return None
    return target if isinstance(target, cst.Name) else None


def _by_position(refs: list[Ref], site_end: tuple[int, int]) -> OwnedUses:
    """Uses after the site up to the next assignment in its scope; every deferred use."""
    after = [r for r in refs if r.start > site_end]
    rebind = next((r for r in after if not r.deferred and r.rebinds), None)
    live = [
        r
        for r in after
        if not r.deferred and (rebind is None or r.start < rebind.start)
    ]
    return OwnedUses(live=live, deferred=[r for r in refs if r.deferred])


def _deferred(
    index: TreeIndex, plan: Plan, refs: list[Ref], site_end: tuple[int, int]
) -> list[Ref]:
    """Uses in functions that may run while this site's model is bound."""
    assert plan.scope_node is not None
    in_loop = any(
        isinstance(a, _LOOPS)
        for a in index.ancestors_below(plan.small, plan.scope_node)
    )
    replacing = [
        r
        for r in refs
        if r.rebinds
        and not r.deferred
        and r.start > site_end
        and not in_loop
        and not _passes_on(index, r)
    ]
    found = []
    for ref in refs:
        if not ref.deferred:
            continue
        holder = _outermost_deferred(index, ref.node, plan.scope_node)
        if holder is not None and any(
            _always_before(index, r, holder) for r in replacing
        ):
            continue  # defined once this model is replaced: it never reads it
        found.append(ref)
    return found


def _passes_on(index: TreeIndex, rebind: Ref) -> bool:
    """`model = wrap(model)`: the new value may be the same object; not a plain store
    counts too (`model += ...`, `for model in ...`)."""
    parent = index.parent(rebind.node)
    assign = index.parent(parent) if isinstance(parent, cst.AssignTarget) else parent
    value = getattr(assign, "value", None)
    if not isinstance(assign, (cst.Assign, cst.AnnAssign)) or value is None:
        return True
    return _mentions(index, value, rebind.node.value)  # type: ignore[attr-defined]


def _mentions(index: TreeIndex, value: cst.CSTNode, name: str) -> bool:
    return name in index.names_read(value)


def _outermost_deferred(
    index: TreeIndex, node: cst.CSTNode, root: cst.CSTNode
) -> cst.CSTNode | None:
    holder = None
    for a in index.ancestors_below(node, root):
        if isinstance(a, DEFERRED):
            holder = a
    return holder


def _always_before(index: TreeIndex, rebind: Ref, holder: cst.CSTNode) -> bool:
    """Whether the assignment `rebind` runs, on every path, before `holder` is defined."""
    start = index.pos(holder).start
    if rebind.start >= (start.line, start.column):
        return False
    statement = index.parent(index.enclosing_small(rebind.node))
    block = index.parent(statement)
    return isinstance(block, _BLOCKS) and any(
        a is block for a in index.ancestors(holder)
    )
