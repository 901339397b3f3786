"""What a use rule sees (`Use`) and what it may ask for (`Effects`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from ...analysis.index import TreeIndex
from ...analysis.references import Ref
from ...results import Diagnostic
from ..plan import Plan, diagnostic


@dataclass(frozen=True)
class Use:
    """One later occurrence of the model's target."""

    index: TreeIndex
    plan: Plan
    ref: Ref

    @cached_property
    def attribute(self) -> cst.Attribute | None:
        """`model.<name>` when the use reads an attribute of the model."""
        parent = self.index.parent(self.ref.node)
        if isinstance(parent, cst.Attribute) and parent.value is self.ref.node:
            return parent
        return None

    @property
    def attribute_name(self) -> str | None:
        return self.attribute.attr.value if self.attribute is not None else None

    @cached_property
    def call_with_argument(self) -> tuple[cst.Call, cst.Arg] | None:
        """`f(model)`: the call and the argument the model is."""
        arg = self.index.parent(self.ref.node)
        if isinstance(arg, cst.Arg) and arg.value is self.ref.node:
            call = self.index.parent(arg)
            if isinstance(call, cst.Call):
                return call, arg
        return None

    @property
    def called_function(self) -> str | None:
        """`f` in `f(model)`, when the callee is a plain name."""
        found = self.call_with_argument
        if found is not None and isinstance(found[0].func, cst.Name):
            return found[0].func.value
        return None

    @property
    def line(self) -> int:
        return self.ref.line

    def note(self, code: str, detail: str, node: cst.CSTNode) -> Diagnostic:
        return diagnostic(self.index, self.plan, code, detail, node)


@dataclass
class Effects:
    """What one use needs from the rewrite; applied to the plan only once it is accepted."""

    rewrites: dict[cst.CSTNode, str] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)
    layers_read_at: int | None = None
    serialized_at: int | None = None

    def rewrite(self, node: cst.CSTNode, text: str, note: Diagnostic) -> None:
        self.rewrites[node] = text
        self.notes.append(note)

    def apply_to(self, plan: Plan) -> None:
        plan.node_rewrites.update(self.rewrites)
        plan.notes.extend(self.notes)
        if plan.layers_read_at is None:
            plan.layers_read_at = self.layers_read_at
        if plan.serialized_at is None:
            plan.serialized_at = self.serialized_at
