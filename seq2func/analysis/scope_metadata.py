"""The scope of every node of a module, as LibCST's `ScopeProvider` gives it.

LibCST's `ScopeVisitor` runs directly, once, led down the children of
`metadata.walk` (`_ScopeWalk`: no node rebuilt), giving the values
`ScopeProvider` gives to every node but whitespace, comments and
punctuation; the one thing it asks of `ExpressionContextProvider`, whether
a name is stored to, is read from the parents instead of from another pass
over the tree. `release` breaks the cycles the scopes hold once a
conversion is done with them.

Tests hold these to LibCST's providers on every fixture.
"""

from __future__ import annotations

from typing import Mapping

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, Scope
from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES, ScopeVisitor

from .metadata import Walk


class _ScopeStore:
    """The provider `ScopeVisitor` writes scopes to and reads expression contexts from."""

    def __init__(self, stored: set[cst.Name]) -> None:
        self._computed: dict[cst.CSTNode, object] = {}
        self._stored = stored

    def set_metadata(self, node: cst.CSTNode, value: object) -> None:
        self._computed[node] = value

    def get_metadata(
        self, key: type, node: cst.CSTNode, default: object = None
    ) -> object:
        if (
            key is not ExpressionContextProvider
        ):  # pragma: no cover - LibCST changed what it reads
            raise KeyError(key)
        # ScopeVisitor tells only STORE (an assignment) from the rest (an access).
        return ExpressionContext.STORE if node in self._stored else default


def scopes(module: cst.Module, walked: Walk) -> dict[cst.CSTNode, Scope | None]:
    """`ScopeProvider`'s values for every node of `module` but whitespace,
    comments and punctuation (`FORMATTING`).

    `walked` is the walk of `module`, or of the module `module` was cut from:
    it gives the parents that decide which names are stored to.
    """
    store = _ScopeStore(stored_names(walked))
    visitor = _ScopeWalk(store, walked)
    # A statement that is only a string (a docstring, or a statement narrowing
    # blanked out) binds and reads no name: the scope walk can pass it by.
    body = [statement for statement in module.body if not _only_a_string(statement)]
    if len(body) != len(module.body):
        module = module.with_changes(body=body)
    module.visit(visitor)
    visitor.infer_accesses()
    return store._computed  # type: ignore[return-value]


def release(scopes: Mapping[cst.CSTNode, object]) -> None:
    """Break the cycles of LibCST's scope analysis once a conversion is done with it.

    A scope holds its assignments and accesses, each of which holds the
    scope, and each other, and the node it was found at: cycles that keep
    the whole tree alive until the cyclic collector's next pass, which then
    walks it all (a tenth of a notebook's conversion). Emptied, the scopes
    let reference counting free the tree as soon as the conversion drops it.
    """
    done: set[int] = set()
    for scope in scopes.values():
        if not isinstance(scope, Scope) or id(scope) in done:
            continue
        while isinstance(scope, Scope) and id(scope) not in done:
            done.add(id(scope))
            for assignments in scope._assignments.values():
                for assignment in assignments:
                    assignment.references.clear()  # type: ignore[attr-defined]
            for accesses in scope._accesses_by_name.values():
                for access in accesses:
                    access.referents.clear()  # type: ignore[attr-defined]
            scope._assignments.clear()
            scope._accesses_by_name.clear()
            scope._accesses_by_node.clear()
            scope = scope.parent  # the builtins scope only hangs from its child


