"""Uses that change the model.

- `model.add/pop/build(...)` after the model is complete (S2F103): the
  Functional model is fixed once made.
- `f(model)` where `f` is a function (or a class: its methods may keep the
  model) of this file that adds, pops or reads
  `.layers` (S2F105): it may change the model where this file cannot see;
  or one that makes a model or an Input (`Sequential`, `Model`, `Input` called
  by any spelling): it may make the model a layer of another
  (`keras.Model(inputs, m(inputs))`), whose weight files key it by its class
  (S2F117, as `used_as_layer` says).

Fixtures: `safety_pop_after`, `safety_mutate_in_other_block`,
`safety_handed_to_local_function`,
`safety_handed_to_safe_function`, `safety_handed_to_model_maker`.
"""

from __future__ import annotations

import libcst as cst

from ...analysis.index import TreeIndex, WholeFileNeeded
from ...diagnostics import CHANGED_AFTER_COMPLETE, ESCAPES, USED_AS_LAYER
from ..plan import Skip
from .base import Effects, Use

MUTATORS = ("add", "pop", "build")
# What a function does to a model handed to it that a Functional model would not allow.
_CHANGES = ("add", "pop", "layers", "_layers")


def changed_after_complete(use: Use, effects: Effects) -> None:
    raise Skip(
        CHANGED_AFTER_COMPLETE,
        f" ({use.attribute_name}() on line {use.line})",
        use.ref.node,
    )


def escapes(use: Use, effects: Effects) -> None:
    func = use.called_function
    if func is None:
        return
    index = use.index
    local: cst.FunctionDef | cst.ClassDef | None = index.local_functions.get(func)
    if local is None:
        # A class's methods may keep the model (`self.m = m`) and read it
        # anywhere; narrowing keeps a class's statements by their own text, and
        # may have left out the whole class.
        local = index.local_classes.get(func)
        if index.narrowed and (
            local is not None or index.may_define_class_elided(func)
        ):
            raise WholeFileNeeded
    if local is None:
        return
    call, _ = use.call_with_argument  # type: ignore[misc]
    if makes_a_model(use.index, local):
        raise Skip(
            USED_AS_LAYER,
            f" (it is handed to {func}() on line {use.line}, which makes a model)",
            call,
        )
    if may_change(use.index, local):
        raise Skip(ESCAPES, f" ({func}() on line {use.line})", call)


# Callees that make a model or an Input, however imported (read as text: the
# function may be outside what `analysis.reduced` analysed).
_MAKERS = frozenset({"Sequential", "Model", "Functional", "Input", "InputLayer"})


def makes_a_model(index: TreeIndex, function: cst.FunctionDef | cst.ClassDef) -> bool:
    """Whether a function (or class) of this file calls a model or Input constructor."""
    for node in index.walk(function.body):
        if not isinstance(node, cst.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, cst.Attribute) else func
        if isinstance(name, cst.Name) and name.value in _MAKERS:
            return True
    return False


def may_change(index: TreeIndex, function: cst.FunctionDef | cst.ClassDef) -> bool:
    """Whether a function (or class) of this file adds, pops or reads the layers of anything."""
    for node in index.walk(function.body):
        if isinstance(node, cst.Attribute) and node.attr.value in _CHANGES:
            return True
    return False
