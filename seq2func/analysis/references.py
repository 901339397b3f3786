"""Every read or write of a model's target (`model`, `self.model`) that may reach the same object."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContext

from .index import TreeIndex
from .nodes import inside, lazy_value


@dataclass(frozen=True)
class Ref:
    """One occurrence of the target: where, whether it runs later, and how it is used."""

    node: cst.BaseExpression
    start: tuple[int, int]
    deferred: bool  # in a function, lambda or class body: it may run at any time
    context: ExpressionContext | None

    @property
    def line(self) -> int:
        return self.start[0]

    @property
    def rebinds(self) -> bool:
        return self.context in (ExpressionContext.STORE, ExpressionContext.DEL)


def references(
    index: TreeIndex,
    target: str,
    call: cst.Call,
    small: cst.CSTNode,
    scope_node: cst.CSTNode,
) -> list[Ref]:
    """The occurrences of `target` in the site's scope, in source order.

    For an attribute target set in a method (`self.model`), the scope is the
    whole class, and the same attribute read elsewhere in the file counts too.
    Sites of one scope share the answer (a notebook binds `model` again and
    again at module level): it is worked out once per target and scope.
    """
    target_is_name = "." not in target
    root = scope_node
    if not target_is_name:
        cls = next(
            (a for a in index.ancestors(call) if isinstance(a, cst.ClassDef)), None
        )
        if cls is not None:
            root = cls
    site_scope = lazy_value(index.scopes.get(small))
    key = ("references", target, root, scope_node, site_scope)
    found = index.memo.get(key)  # type: ignore[call-overload]
    if found is None:
        found = index.memo[key] = _references(  # type: ignore[index]
            index, target, root, scope_node, site_scope
        )
    return list(found)


def _references(
    index: TreeIndex,
    target: str,
    root: cst.CSTNode,
    scope_node: cst.CSTNode,
    site_scope: object,
) -> list[Ref]:
    target_is_name = "." not in target
    if target_is_name:
        pool: list = index.names.get(target, [])
    else:
        pool = index.attributes.get(target.rsplit(".", 1)[1], [])
    root_range = index.pos(root)
    refs: list[Ref] = []
    for node in pool:
        if not index.known(node):
            continue
        if not inside(index.pos(node).start, root_range):
            # `trainer.model.layers[0]` elsewhere reads the same model: such a
            # use runs whenever that code runs.
            if root is not scope_node and _same_attribute_elsewhere(index, node, root):
                refs.append(_ref(index, node, True))
            continue
        if target_is_name:
            parent = index.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            if not index.same_binding(node, target, site_scope):
                continue
        elif index.code(node) != target:
            continue
        if node not in index.positions:
            continue
        if _defines(index, node):
            # `def model(...)` binds the name where it stands, when it runs.
            refs.append(_ref(index, node, False, ExpressionContext.STORE))
            continue
        deferred = index.is_deferred_below(node, scope_node)
        if not target_is_name and root is not scope_node:
            inside_method = any(a is scope_node for a in index.ancestors(node))
            deferred = deferred or not inside_method
        refs.append(_ref(index, node, deferred))
    refs.sort(key=lambda r: r.start)
    return refs


def _defines(index: TreeIndex, node: cst.BaseExpression) -> bool:
    """The name of a `def` or `class` statement."""
    parent = index.parent(node)
    return isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node


def _ref(
    index: TreeIndex,
    node: cst.BaseExpression,
    deferred: bool,
    context: ExpressionContext | None = None,
) -> Ref:
    start = index.pos(node).start
    return Ref(
        node, (start.line, start.column), deferred, context or index.context(node)
    )


def _same_attribute_elsewhere(
    index: TreeIndex, node: cst.Attribute, cls: cst.ClassDef
) -> bool:
    """Whether `node`, outside `cls`, may read the attribute `cls` sets.

    Any object's attribute of that name may be one of its instances, except
    `self`/`cls` in an unrelated class, which name that class's own.
    """
    if not isinstance(node.value, cst.Name) or node.value.value not in ("self", "cls"):
        return True
    owner = next(
        (a for a in index.ancestors(node) if isinstance(a, cst.ClassDef)), None
    )
    if owner is None:
        return True
    return any(cls.name.value in index.code(base.value) for base in owner.bases)