class _ScopeWalk(ScopeVisitor):
    """`ScopeVisitor`, led down the walk's children instead of LibCST's visit.

    LibCST's visit rebuilds every node it passes (a new node, validated, for
    each), and finds each callback by name, node by node; that was most of
    the cost of scope metadata. Here a node's children are visited from its
    `visit_*` callback, which then answers False, so LibCST rebuilds nothing,
    and callbacks are looked up once per node type. `ScopeVisitor` defines
    one attribute callback (`visit_ClassDef_bases`), never reached: it
    visits a class's parts itself. The order is LibCST's: the walk's
    children are `children`'s (tests hold both).
    """

    def __init__(self, store: _ScopeStore, walked: Walk) -> None:
        super().__init__(store)  # type: ignore[arg-type]
        self._children = walked.children
        self._walked = walked.parents
        self._visits: dict[type, object] = {}
        self._leaves: dict[type, object] = {}
        self._assigns: dict[type, bool] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        # Callbacks are cached as the class's functions: bound methods held by
        # the visitor would tie it to itself in a cycle only the collector frees.
        visit = self._visits.get(kind, _UNSET)
        if visit is _UNSET:
            visit = self._visits[kind] = getattr(
                type(self), f"visit_{kind.__name__}", None
            )
        if visit is not None and visit(self, node) is False:  # type: ignore[operator]
            return False
        children = self._children.get(node)
        if children is None and node not in self._walked:
            # Not in the walk (a module cut down, a string annotation's code).
            children = node.children
        if children:
            # What `child.visit(self)` does for a visitor whose on_visit
            # answers False, without its checks of the visitor and the result.
            for child in children:
                if type(child) in FORMATTING:
                    continue
                self.on_visit(child)
                self.on_leave(child)
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.provider.set_metadata(original_node, self.scope)
        kind = type(original_node)
        assigns = self._assigns.get(kind)
        if assigns is None:
            assigns = self._assigns[kind] = issubclass(kind, _ASSIGNMENT_LIKE_NODES)
        if assigns:
            self.scope._assignment_count += 1  # type: ignore[union-attr]
        leave = self._leaves.get(kind, _UNSET)
        if leave is _UNSET:
            leave = self._leaves[kind] = getattr(
                type(self), f"leave_{kind.__name__}", None
            )
        if leave is not None:
            leave(self, original_node)  # type: ignore[operator]


_UNSET = object()
# Whitespace, comments and punctuation: they hold no name, so no scope is
# asked of them, and they are most of a module's nodes. The scope pass
# passes them by (they have no scope in `scopes`).
FORMATTING = frozenset(
    {
        cst.SimpleWhitespace,
        cst.ParenthesizedWhitespace,
        cst.TrailingWhitespace,
        cst.Newline,
        cst.EmptyLine,
        cst.Comment,
        cst.Comma,
        cst.Dot,
        cst.Colon,
        cst.Semicolon,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    }
)


def _only_a_string(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def stored_names(walked: Walk) -> set[cst.Name]:
    """The names `ExpressionContextProvider` marks STORE, found from their parents.

    The provider visits each target (of `=`, `:=`, augmented and annotated
    assignments, `for`, comprehensions, `as`), each defined class, function
    and parameter name with a STORE context, which every node below
    inherits, except that an attribute's value and a subscript's value and
    slices are loads and an attribute's name has no context. So the nearest
    of those ancestors decides.
    """
    parents = walked.parents
    stored = set()
    for group in walked.names.values():
        for name in group:
            child: cst.CSTNode = name
            parent = parents.get(child)
            while parent is not None:
                decided = _decides(parent, child)
                if decided is not None:
                    if decided:
                        stored.add(name)
                    break
                child, parent = parent, parents.get(parent)
    return stored


def _decides(parent: cst.CSTNode, child: cst.CSTNode) -> bool | None:
    """True: `child` is stored to; False: it is not; None: it has its parent's context."""
    kind = type(parent)
    if kind is cst.Attribute or kind is cst.Subscript or kind is cst.Del:
        return False
    if kind in _TARGET_OWNERS:
        return True if child is parent.target else None  # type: ignore[attr-defined]
    if kind is cst.AsName:
        return child is parent.name  # type: ignore[attr-defined]
    if kind is cst.Param:
        if child is parent.name:  # type: ignore[attr-defined]
            return True
        return None if child is parent.annotation or child is parent.default else False  # type: ignore[attr-defined]
    if kind is cst.ClassDef:
        if child is parent.name:  # type: ignore[attr-defined]
            return True
        visited = (parent.body, *parent.bases, *parent.keywords, *parent.decorators)  # type: ignore[attr-defined]
        return None if any(child is v for v in visited) else False
    if kind is cst.FunctionDef:
        if child is parent.name:  # type: ignore[attr-defined]
            return True
        visited = (parent.params, parent.body, *parent.decorators, parent.returns)  # type: ignore[attr-defined]
        return None if any(child is v for v in visited) else False
    return None


_TARGET_OWNERS = (
    cst.AssignTarget,
    cst.AnnAssign,
    cst.AugAssign,
    cst.NamedExpr,
    cst.CompFor,
    cst.For,
)
