"""Other ways to the model: another name, a container, a loop, a clone, a save/load round trip.

`other = model`, `zoo = {"a": model}`, `for m in (a, b)`,
`keras.models.clone_model(model)` and a model saved and loaded back in the
same file all reach the model (or a copy that is Functional too) by another
way than its name. If one of them reads `.layers`, `add`/`pop`, `get_layer`
or Sequential's own private state (`private_state`), or is tested with
`isinstance`/`type`/`.__class__`, the site is skipped
(S2F106), naming the read and the name it went through. Only the copy's own
binding is followed, so a same-named local elsewhere does not count.
Fixtures: `form_alias_and_clone_*`, `form_copy_name_*`,
`safety_*_reads_layers`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis import keras_names
from ...analysis.index import TreeIndex
from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Plan, Skip
from .base import Effects, Use
from .private_state import is_sequential_state

_DISPLAYS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
_ITEMS = (cst.Element, cst.DictElement, cst.StarredElement)
# What a copy may not read: the answers a Functional model gives differently.
_SEQUENTIAL_ATTRIBUTES = ("layers", "add", "pop", "get_layer", "__class__")


def through_copies(use: Use, effects: Effects) -> None:
    check_copies(use.index, use.plan, copies_of(use.index, use.ref.node), use.line)


def check_round_trip(index: TreeIndex, plan: Plan) -> None:
    """A model saved and read back in the same file comes back Functional."""
    if plan.serialized_at is None:
        return
    for node in index.candidates:
        if not isinstance(node, cst.Call) or not index.known(node):
            continue
        if not keras_names.is_deserializer(index.qualified(node.func)):
            continue
        if index.pos(node).start.line <= plan.serialized_at:
            continue
        # A model saved in a function is read back there; one saved at module level, anywhere.
        if (
            plan.scope_node is not index.module
            and plan.scope_node not in index.ancestors(node)
        ):
            continue
        check_copies(
            index, plan, [node, *copies_of(index, node)], taken_at=plan.serialized_at
        )


def copies_of(index: TreeIndex, node: cst.CSTNode) -> list[cst.CSTNode]:
    """Names and expressions that hold this model, or a clone of it, after `node` is read."""
    holder: cst.CSTNode = node
    parent = index.parent(holder)
    if isinstance(parent, cst.Arg) and parent.value is holder:
        call = index.parent(parent)
        if not (
            isinstance(call, cst.Call)
            and keras_names.is_clone(index.qualified(call.func))
        ):
            return []
        holder, parent = call, index.parent(call)
        if isinstance(parent, cst.Attribute) and parent.value is holder:
            return [holder]  # `clone_model(model).layers`
    # A display holding the model: the display is what gets bound or iterated.
    while isinstance(parent, _ITEMS) or (
        isinstance(parent, _DISPLAYS) and holder is not node
    ):
        if isinstance(parent, cst.DictElement) and parent.value is not holder:
            return []
        holder, parent = parent, index.parent(parent)
        if isinstance(holder, _DISPLAYS) and not isinstance(parent, _ITEMS):
            break
    if isinstance(parent, cst.Assign) and parent.value is holder:
        targets = [t.target for t in parent.targets]
    elif isinstance(parent, (cst.AnnAssign, cst.NamedExpr)) and parent.value is holder:
        targets = [parent.target]
    elif isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is holder:
        targets = [parent.target]
    else:
        return []
    return [n for t in targets for n in index.walk(t) if isinstance(n, cst.Name)]


def check_copies(
    index: TreeIndex, plan: Plan, copies: list[cst.CSTNode], taken_at: int
) -> None:
    """A copy (taken on line `taken_at`) read in a way a Functional model answers
    differently keeps the site unchanged."""
    seen: set[str] = set()
    work = list(copies)
    while work:
        copy = work.pop()
        if isinstance(copy, cst.Name):
            if copy.value in seen or copy.value == plan.target:
                continue
            seen.add(copy.value)
            reads = [
                n
                for n in index.names.get(copy.value, [])
                if n is not copy
                and index.known(n)
                and index.context(n) == ExpressionContext.LOAD
                and index.reads_binding(n, copy)
            ]
        else:
            reads = [copy]
        for read in reads:
            use = _sequential_use(index, read)
            if use is not None:
                raise Skip(
                    SEQUENTIAL_SEMANTICS,
                    f" (`{use}` on line {index.line(read)} reaches it through"
                    f" `{index.code(copy)}`, which takes it on line {taken_at})",
                    read,
                )
            work.extend(copies_of(index, read))


def _sequential_use(index: TreeIndex, node: cst.CSTNode) -> str | None:
    """The code of a use of `node` (or of an item of it) whose meaning a Functional model changes."""
    # Items of a display or a loop over it: `models[0].layers`.
    current, parent = index.through_subscripts(node)
    if isinstance(parent, cst.Attribute) and parent.value is current:
        name = parent.attr.value
        if name in _SEQUENTIAL_ATTRIBUTES or is_sequential_state(name):
            return index.code(parent)
        return None
    if isinstance(parent, cst.Arg) and parent.value is current:
        call = index.parent(parent)
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value in ("isinstance", "type")
        ):
            return index.code(call)
    return None
