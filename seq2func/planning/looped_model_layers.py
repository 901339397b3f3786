"""`for layer in base.layers[:-1]: model.add(layer)`: another model's layers added in a loop.

Seed 000 builds its model this way from VGG16, and jeffheaton's transfer
learning notebook from a Sequential of its own. The loop adds the listed
layer objects one by one, as `Sequential(base.layers[:-1])` does
(`layers_from_model`), so the model's input is found the same way: the
other model's InputLayer when the slice starts with it (a Functional model
on `keras.Input`, or a `keras.applications` model, whose `layers[0]` is its
InputLayer), or the `input_shape=`/`input_dim=` its first layer object
keeps (a Sequential that was given them). Measured on Keras 3.15.1 and
tf_keras 2.21 for `for layer in A.layers[:-1]: B.add(layer)` then
`B.add(Dense(2))`: B's layers, input shape and dtype, weights and outputs
are those of the constructor form's B.

Only a loop whose whole body is the `add()` of its own variable, straight in
the model's block, is read: a loop that also adds other layers, or changes
the layer first, stays S2F111. The loop must add at least one layer, or
the next `add()` would be the first: a slice of a Sequential that keeps its
first layer, of a model with no `pop()`, reads as non-empty when the
literal slice leaves at least one of the layers its code lists; a slice that
surely holds an InputLayer gives the input whatever follows. The converted
code keeps the loop and applies the layer to the running tensor; when the
input is the other model's InputLayer, the loop starts after it
(`A.layers[1:-1]`, S2F222), as in the constructor form. The input is
written at the model's line, before the loop: the other model must not be
bound in between (`A.input` would read another model, or none), nor a name
its first layer's shape reads (`_from_first_layer`). A loop that starts after
the InputLayer may run no turn where the model may have only one more layer
(`A.layers[1:-1]` of two): its variable is then left unbound, so it must not
be read after the loop.
Fixtures: `seed000_vgg_layers_loop`, `form_layers_of_another_model_loop*`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.nodes import int_literal
from .layers_from_model import (
    holds_second,
    input_of_the_layers,
    layer_count,
    source_model,
)
from .plan import Application, InputSpec, Plan, Skip


def input_of_looped_layers(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input when `first` is the `add()` of a loop over another model's
    layers; None, with the reason in `skip` where there is one, else."""
    loop = _adding_loop(index, plan, first)
    if loop is None:
        return None
    rebound = index.rebound_between(loop.iter, plan.call, loop)
    if rebound is not None:
        # The converted code reads it at the model's line (`A.input`).
        skip.detail = f" (`{rebound}` is bound between the model's line and the loop)"
        return None
    taken = Application(expr=loop.iter, top_level=True, loop=True)
    spec = input_of_the_layers(index, plan, taken, skip)
    if spec is None:
        return None
    if taken.expr is not loop.iter:
        # The other model's InputLayer is the input; the loop starts after it.
        if not holds_second(index, loop.iter) and _read_after(index, loop):
            # The shifted loop may run no turn, leaving its variable unbound.
            skip.detail = f" (`{index.code(loop.target)}` is read after the loop, which may add only the InputLayer)"
            return None
        plan.node_rewrites[loop.iter] = index.code(taken.expr)
    elif not _adds_a_layer(index, loop.iter):
        skip.detail = f" (`{index.code(loop.iter)}` may hold no layer)"
        return None
    return spec


def _adding_loop(index: TreeIndex, plan: Plan, first: Application) -> cst.For | None:
    """The `for v in X.layers[...]:` whose whole body is `model.add(v)`, in the model's block."""
    line = first.line
    if line is None or not isinstance(first.expr, cst.Name):
        return None
    body = index.parent(line)
    loop = index.parent(body) if body is not None else None
    if not (
        isinstance(loop, cst.For)
        and loop.body is body
        and index.parent(loop) is plan.block
        and loop.orelse is None
        and loop.asynchronous is None
        and isinstance(loop.body, cst.IndentedBlock)
        and len(loop.body.body) == 1
        and len(line.body) == 1
        and isinstance(loop.target, cst.Name)
        and loop.target.value == first.expr.value
        and source_model(loop.iter) is not None
    ):
        return None
    return loop


def _adds_a_layer(index: TreeIndex, taken: cst.BaseExpression) -> bool:
    """Whether `X.layers[a:b]` of a Sequential whose code lists its layers holds one."""
    found = source_model(taken)
    assert found is not None
    name, lower = found
    count = layer_count(index, name)
    if count is None or lower not in (None, 0):
        return False
    if not isinstance(taken, cst.Subscript):
        return count >= 1
    part = taken.slice[0].slice
    assert isinstance(part, cst.Slice)
    upper = int_literal(part.upper) if part.upper is not None else count
    assert upper is not None  # source_model reads only literal bounds
    return len(range(count)[:upper]) >= 1


def _read_after(index: TreeIndex, loop: cst.For) -> bool:
    """Whether the loop's variable may be read after the loop (a function
    defined there included)."""
    if index.narrowed:
        raise WholeFileNeeded  # a read may be in a statement narrowing left out
    target = loop.target
    assert isinstance(target, cst.Name)
    end = index.pos(loop).end
    scope_end = index.pos(index.scope_root(loop)).end
    for node in index.names.get(target.value, []):
        where = index.pos(node).start
        after = (end.line, end.column) < (where.line, where.column)
        inside = (where.line, where.column) < (scope_end.line, scope_end.column)
        if after and inside and index.context(node) != ExpressionContext.STORE:
            return True
    return False
