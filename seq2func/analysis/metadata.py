"""What the analysis knows of every node of a module: its parent and its position.

LibCST offers these through `MetadataWrapper` and `node.children`, at a
price that was most of the cost of converting a small, narrowed module:
the wrapper's batched visitor lists each provider's methods by introspection
and walks the tree once more per provider, and every visitor pass (and every
`children` call) rebuilds each node it passes. Here one run of LibCST's own
codegen, which meets every node once in source order without rebuilding
any, records each node's parent and its position exactly as
`PositionProvider` does (semantic positions included), and indexes the
names, attributes, calls and imports the analysis looks up. Scopes are
`scope_metadata.py`'s, read down this walk's children.

Tests hold these to LibCST's providers and to `children` on every fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange

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
