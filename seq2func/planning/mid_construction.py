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

`model.summary()` between the adds (a tutorial's convolutional base shown
before its classifier is added) prints the layers added so far. The
converted code shows them with a Functional model over the running tensor,
`keras.Model(inputs, x).summary()` (S2F223). Measured on Keras 3.15.1 and
tf_keras 2.21: the same layers, output shapes and parameter counts; the
header names the new model and an InputLayer row comes first, the
differences any converted summary shows. Making that model creates no
weights and draws no random numbers (initial weights stay bit-identical),
but its automatic name takes a number: the converted model is then
`functional_1` (`model_1` on Keras 2) rather than `functional`, where the
original was `sequential`. A literal `name=` of the Sequential names it
instead, and takes no number. Not taken (S2F104 stays): `trainable=` on the
Sequential (it sets the model's trainable counts, and on a model its
layers'), a `name=` that is not a literal, and the calls `unbuilt_summary`
leaves alone (`print_fn=`, inside a `with`). Fixtures: `later_summary_*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from ..diagnostics import (
    OUTPUT_SHAPE_FROM_TENSOR,
    SUMMARY_SO_FAR,
    USED_BEFORE_COMPLETE,
)
from .plan import Application, InputSource, Plan, Skip, diagnostic
from .summary_calls import only_displayed

# Inputs known when the Sequential is made or its first layer is added.
_KNOWN_AT_ONCE = (InputSource.ELEMENT, InputSource.VARIABLE, InputSource.LAYER)
# The writer fills in its names: the running tensor (`x`, or `x_1`...), the
# Input's and the spelling of `Model`.
TEMPLATE = "tuple({x}.shape)"
SUMMARY_TEMPLATE = "{Model}({inputs}, {x}%s).summary"

ReadKind = Literal["output_shape", "summary"]


@dataclass(frozen=True)
class MidRead:
    """`model.output_shape` or `model.summary` read after `after` joined the
    model, before the last add."""

    ref: Ref
    attribute: cst.Attribute
    after: Application
    detail: str
    kind: ReadKind = "output_shape"


def take_reads(
    index: TreeIndex,
    plan: Plan,
    uses: list[Ref],
    adds: list[tuple[cst.BaseSmallStatement, Application]],
    describe,
) -> list[Ref]:
    """Record the reads of `output_shape` and `summary()` among `uses` that
    follow an add; the rest."""
    left = []
    for ref in uses:
        kind: ReadKind = "output_shape"
        attribute = _output_shape_read(index, ref)
        if attribute is None:
            kind, attribute = "summary", _summary_call(index, ref)
        before = [app for small, app in adds if _ends_before(index, small, ref)]
        if attribute is None or not before:
            left.append(ref)
            continue
        plan.mid_reads.append(
            MidRead(ref, attribute, before[-1], describe(index, ref), kind)
        )
    return left


def check_reads(index: TreeIndex, plan: Plan) -> None:
    """Step: the reads rewrite to the running tensor when the model was built by then."""
    for read in plan.mid_reads:
        source = plan.input.source if plan.input is not None else None
        built = any(app is read.after for app in plan.applications)
        template = TEMPLATE if read.kind == "output_shape" else _summary(plan)
        if source not in _KNOWN_AT_ONCE or not built or template is None:
            raise Skip(USED_BEFORE_COMPLETE, f": {read.detail}", read.ref.node)
        plan.node_rewrites[read.attribute] = template
        code = (
            OUTPUT_SHAPE_FROM_TENSOR if read.kind == "output_shape" else SUMMARY_SO_FAR
        )
        shown = (
            read.attribute
            if read.kind == "output_shape"
            else index.parent(read.attribute)
        )
        plan.notes.append(
            diagnostic(index, plan, code, f"`{index.code(shown)}`", read.attribute)
        )


def _summary(plan: Plan) -> str | None:
    """The template for the model over the layers so far, named as the Sequential
    is when its `name=` is a literal; None where that model would not print the
    same counts or name."""
    name = ""
    for argument in plan.model_arguments:
        keyword, _, value = argument.partition("=")
        if keyword == "trainable":
            return None
        if keyword == "name":
            if not _string_literal(value):
                return None
            # A str.format template: braces are doubled.
            name = ", name=" + value.replace("{", "{{").replace("}", "}}")
    return SUMMARY_TEMPLATE % name


def _string_literal(code: str) -> bool:
    try:
        expression = cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return False
    return isinstance(expression, cst.SimpleString)


def _summary_call(index: TreeIndex, ref: Ref) -> cst.Attribute | None:
    """`model.summary` of a `model.summary(...)` whose lines only a person reads."""
    attribute = _attribute_of(index, ref, "summary")
    call = index.parent(attribute) if attribute is not None else None
    if not (isinstance(call, cst.Call) and call.func is attribute):
        return None
    return attribute if only_displayed(index, call) else None


def _output_shape_read(index: TreeIndex, ref: Ref) -> cst.Attribute | None:
    """`model.output_shape`, read (not assigned, not deleted)."""
    attribute = _attribute_of(index, ref, "output_shape")
    if attribute is None:
        return None
    parent = index.parent(attribute)
    if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)):
        return None
    if isinstance(parent, cst.AnnAssign) and parent.target is attribute:
        return None
    return attribute


def _attribute_of(index: TreeIndex, ref: Ref, name: str) -> cst.Attribute | None:
    """`model.<name>` where `ref` is `model`."""
    attribute = index.parent(ref.node)
    if (
        isinstance(attribute, cst.Attribute)
        and attribute.value is ref.node
        and attribute.attr.value == name
    ):
        return attribute
    return None


def _ends_before(index: TreeIndex, small: cst.CSTNode, ref: Ref) -> bool:
    end = index.pos(small).end
    return (end.line, end.column) <= ref.start
