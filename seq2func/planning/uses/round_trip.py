"""Copies that come back Functional: a clone, or the file this model saved, read back.

A converted model is Functional, and so is every copy Keras makes of it.
Measured on Keras 3.15.1 and tf_keras 2.21 with two Dense layers built as a
Sequential (`input_shape=(3,)`) and as a Functional model on
`keras.Input(shape=(3,))`: `load_model` of what `model.save(path)` or
`save_model(model, path)` wrote (`.keras` and `.h5`; tf_keras also its
SavedModel folder), Keras 3's `legacy_h5_format.load_model_from_hdf5` of
`save_model_to_hdf5`, `model_from_json(model.to_json())` and
`clone_model(model)` give back, for the Sequential, a Sequential whose
`.layers` is `[Dense, Dense]`, and for the Functional model, a Functional
one whose `.layers` is `[InputLayer, Dense, Dense]`: the converted model's
own `.layers`. The copy's layers carry no input shape in either case (on
Keras 3 a Sequential made of them has no input), so, unlike the model's
own layers (`layers.hands_out_layers`), handing them out keeps nothing.

So a read of such a copy's `.layers` or `get_layer(...)` gets the model's
own rules (`layers.rewrite_layers`, `layers.get_layer_by_index`): an index
or a slice shifted past the InputLayer, `len(...) - 1`, a bare `.layers`
sliced from 1 (S2F203); `get_layer(name)` means the same on both, and
`get_layer(index=...)` is skipped (S2F106). This module says when a copy is
certainly one of these:

- `clone_model(model)` with no other argument, of the model or of such a
  copy; a copy bound to another name (`other = copy`) is the same object;
- a load (`load_model`, `load_model_from_hdf5`) of the file this model was
  saved to: the same string literal, or the same name with one binding
  reaching both reads; the save a statement of its own, in a block that
  holds the load and before it, and nothing from the save to the load (a
  loop around the load included) saving a model or reading that name;
- `model_from_json(j)` where `j` is this model's own `to_json()`, by one
  binding.

The read must reach the copy's binding alone, in the copy's own scope (not
in a function, which may run at any time). Any other use of a copy is judged
by `copies.check_copies` as before (S2F106). A file's `Sequential.from_config`
is not followed: it is a Sequential whatever it reads. Fixtures:
`later_round_trip_*`, `safety_round_trip_*`.
"""

from __future__ import annotations

from typing import Final

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis import keras_names
from ...analysis.index import TreeIndex, WholeFileNeeded
from ...analysis.may_reach import reaching_bindings
from ...analysis.references import Ref
from ..plan import Plan
from . import layers
from .base import Effects, Use

# What a certain copy may read: the model's own rules decide it.
COPY_READS: Final = ("layers", "get_layer")
_LOADERS: Final = ("load_model", "load_model_from_hdf5")
# Calls that may write a model file between a save and its load.
_WRITERS: Final = frozenset({"save", "save_model", "save_model_to_hdf5", "export"})
_BLOCKS = (cst.Module, cst.IndentedBlock)


def plain_clone(index: TreeIndex, node: cst.CSTNode | None) -> bool:
    """`clone_model(x)` with nothing else: no `input_tensors=`, no `clone_function=`."""
    return (
        isinstance(node, cst.Call)
        and keras_names.is_clone(index.qualified(node.func))
        and len(node.args) == 1
        and not node.args[0].star
        and node.args[0].keyword is None
    )


def hands_on(index: TreeIndex, node: cst.CSTNode, cloned_only: bool = False) -> bool:
    """Whether what `node` holds goes to the copies `copies.copies_of` finds as it
    is, or through a plain clone, bound to one name (`c = clone_model(node)`)."""
    holder, parent = node, index.parent(node)
    if isinstance(parent, cst.Arg) and parent.value is node:
        call = index.parent(parent)
        if not plain_clone(index, call):
            return False
        holder, parent = call, index.parent(call)  # type: ignore[assignment]
        if isinstance(parent, cst.Attribute) and parent.value is holder:
            return True  # `clone_model(model).layers`
    elif cloned_only:
        return False
    return (
        isinstance(parent, cst.Assign)
        and parent.value is holder
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    )


def certain_read(index: TreeIndex, copy: cst.CSTNode, read: cst.CSTNode) -> bool:
    """Whether `read` reads the copy `copy` binds and nothing else, when its code runs."""
    parent = index.parent(read)
    if not (
        isinstance(parent, cst.Attribute)
        and parent.value is read
        and parent.attr.value in COPY_READS
    ):
        return False
    if read is copy:
        return True  # the copy itself: `clone_model(model).layers`
    if not isinstance(copy, cst.Name) or not isinstance(read, cst.Name):
        return False
    bindings = reaching_bindings(index, read)
    if bindings is None or len(bindings) != 1 or bindings[0].target is not copy:
        return False
    if index.is_deferred_below(read, index.scope_root(copy)):
        return False
    if index.may_be_bound_elided(copy.value):
        raise WholeFileNeeded  # a blanked statement may bind the name again
    return True


def read_layers(
    index: TreeIndex, plan: Plan, read: cst.BaseExpression, effects: Effects
) -> None:
    """The model's own rule for `copy.layers` / `copy.get_layer(...)`."""
    start = index.pos(read).start
    use = Use(
        index,
        plan,
        Ref(read, (start.line, start.column), False, ExpressionContext.LOAD),
    )
    if use.attribute_name == "layers":
        layers.rewrite_layers(use, effects)
    else:
        layers.get_layer_by_index(use, effects)


