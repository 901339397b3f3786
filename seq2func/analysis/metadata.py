"""What the analysis knows of every node of a module: its parent, its position, its scope.

LibCST offers these through `MetadataWrapper` and `node.children`, at a
price that was most of the cost of converting a small, narrowed module:
the wrapper's batched visitor lists each provider's methods by introspection
and walks the tree once more per provider, and every visitor pass (and every
`children` call) rebuilds each node it passes. Here:

- one run of LibCST's own codegen, which meets every node once in source
  order without rebuilding any, records each node's parent and its position
  exactly as `PositionProvider` does (semantic positions included), and
  indexes the names, attributes, calls and imports the analysis looks up;
- LibCST's `ScopeVisitor` runs directly, once, led down the walk's
  children (`_ScopeWalk`: no node rebuilt), giving the values
  `ScopeProvider` gives to every node but whitespace, comments and
  punctuation; the one thing it asks of `ExpressionContextProvider`,
  whether a name is stored to, is read from the parents instead of from
  another pass over the tree.

Tests hold these to LibCST's providers and to `children` on every fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import (
    CodeRange,
    ExpressionContext,
    ExpressionContextProvider,
    Scope,
)
from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES, ScopeVisitor

_NEWLINE = re.compile(r"\r\n?|\n")


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """`PositionProvider`'s values, made into `CodeRange`s only when read."""

    def __init__(self, spans: dict[cst.CSTNode, tuple[int, int, int, int]]) -> None:
        self._spans = spans

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        line, column, end_line, end_column = self._spans[node]
        return CodeRange((line, column), (end_line, end_column))

    def __contains__(self, node: object) -> bool:
        return node in self._spans

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


@dataclass
class Walk:
    """A module's nodes: parents, positions, and the ones the analysis looks up, in source order."""

    positions: Positions
    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    children: dict[cst.CSTNode, list[cst.CSTNode]] = field(default_factory=dict)
    names: dict[str, list[cst.Name]] = field(default_factory=dict)
    attributes: dict[str, list[cst.Attribute]] = field(default_factory=dict)
    candidates: list[cst.CSTNode] = field(default_factory=list)  # calls and classes
    imports: list[cst.Import | cst.ImportFrom] = field(default_factory=list)
    # The code of each top-level statement, as `Module.code_for_node` writes it:
    # the walk's own tokens, from where the statement's start to where it ends.
    statement_spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    def statement_code(self, statement: cst.CSTNode) -> str | None:
        """A top-level statement's code, or None if the walk did not write it."""
        span = self.statement_spans.get(statement)
        return None if span is None else "".join(self.tokens[span[0] : span[1]])


# Whitespace and line ends: leaves, half of a module's nodes, of which the
# analysis asks nothing (a comment is a node of its own). The walk gives them
# no parent, position or place among their parent's children.
UNWALKED = frozenset({cst.SimpleWhitespace, cst.Newline})


class _WalkingState(CodegenState):
    """Codegen that tracks line and column, as LibCST's position-providing state does."""

    def __init__(self, module: cst.Module, walk: Walk | None) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.spans: dict[cst.CSTNode, tuple[int, int, int, int]] = {}
        # Per open node: the node, its start, its children, where its tokens start.
        self._open: list[list] = []
        self._walk = walk
        self._recording: list[tuple] = []

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        # `_advance`, inline: this runs once per token of the module.
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
        else:
            self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in UNWALKED:
            return
        # Each open node's entry holds its children list and, for a statement
        # of the module, where its tokens start: no lookup by node (each
        # hashes in Python) beyond the two stores a node needs.
        walk = self._walk
        opened = self._open
        start = None
        if walk is not None:
            if opened:
                above = opened[-1]
                parent = above[0]
                walk.parents[node] = parent
                siblings = above[3]
                if siblings is None:
                    above[3] = walk.children[parent] = [node]
                else:
                    siblings.append(node)
                if len(opened) == 1:  # a statement of the module
                    start = len(self.tokens)
            kind = type(node)
            if kind is cst.Name:
                walk.names.setdefault(node.value, []).append(node)  # type: ignore[attr-defined]
            elif kind is cst.Attribute:
                walk.attributes.setdefault(node.attr.value, []).append(node)  # type: ignore[attr-defined]
            elif kind is cst.Call or kind is cst.ClassDef:
                walk.candidates.append(node)
            elif kind is cst.Import or kind is cst.ImportFrom:
                walk.imports.append(node)  # type: ignore[arg-type]
        opened.append([node, self.line, self.column, None, start])

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in UNWALKED:
            return
        _, line, column, _, start = self._open.pop()
        if start is not None:
            self._walk.statement_spans[node] = (start, len(self.tokens))  # type: ignore[union-attr]
        # A semantic position recorded while the node was generated stands.
        self.spans.setdefault(node, (line, column, self.line, self.column))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        # `PositionProvidingCodegenState`'s, without a generator, or any
        # object, per node: the state is the context manager, and a stack
        # holds the positions being recorded (they nest as the nodes do).
        # LibCST enters the context as soon as it asks for it.
        self._recording.append((node, start_node, end_node, self.line, self.column))
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> bool:
        node, start_node, end_node, line, column = self._recording.pop()
        spans = self.spans
        start = spans[start_node][:2] if start_node is not None else (line, column)
        end = spans[end_node][2:] if end_node is not None else (self.line, self.column)
        spans[node] = (*start, *end)
        return False


def walk(module: cst.Module) -> Walk:
    """Parents, positions and the looked-up nodes of `module`, from one codegen run."""
    result = Walk(positions=Positions({}))
    state = _WalkingState(module, result)
    module._codegen(state)
    result.positions = Positions(state.spans)
    if module.has_trailing_newline:  # else the last token lost its newline after
        result.tokens = state.tokens
    else:
        result.statement_spans.clear()
    return result


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
