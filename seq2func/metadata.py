"""Scope and position metadata for one module, from LibCST's own visitors.

`MetadataWrapper` resolves providers through a batched visitor that lists
each provider's methods by introspection and walks the whole tree once more
per provider, after the provider's own visitor has already walked it. On the
small, narrowed modules seq2func analyses, that overhead was most of the cost
of a conversion. Here LibCST's `ExpressionContextVisitor`, `ScopeVisitor` and
position-recording codegen state run directly, each walking the tree once, and
produce exactly the values the providers would.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, ExpressionContext, ExpressionContextProvider, Scope
from libcst.metadata.expression_context_provider import ExpressionContextVisitor
from libcst.metadata.position_provider import PositionProvidingCodegenState
from libcst.metadata.scope_provider import ScopeVisitor


class _Store:
    """The part of a metadata provider that LibCST's visitors write to."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, object] = {}

    def set_metadata(self, node: cst.CSTNode, value: object) -> None:
        self._computed[node] = value


class _ScopeStore(_Store):
    """What `ScopeVisitor` reads back: the expression context of each name."""

    def __init__(self, contexts: dict[cst.CSTNode, object]) -> None:
        super().__init__()
        self._contexts = contexts

    def get_metadata(self, key: type, node: cst.CSTNode, default: object = None) -> object:
        if key is not ExpressionContextProvider:  # pragma: no cover - LibCST changed what it reads
            raise KeyError(key)
        return self._contexts.get(node, default)


@dataclass(frozen=True)
class ModuleMetadata:
    positions: dict[cst.CSTNode, CodeRange]
    scopes: dict[cst.CSTNode, Scope | None]


def resolve(module: cst.Module) -> ModuleMetadata:
    """`PositionProvider` and `ScopeProvider` values for every node of `module`."""
    contexts = _Store()
    module.visit(ExpressionContextVisitor(contexts, ExpressionContext.LOAD))
    scopes = _ScopeStore(contexts._computed)
    visitor = ScopeVisitor(scopes)
    module.visit(visitor)
    visitor.infer_accesses()
    positions = _Store()
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=positions,
    )
    module._codegen(state)
    return ModuleMetadata(positions=positions._computed, scopes=scopes._computed)  # type: ignore[arg-type]