def reads_back(index: TreeIndex, plan: Plan, call: cst.Call) -> bool:
    """Whether the deserializing `call` certainly reads back what this model wrote."""
    names = {q.rsplit(".", 1)[-1] for q in index.qualified(call.func)}
    if names & set(_LOADERS):
        path = _argument(call, 0, "filepath")
        return path is not None and any(
            _same_file(index, save, saved_to, call, path)
            for save, saved_to in _saves(index, plan)
        )
    if "model_from_json" in names:
        return _own_json(index, plan, _argument(call, 0, "json_string"))
    return False


def _saves(index: TreeIndex, plan: Plan) -> list[tuple[cst.Call, cst.BaseExpression]]:
    """`model.save(path)` and `save_model(model, path)` of this model, with the path."""
    found = []
    for ref in plan.later_uses:
        use = Use(index, plan, ref)
        if use.attribute_name == "save":
            call = index.parent(use.attribute)  # type: ignore[arg-type]
            if isinstance(call, cst.Call) and call.func is use.attribute:
                path = _argument(call, 0, "filepath")
                if path is not None:
                    found.append((call, path))
        serialized = use.call_with_argument
        if serialized is not None and keras_names.is_serializer(
            index.qualified(serialized[0].func)
        ):
            call, arg = serialized
            path = _argument(call, 1, "filepath")
            if call.args[0] is arg and path is not None:
                found.append((call, path))
    return found


def _same_file(
    index: TreeIndex,
    save: cst.Call,
    saved_to: cst.BaseExpression,
    load: cst.Call,
    loaded_from: cst.BaseExpression,
) -> bool:
    """The save runs before the load whenever the load runs, to the same path, and
    nothing in between writes a model there."""
    if not _same_value(index, saved_to, loaded_from):
        return False
    statement = index.enclosing_small(save)
    if not (isinstance(statement, cst.Expr) and statement.value is save):
        return False
    line = index.parent(statement)
    block = index.parent(line)  # type: ignore[arg-type]
    if not isinstance(block, _BLOCKS) or block not in set(index.ancestors(load)):
        return False
    if index.is_deferred_below(load, block):
        return False
    holder = index.top_statement(load, block)
    body = list(block.body)
    if holder is line or body.index(holder) < body.index(line):  # type: ignore[arg-type]
        return False
    _needs_whole_file(index, save, load, loaded_from)
    between = body[body.index(line) : body.index(holder) + 1]  # type: ignore[arg-type]
    return not any(
        _writes_or_reads(index, node, save, (saved_to, loaded_from))
        for statement in between
        for node in index.walk(statement)
    )


def _needs_whole_file(
    index: TreeIndex, save: cst.Call, load: cst.Call, path: cst.BaseExpression
) -> None:
    """Raise `WholeFileNeeded` when a statement narrowing blanked out between the
    save and the load may save a model or bind the path's name (a function is
    never blanked in part)."""
    if not index.narrowed:
        return
    function = index.enclosing_function(save)
    if function is not None and function is index.enclosing_function(load):
        return
    words = [*_WRITERS, *([path.value] if isinstance(path, cst.Name) else [])]
    if any(index.may_be_elided(word) for word in words):
        raise WholeFileNeeded


def _writes_or_reads(
    index: TreeIndex,
    node: cst.CSTNode,
    save: cst.Call,
    paths: tuple[cst.BaseExpression, cst.BaseExpression],
) -> bool:
    """A call that may save a model, or another read of the path's name."""
    path = paths[1]
    if isinstance(node, cst.Call) and node is not save:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        name = func.value if isinstance(func, cst.Name) else name
        if name in _WRITERS or keras_names.is_serializer(index.qualified(func)):
            return True
    return (
        isinstance(path, cst.Name)
        and isinstance(node, cst.Name)
        and node.value == path.value
        and all(node is not p for p in paths)
        and not (
            isinstance(index.parent(node), cst.Attribute)
            and index.parent(node).attr is node  # type: ignore[union-attr]
        )
    )


def _same_value(index: TreeIndex, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """The same string literal, or one name with the same single binding reaching both."""
    if isinstance(a, cst.SimpleString) and isinstance(b, cst.SimpleString):
        return a.evaluated_value == b.evaluated_value
    if not (isinstance(a, cst.Name) and isinstance(b, cst.Name) and a.value == b.value):
        return False
    first, second = reaching_bindings(index, a), reaching_bindings(index, b)
    return (
        first is not None
        and second is not None
        and len(first) == len(second) == 1
        and first[0].target is second[0].target
    )


def _own_json(index: TreeIndex, plan: Plan, json: cst.BaseExpression | None) -> bool:
    """`model.to_json()` of this model, or a name bound to it alone."""
    value: cst.CSTNode | None = json
    if isinstance(json, cst.Name):
        if index.narrowed and index.may_be_elided(json.value):
            raise WholeFileNeeded  # a blanked statement may bind the name
        bindings = reaching_bindings(index, json)
        if bindings is None or len(bindings) != 1:
            return False
        value = bindings[0].value
    if not (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "to_json"
    ):
        return False
    owner = value.func.value
    return any(ref.node is owner for ref in plan.later_uses)


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument at `position`, or by `keyword`; None behind a `*`/`**`."""
    for at, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None and at == position:
            return arg.value
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None
