"""A layer of the model bound to a name, read before the model's first build.

A model whose input comes from its first build on data (`first_build`) is
built there in the original, and where it is made in the converted code.
Its layers are built with it: a layer the code can reach by a name
(`embedding_layer = Embedding(...)`, then `model.add(embedding_layer)`) is
unbuilt in between in the original and built in the converted code. Measured
on Keras 3.15 (TF 2.21): `embedding_layer.set_weights([w])` there raises
"the layer was expecting 0 weights" in the original and succeeds after the
conversion; `.built`, `.weights` and `get_weights()` differ too. So every
read of such a name after the model is made must come after its first
build; a read in a function, which may run at any time, keeps the site
(S2F101, with the read in its message). Reads before the model is made
(`layer.build((None, 3))`) see the same layer in both. Fixtures:
`input_first_build_variable_layer*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.references import references
from .plan import Plan


def read_before_build(
    index: TreeIndex, plan: Plan, build: cst.Call | None
) -> str | None:
    """Why a named layer of the model may be seen unbuilt by code the
    conversion would show it built to, or None. `build` is the first build
    in the model's scope (None when it is elsewhere: every later read counts)."""
    statement = plan.statement if plan.statement is not None else plan.call
    after = _end(index, statement)
    before = _start(index, build) if build is not None else None
    own = {app.expr for app in plan.applications}
    for app in plan.applications:
        name = app.expr
        if not isinstance(name, cst.Name):
            continue
        if index.may_be_elided(name.value):
            raise WholeFileNeeded  # a blanked statement may read the layer
        scope = index.scope_root(plan.call)
        for ref in references(index, name.value, plan.call, statement, scope):
            if ref.node in own or ref.rebinds:
                continue
            if ref.deferred:
                return f"a function on line {ref.line} reads the layer `{name.value}`"
            if ref.start > after and (before is None or ref.start < before):
                return (
                    f"`{name.value}` on line {ref.line} reads a layer of the model"
                    " before it is built"
                )
    return None


def _start(index: TreeIndex, node: cst.CSTNode) -> tuple[int, int]:
    where = index.pos(node).start
    return where.line, where.column


def _end(index: TreeIndex, node: cst.CSTNode) -> tuple[int, int]:
    where = index.pos(node).end
    return where.line, where.column
