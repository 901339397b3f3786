"""Other ways to the model: another name, a container, a loop, a clone, a save/load round trip.

`other = model`, `zoo = {"a": model}`, `for m in (a, b)`,
`keras.models.clone_model(model)` and a model saved and loaded back in the
same file all reach the model (or a copy that is Functional too) by another
way than its name. If one of them reads `.layers`, `add`/`pop`, `get_layer`
or Sequential's own private state (`private_state`), or is tested with
`isinstance`/`type`/`.__class__`, the site is skipped
(S2F106), naming the read and the name it went through. Only the copy's own
binding is followed (a read that binding may reach), so a same-named local
elsewhere, or the name before it is bound, does not count. A copy that is
certainly Functional (`round_trip`: a plain clone, the file this model saved
read back) has its `.layers`/`get_layer` reads rewritten by the model's own
rule instead. Fixtures: `form_alias_and_clone_*`, `form_copy_name_*`,
`safety_*_reads_layers`, `later_round_trip_*`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis import keras_names
from ...analysis.index import TreeIndex
from ...analysis.may_reach import reaching_bindings
from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Plan, Skip
from . import round_trip
from .base import Effects, Use
from .private_state import is_sequential_state

_DISPLAYS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
_ITEMS = (cst.Element, cst.DictElement, cst.StarredElement)
# What a copy may not read: the answers a Functional model gives differently.
_SEQUENTIAL_ATTRIBUTES = ("layers", "add", "pop", "get_layer", "__class__")


@dataclass(frozen=True)
class Copy:
    """What holds a copy of the model, and whether it is certainly a Functional one."""

    node: cst.CSTNode
    functional: bool = False


def through_copies(use: Use, effects: Effects) -> None:
    node = use.ref.node
    # Only a clone is a copy; `other = model` still skips on `.layers`, as it did.
    functional = round_trip.hands_on(use.index, node, cloned_only=True)
    found = [Copy(c, functional) for c in copies_of(use.index, node)]
    check_copies(use.index, use.plan, found, use.line, effects)


def check_round_trip(index: TreeIndex, plan: Plan) -> None:
    """A model saved and read back in the same file comes back Functional."""
    if plan.serialized_at is None:
        return
    effects = Effects()
    # Clones of the model itself were followed with its uses (`through_copies`).
    followed = {
        id(call)
        for ref in plan.later_uses
        if (call := _clone_of(index, ref.node)) is not None
    }
    for node in index.candidates:
        if not isinstance(node, cst.Call) or not index.known(node):
            continue
        if id(node) in followed:
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
        functional = round_trip.reads_back(index, plan, node)
        found = [Copy(node, functional)]
        passed = functional and round_trip.hands_on(index, node)
        found += [Copy(c, passed) for c in copies_of(index, node)]
        check_copies(index, plan, found, plan.serialized_at, effects, followed)
    effects.apply_to(plan)


def _clone_of(index: TreeIndex, node: cst.CSTNode) -> cst.Call | None:
    """`clone_model(node)`: the call, when `node` is its argument."""
    arg = index.parent(node)
    if isinstance(arg, cst.Arg) and arg.value is node:
        call = index.parent(arg)
        if isinstance(call, cst.Call) and keras_names.is_clone(
            index.qualified(call.func)
        ):
            return call
    return None


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
    index: TreeIndex,
    plan: Plan,
    copies: list[Copy],
    taken_at: int,
    effects: Effects,
    followed: set[int] | None = None,
) -> None:
    """A copy (taken on line `taken_at`) read in a way a Functional model answers
    differently keeps the site unchanged, unless the copy is certainly Functional
    and the model's own rule can rewrite the read (into `effects`). The clones
    passed through are added to `followed`."""
    seen: set[int] = set()
    work = list(copies)
    while work:
        copy = work.pop()
        node = copy.node
        if id(node) in seen:
            continue
        seen.add(id(node))
        reads = _reads(index, plan, node) if isinstance(node, cst.Name) else [node]
        for read in reads:
            use = _sequential_use(index, read)
            if use is None:
                passed = copy.functional and round_trip.hands_on(index, read)
                work.extend(Copy(c, passed) for c in copies_of(index, read))
                clone = _clone_of(index, read)
                if clone is not None and followed is not None:
                    followed.add(id(clone))
                continue
            if copy.functional and round_trip.certain_read(index, node, read):
                round_trip.read_layers(index, plan, read, effects)
                continue
            raise Skip(
                SEQUENTIAL_SEMANTICS,
                f" (`{use}` on line {index.line(read)} reaches it through"
                f" `{index.code(node)}`, which takes it on line {taken_at})",
                read,
            )


def _reads(index: TreeIndex, plan: Plan, copy: cst.Name) -> list[cst.CSTNode]:
    """The reads of the name `copy` binds that this binding may reach."""
    reads: list[cst.CSTNode] = []
    for n in index.names.get(copy.value, []):
        if (
            n is copy
            or not index.known(n)
            or index.context(n) != ExpressionContext.LOAD
            or not index.reads_binding(n, copy)
        ):
            continue
        bindings = reaching_bindings(index, n)
        if bindings is None:
            # No flow facts: the model's own name is its own uses' to judge.
            if copy.value != plan.target:
                reads.append(n)
        elif any(b.target is copy for b in bindings):
            reads.append(n)
    return reads


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
