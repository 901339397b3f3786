"""Reads of the half-built model between its `add()` calls that the running tensor answers.

`assert model.output_shape == (None, 7, 7, 256)` between two `add()` calls
(TensorFlow's DCGAN tutorial) reads the shape of the last layer added so
far. The converted code holds that layer's output in the running tensor, so
the read becomes `tuple(x.shape)` (S2F220). Measured on Keras 3.15.1 and
tf_keras 2.21: `Sequential.output_shape` is the tuple `(None, 7, 7, 64)` on
both; a KerasTensor's `.shape` is that tuple on Keras 3 and a `TensorShape`
on Keras 2, which `tuple(...)` turns into the same tuple (so `==`, indexing
and printing agree).

The read means that only once the Sequential is built, which it is as soon
as a layer follows a known input: a first `keras.Input`/`InputLayer`, or
`input_shape=` on the first layer. Before any layer, with only an Input,
Keras 3 raises AttributeError (Keras 2 gives the input's shape), and a model
whose input comes from a later `build()` or its first data raises too; those
reads stay S2F104. `completion` hands the reads it finds between the adds
to `take_reads`; `check_reads` runs once the input is known (a step after
`inputs.plan_input`). Fixtures: `later_output_shape_*`,
`safety_output_shape_in_add`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from ..diagnostics import OUTPUT_SHAPE_FROM_TENSOR, USED_BEFORE_COMPLETE
from .plan import Application, InputSource, Plan, Skip, diagnostic

# Inputs known when the Sequential is made or its first layer is added.
_KNOWN_AT_ONCE = (InputSource.ELEMENT, InputSource.VARIABLE, InputSource.LAYER)
# The running tensor's name is the writer's choice (`x`, or `x_1`...).
TEMPLATE = "tuple({x}.shape)"


@dataclass(frozen=True)
class MidRead:
    """`model.output_shape` read after `after` joined the model, before the last add."""

    ref: Ref
    attribute: cst.Attribute
    after: Application
    detail: str


def take_reads(
    index: TreeIndex,
    plan: Plan,
    uses: list[Ref],
    adds: list[tuple[cst.BaseSmallStatement, Application]],
    describe,
) -> list[Ref]:
    """Record the reads of `output_shape` among `uses` that follow an add; the rest."""
    left = []
    for ref in uses:
        attribute = _output_shape_read(index, ref)
        before = [app for small, app in adds if _ends_before(index, small, ref)]
        if attribute is None or not before:
            left.append(ref)
            continue
        plan.mid_reads.append(MidRead(ref, attribute, before[-1], describe(index, ref)))
    return left


def check_reads(index: TreeIndex, plan: Plan) -> None:
    """Step: the reads rewrite to the running tensor when the model was built by then."""
    for read in plan.mid_reads:
        source = plan.input.source if plan.input is not None else None
        built = any(app is read.after for app in plan.applications)
        if source not in _KNOWN_AT_ONCE or not built:
            raise Skip(USED_BEFORE_COMPLETE, f": {read.detail}", read.ref.node)
        plan.node_rewrites[read.attribute] = TEMPLATE
        plan.notes.append(
            diagnostic(
                index,
                plan,
                OUTPUT_SHAPE_FROM_TENSOR,
                f"`{index.code(read.attribute)}`",
                read.attribute,
            )
        )


def _output_shape_read(index: TreeIndex, ref: Ref) -> cst.Attribute | None:
    """`model.output_shape`, read (not assigned, not deleted)."""
    attribute = index.parent(ref.node)
    if not (
        isinstance(attribute, cst.Attribute)
        and attribute.value is ref.node
        and attribute.attr.value == "output_shape"
    ):
        return None
    parent = index.parent(attribute)
    if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)):
        return None
    if isinstance(parent, cst.AnnAssign) and parent.target is attribute:
        return None
    return attribute


def _ends_before(index: TreeIndex, small: cst.CSTNode, ref: Ref) -> bool:
    end = index.pos(small).end
    return (end.line, end.column) <= ref.start
