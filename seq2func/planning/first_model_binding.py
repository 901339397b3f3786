"""Which `Sequential(...)` or `keras.Model(...)` call a first element named by a variable is.

`first_model` reads the input of the outer model's first element, a model
bound to a name. A script binds it once; a notebook often binds `encoder` or
`model` again in later cells (ageron's chapter 16 makes a new `encoder` in
several cells). Then the one assignment that surely reaches the outer model's
list (`analysis.reaching`: the last one before it, in a block that holds it)
is the model, as long as it is not changed afterwards in a way that the
converted code would show differently.

Measured on Keras 3.15 (TensorFlow 2.21) with an inner
`Sequential([Embedding(10, 4, input_shape=[None]), LSTM(8)])` that stays a
Sequential (S2F117: it is a layer of the outer model and has weights) and an
outer `Sequential([encoder, RepeatVector(5), decoder])`:

- the outer InputLayer is `(None, None)` float32, the inner's; the converted
  `keras.Input(shape=[None])` gives the same;
- the layers keep their names (`sequential`, `repeat_vector`,
  `sequential_1`), the outer InputLayer takes the same `input_layer_N`, and a
  layer made later gets the same automatic name (`dense_2`). Only the model
  names differ: the outer is `functional_N` instead of `sequential_2`, so a
  Sequential made later without `name=` is `sequential_2` instead of
  `sequential_3`, as after any conversion (SPEC 1: model names are an
  expected difference);
- initial weights are bit-identical under the same seed;
- `save_weights` (`.weights.h5`) of the original loads into the converted
  model and gives the same weights, as does `load_weights` of the original's
  `.keras` file: both key the inner model `layers/sequential/...` (it stays a
  Sequential), and the outer's own layers by their names;
- an `add()` to the inner model after the outer one is made breaks a later
  call of either form the same way (the outer graph was built with the
  inner's old output).

So a name bound more than once is read as its reaching assignment, when no
`add`, `pop` or `build` of that model can run between its own code and the
outer model (`first_model` checks that its own code ends before the outer
model), and none of them follows, while the name still holds it, nor sits in a
function. Fixtures: `input_first_model_rebound*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.reaching import Unknown, reaching_value
from ..analysis.references import references

# What changes a model whose input is already set.
_CHANGES = frozenset({"add", "pop", "build"})


def first_model_call(index: TreeIndex, expr: cst.BaseExpression) -> cst.Call | None:
    """The call that made the model `expr` names, where the outer model reads it."""
    call = index.single_assignment(expr)
    if call is not None or not isinstance(expr, cst.Name):
        return call
    try:
        value = reaching_value(index, expr)
    except Unknown:
        return None
    if not isinstance(value, cst.Call) or _changed(index, expr, value):
        return None
    return value


def _changed(index: TreeIndex, name: cst.Name, call: cst.Call) -> bool:
    """Whether an add(), pop() or build() may reach the model `call` made, after its own code.

    Its own adds come before the outer model (`first_model` checks); any
    later one, or one in a function, would change it under the outer model.
    A rebinding in the block of `name = call` ends what can reach it.
    """
    small = index.enclosing_small(call)
    if small is None:
        return True
    line = index.parent(small)
    block = index.parent(line) if line is not None else None
    made = index.pos(call).end
    read = index.pos(name).start
    root = index.scope_root(call)
    for ref in references(index, name.value, call, small, root):
        if ref.start <= (made.line, made.column) or ref.node is name:
            continue
        if ref.rebinds and not ref.deferred:
            statement = index.parent(index.enclosing_small(ref.node))
            if statement is not None and index.parent(statement) is block:
                return False
            continue
        parent = index.parent(ref.node)
        if (
            isinstance(parent, cst.Attribute)
            and parent.value is ref.node
            and parent.attr.value in _CHANGES
            and (ref.deferred or ref.start > (read.line, read.column))
        ):
            return True
    return False
