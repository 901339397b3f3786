"""A first `add()` inside `for` loops that surely run, on a model built by its data.

Keras tests and tutorials stack layers in a loop from the start:

    model = Sequential()
    for _ in range(5):
        model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(NUM_CLASSES))
    model.fit(x_train, y_train)

No layer states an input, so the model takes it from the data of its first
build (`first_build`). There the first layer's place does not decide the
input's shape; it decides the `InputLayer`'s dtype (Keras 3: the first
layer's compute dtype; Keras 2: the data's, `keras2_first_build`) and which
first layers the converter refuses (lookup layers, custom layers, ...). When
every compound statement between the `add()` and the model's block is a
`for` that surely runs its body at least once (`nonempty_loops`: a literal
non-empty `range`, list or tuple, no `continue`/`break`), and the `add()` is
in the loops' bodies (not an `else:`), the first turn adds the first layer:
that layer is the model's first, as if it were written at the top level. The
converted code keeps the loop, the Input made before it, as for loops of
`add()` after the first layer. Measured by verifying the fixtures (Keras
3.15, tf_keras 2.21): a looped first `Dense(dtype="float64")` gives Keras 3's
InputLayer float64 and Keras 2's, fitted on NumPy floats, float32, as a
first layer at the top level does; layers, weights and outputs agree.

`for layer in [Dense(8), Dense(4)]: model.add(layer)` adds the list's first
element first. Its elements must all be built-in Keras layers made there:
a name there could hold an Input or a model, which `inputs` looks for only
on the model's own elements. The loop variable must not be rebound before
the `add()`.

Not done: a loop that may run no turn (`range(n)`), an `if` or a `while`
around the first `add()`. There any `add()` up to the first top-level one
may come first; those stay S2F111. So does a first layer in a loop that
states its input (`input_shape=`), or a model given its input by a later
`build(shape)`: the Input would be written before the loop, where names
the loop binds are not yet set. Fixtures: `input_first_build_first_layer_in_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..diagnostics import OPAQUE_FIRST_LAYER
from .nonempty_loops import loops_at_least_once
from .plan import Application, Plan, Skip

IN_LOOP = " (the first layer is added inside a loop or a condition)"


def refusal(first: Application) -> Skip:
    """The skip of a first layer added in a loop or a condition, as it always was."""
    return Skip(OPAQUE_FIRST_LAYER, IN_LOOP, first.expr)


def first_layer(index: TreeIndex, plan: Plan, first: Application) -> cst.BaseExpression:
    """The layer a first `add()` that is not at the top level surely adds first.

    Raises S2F111 when the loops around it may run no turn, another compound
    statement holds it, or the loop's list cannot be read.
    """
    loops = _enclosing_loops(index, plan, first)
    if loops is None or not all(loops_at_least_once(index, loop) for loop in loops):
        raise refusal(first)
    layer = added_layer(index, first)
    if layer is None:
        raise refusal(first)
    return layer


def added_layer(index: TreeIndex, first: Application) -> cst.BaseExpression | None:
    """What `first` adds: its expression; for `for layer in [A(), B()]:
    model.add(layer)`, `A()`.

    None when the loop's list holds something other than calls, or the loop
    variable is bound again before the `add()`.
    """
    expr = first.expr
    if not isinstance(expr, cst.Name) or first.line is None:
        return expr
    loop = next(
        (a for a in index.ancestors(first.line) if isinstance(a, cst.For)), None
    )
    if not (
        loop is not None
        and isinstance(loop.target, cst.Name)
        and loop.target.value == expr.value
    ):
        # A name bound to a layer in the loop's body reads as its call
        # (`first_layer_variable`), which the caller resolves.
        return expr
    if not isinstance(loop.iter, (cst.List, cst.Tuple)) or not all(
        isinstance(e, cst.Element) and _keras_layer(index, e.value)
        for e in loop.iter.elements
    ):
        return None
    if index.rebound_between(expr, loop.body, first.line):
        return None
    return loop.iter.elements[0].value


def _enclosing_loops(
    index: TreeIndex, plan: Plan, first: Application
) -> list[cst.For] | None:
    """The `for` loops between the `add()` line and the model's block, outermost
    last; None when another compound statement, or a loop's `else:`, is between."""
    if first.line is None:
        return None
    loops: list[cst.For] = []
    child: cst.CSTNode = first.line
    for ancestor in index.ancestors(first.line):
        if ancestor is plan.block:
            return loops
        if isinstance(ancestor, cst.For):
            if ancestor.body is not child or ancestor.asynchronous is not None:
                return None
            loops.append(ancestor)
        elif not isinstance(ancestor, cst.IndentedBlock):
            return None
        child = ancestor
    return None


def _keras_layer(index: TreeIndex, expr: cst.BaseExpression) -> bool:
    """A built-in Keras layer made there: not an Input, a model or a custom layer,
    whose own inputs or InputLayers `inputs` checks only on the model's elements."""
    return isinstance(expr, cst.Call) and (
        keras_names.keras_layer_class(index.qualified(expr.func)) is not None
    )
