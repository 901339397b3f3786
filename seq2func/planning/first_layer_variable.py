"""A first layer bound to a name: `first = Dense(8, input_shape=(4,))`, then `[first, ...]`.

Keras keeps `input_shape=`/`input_dim=` on the layer object (`Layer.__init__`
stores them as `_input_shape_arg`), and `Sequential.add` reads them from
whatever object comes first, wherever it was made. So a name the scope binds
once, to a layer call, reads as if the call were written inline; so does a
name bound again elsewhere (a notebook's `norm_layer` in cell after cell)
when one assignment surely reaches the model (`analysis.reaching`), and then
every other read of the name in the scope counts as a use elsewhere. Where the
Input is written (the first layer's place), the names in those arguments
must mean what they meant at the call (else S2F111).

The layer object itself stays: the converted model calls `first(inputs)`.
Its input arguments are removed from the call where it is made (S2F206), as
they are from an inline layer, unless the name is used anywhere else: that
code may hand the layer to another Sequential, which would read them, so
they stay (S2F207). A Functional model ignores them either way.

A layer built beforehand (`first.build((None, 3))`) does not give the model
an input: measured on Keras 3.15 and tf_keras 2.21, `Sequential([first,
...])` stays unbuilt (S2F101 says so) until its first `fit` or call on data,
which `first_build` reads for a bound layer as for an inline one (measured:
`fit` on 64 rows of 8 gives that model the input `(32, 8)`, float32).
Fixtures: `input_variable_layer_*`, `input_first_build_variable_layer`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.reaching import Unknown, reaching_value
from ..analysis.references import Ref, references
from ..diagnostics import INPUT_SHAPE_KEPT, OPAQUE_FIRST_LAYER
from .custom_layers import layer_kind
from .plan import Application, Plan, Skip, diagnostic

# The arguments the Input is made from, which must mean the same at the model.
_READ = ("input_shape", "input_dim", "batch_input_shape", "batch_size", "input_length")


def bound_layer(
    index: TreeIndex, plan: Plan, first: Application, expr: cst.BaseExpression
) -> cst.BaseExpression:
    """The call a first element's name is bound to once in the scope, else `expr`."""
    if expr is not first.expr:
        return expr  # already resolved (a base model)
    call = binding(index, expr)
    if call is None or not _reads_as_layer(index, call):
        return expr
    end = first.line if first.line is not None else plan.statement
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value not in _READ:
            continue
        rebound = index.rebound_between(arg.value, call, end)  # type: ignore[arg-type]
        if rebound:
            raise Skip(
                OPAQUE_FIRST_LAYER,
                f" (the first layer's {arg.keyword.value}= reads {rebound},"
                " which changes before the model is made)",
                expr,
            )
    return call


def _reads_as_layer(index: TreeIndex, call: cst.Call) -> bool:
    """A layer (built-in, custom, hub), a class of this file, or a model: what the
    input step can judge. A factory call (`make_layer()`) stays a name."""
    qualified = index.qualified(call.func)
    return (
        layer_kind(index, call) is not None
        or index.single_class(call.func) is not None
        or keras_names.sequential_family(qualified) is not None
        or keras_names.is_model(qualified)
    )


def binding(index: TreeIndex, expr: cst.BaseExpression) -> cst.Call | None:
    """`name = Call(...)` with one target: the only binding of the name in its
    scope, or the one assignment that surely reaches the model (`analysis.reaching`:
    a notebook rebinds `norm_layer` from cell to cell)."""
    call = index.single_assignment(expr)
    if call is None and isinstance(expr, cst.Name):
        try:
            value = reaching_value(index, expr)
        except Unknown:
            return None
        call = value if isinstance(value, cst.Call) else None
    if call is None:
        return None
    assign = index.parent(call)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    return call


def settle_arguments(
    index: TreeIndex, plan: Plan, first: Application, call: cst.Call
) -> None:
    """Remove the input arguments from the bound call, or keep them where the name goes on."""
    if call is first.expr:
        return  # an inline layer: the writer strips it
    strip, first.strip = first.strip, ()
    if not strip:
        return
    if index.may_be_elided(first.expr.value):  # type: ignore[attr-defined]
        # Narrowing keeps a name's bindings, not every read of it, which
        # decides whether the input arguments may leave the call.
        raise WholeFileNeeded
    others = _other_uses(index, first, call)
    if others:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in strip:
                detail = (
                    f"{arg.keyword.value}={index.code(arg.value)} on"
                    f" `{index.code(first.expr)}` is kept: the name is used on line"
                    f" {others[0].line}"
                )
                plan.notes.append(
                    diagnostic(index, plan, INPUT_SHAPE_KEPT, detail, arg)
                )
        return
    # The rewrite is a str.format template (for `{Model}`): braces are doubled.
    text = index.code(_without(call, strip)).replace("{", "{{").replace("}", "}}")
    plan.node_rewrites[call] = text


def _without(call: cst.Call, names: tuple[str, ...]) -> cst.Call:
    """The call without the keyword arguments `names`, its layout otherwise kept."""
    args = list(call.args)
    kept = [a for a in args if a.keyword is None or a.keyword.value not in names]
    if kept and args[-1] not in kept:
        # The last argument went: the new last one takes its comma (or none).
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    return call.with_changes(args=kept)


def _other_uses(index: TreeIndex, first: Application, call: cst.Call) -> list[Ref]:
    """Every read of the name but the model's own, anywhere its binding reaches."""
    name: cst.Name = first.expr  # type: ignore[assignment]
    assign = index.parent(call)
    target = assign.targets[0].target  # type: ignore[union-attr]
    refs = references(index, name.value, call, assign, index.scope_root(assign))  # type: ignore[arg-type]
    # Another assignment to the name reads nothing (a notebook's next `norm_layer = ...`).
    return [
        r
        for r in refs
        if r.node is not first.expr and r.node is not target and not r.rebinds
    ]


def built_beforehand(index: TreeIndex, plan: Plan, first: Application) -> str:
    """S2F101's detail when the first layer was built by `layer.build(...)`: Keras gives no input."""
    if not isinstance(first.expr, cst.Name) or binding(index, first.expr) is None:
        return ""
    call = binding(index, first.expr)
    for ref in _other_uses(index, first, call):  # type: ignore[arg-type]
        attribute = index.parent(ref.node)
        if (
            isinstance(attribute, cst.Attribute)
            and attribute.attr.value == "build"
            and isinstance(index.parent(attribute), cst.Call)
        ):
            return (
                f" (`{index.code(first.expr)}.build(...)` on line {ref.line} builds the"
                " layer, not the model: Keras gives the model no input)"
            )
    return ""
