"""Which first layers take `input_shape=`/`input_dim=` as Keras's own layers do.

Keras's `Layer.__init__` pops `input_shape`/`input_dim` from its keyword
arguments and keeps them on the layer; `Sequential.add` makes its InputLayer
from them. A layer class reaches that code when every `__init__` between it
and Keras hands its `**kwargs` on unchanged. Measured on Keras 3.15:

- a class in the file with no `__init__` (`class Scale(keras.layers.Layer)`),
  or whose `__init__(self, units, **kwargs)` calls `super().__init__(**kwargs)`,
  gives `Sequential([Custom(..., input_shape=(3,)), ...])` the input
  `(None, 3)`, float32 even with `dtype="float64"` (as for Dense);
- `input_dim=d` means `(d,)` on a subclass of `Layer`, and is the vocabulary
  on a subclass of `Embedding`, as on Embedding itself;
- an `__init__` that names `input_shape` itself consumes it (the model stays
  unbuilt), and one without `**kwargs` raises TypeError;
- a class without a `get_config()` of its own (anywhere between it and
  Keras's `Layer`) records its constructor's arguments, `input_shape`
  included, in its config (`Operation.get_config`'s auto-config). So the
  arguments stay on a custom first layer (S2F216); a Functional model
  ignores them.

`functools.partial(keras.layers.Conv2D, kernel_size=3)` (ageron's
`DefaultConv2D`) calls the built-in layer with the call's keywords added;
a name a notebook binds again from cell to cell is read as the one
assignment that surely reaches the model (`analysis.reaching`), and so is a
layer class a notebook defines again in a later cell (ageron's `MyDense`).

`hub.KerasLayer(handle, ..., **kwargs)` (tensorflow_hub 0.16) hands its
kwargs to `Layer` too; it is a Keras 2 (`tf_keras`) layer, so the model it
starts follows Keras 2, whose InputLayer takes the layer's dtype
(`planning/keras2.py`): a class whose `__init__` hands `super().__init__` a
`dtype=`, or that derives from a lookup-type layer, keeps a Keras 2 site
(S2F113).

A class that does not qualify is left to S2F111, with the reason.
Fixtures: `input_custom_*`, `input_hub_*`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import kwarg
from ..analysis.reaching import Unknown, reaching_class, reaching_value
from ..diagnostics import INPUT_KEPT_IN_CONFIG
from .plan import Plan, diagnostic

# What Keras's Layer reads from the keyword arguments to make the input.
_INPUT_NAMES = frozenset(
    {"input_shape", "input_dim", "batch_input_shape", "batch_size"}
)
_DEPTH = 8  # classes between the first layer's and Keras's own


@dataclass(frozen=True)
class LayerKind:
    """A first layer whose input arguments reach Keras's `Layer.__init__`."""

    name: str  # as messages name it: `Dense`, `MyDense`, `hub.KerasLayer`
    custom: bool = False  # a class of this file: its config may record its arguments
    embedding: bool = (
        False  # `input_dim` is a vocabulary size (Embedding and subclasses)
    )
    keras2: bool = False  # a Keras 2 layer whatever the file imports (hub.KerasLayer)
    consumes_dtype: bool = False  # an `__init__` on the way names `dtype` itself
    # `super().__init__(dtype=..., **kwargs)` on the way: Keras 2's InputLayer
    # takes that dtype.
    sets_dtype: bool = False
    builtin: str = ""  # the built-in class a class of this file derives from


class _NotPassed(Exception):
    """The reason a class does not hand the input arguments to Keras."""


def layer_kind(index: TreeIndex, call: cst.Call) -> LayerKind | None:
    """The kind of layer `call` makes, when its input arguments reach Keras's Layer."""
    try:
        return _kind(index, call)
    except _NotPassed:
        return None


def opaque_reason(index: TreeIndex, call: cst.Call) -> str:
    """Why the input of `call` cannot be read, for S2F111's message."""
    try:
        _kind(index, call)
    except _NotPassed as reason:
        qualified = index.qualified(call.func)
        if (
            keras_names.sequential_family(qualified)
            or keras_names.is_model(qualified)
            or keras_names.is_application(qualified)
        ):
            return f"a {index.code(call.func)} whose input is not known there"
        return str(reason)
    return f"{index.code(call.func)} is not a built-in Keras layer"


def _kind(index: TreeIndex, call: cst.Call) -> LayerKind:
    qualified = index.qualified(call.func)
    builtin = keras_names.keras_layer_class(qualified)
    if builtin is not None:
        return LayerKind(builtin, embedding=keras_names.is_embedding(qualified))
    if keras_names.is_hub_layer(qualified):
        return LayerKind(index.code(call.func), keras2=True)
    partial = _partial_layer(index, call.func)
    if partial is not None:
        return partial
    cls = index.single_class(call.func) or _reaching_class(index, call.func)
    if cls is None:
        raise _NotPassed(f"{index.code(call.func)} is not a built-in Keras layer")
    root = _root(index, cls, depth=0)
    return LayerKind(
        cls.name.value,
        custom=True,
        embedding=root.embedding,
        keras2=root.keras2,
        consumes_dtype=root.consumes_dtype,
        sets_dtype=root.sets_dtype,
        builtin=root.name,
    )


def _reaching_class(index: TreeIndex, func: cst.BaseExpression) -> cst.ClassDef | None:
    """The class a notebook defined again in a later cell: the one that reaches."""
    if not isinstance(func, cst.Name):
        return None
    try:
        return reaching_class(index, func)
    except Unknown:
        return None


def _partial_layer(index: TreeIndex, func: cst.BaseExpression) -> LayerKind | None:
    """`DefaultConv2D = functools.partial(keras.layers.Conv2D, kernel_size=3, ...)`:
    calling it calls the built-in layer, the call's keywords over the partial's."""
    bound = index.single_assignment(func)
    if bound is None and isinstance(func, cst.Name):
        # A notebook binds it again in a later cell: the assignment that reaches.
        try:
            value = reaching_value(index, func)
        except Unknown:
            value = None
        bound = value if isinstance(value, cst.Call) else None
    if bound is None or "functools.partial" not in index.qualified(bound.func):
        return None
    if not bound.args or bound.args[0].keyword is not None or bound.args[0].star:
        return None
    rest = bound.args[1:]
    if any(
        a.keyword is None or a.star or a.keyword.value in _INPUT_NAMES for a in rest
    ):
        return None  # positional or input arguments bound in: not read here
    qualified = index.qualified(bound.args[0].value)
    builtin = keras_names.keras_layer_class(qualified)
    if builtin is None:
        return None
    name = f"{index.code(func)} ({builtin})"
    return LayerKind(name, embedding=keras_names.is_embedding(qualified))


def _root(index: TreeIndex, cls: cst.ClassDef, depth: int) -> LayerKind:
    """The Keras class `cls` derives from, when every `__init__` on the way passes kwargs on."""
    name = cls.name.value
    if depth >= _DEPTH:
        raise _NotPassed(f"{name} derives from too many classes in this file")
    for decorator in cls.decorators:
        if not _registers(index, decorator.decorator):
            raise _NotPassed(f"{name} is decorated")
    if len(cls.bases) != 1 or cls.bases[0].keyword is not None or cls.keywords:
        raise _NotPassed(f"{name} does not derive from one Keras layer class")
    consumes_dtype, sets_dtype = _check_init(index, cls)
    base = cls.bases[0].value
    qualified = index.qualified(base)
    if keras_names.is_base_layer(qualified):
        return LayerKind("Layer", consumes_dtype=consumes_dtype, sets_dtype=sets_dtype)
    builtin = keras_names.keras_layer_class(qualified)
    if builtin is not None:
        return LayerKind(
            builtin,
            embedding=keras_names.is_embedding(qualified),
            consumes_dtype=consumes_dtype,
            sets_dtype=sets_dtype,
        )
    if keras_names.is_hub_layer(qualified):
        return LayerKind(
            "KerasLayer",
            keras2=True,
            consumes_dtype=consumes_dtype,
            sets_dtype=sets_dtype,
        )
    parent = index.single_class(base)
    if parent is None or parent is cls:
        raise _NotPassed(f"{name} derives from {index.code(base)}, not a Keras layer")
    root = _root(index, parent, depth + 1)
    return LayerKind(
        root.name,
        embedding=root.embedding,
        keras2=root.keras2,
        consumes_dtype=root.consumes_dtype or consumes_dtype,
        sets_dtype=root.sets_dtype or sets_dtype,
    )


def _registers(index: TreeIndex, decorator: cst.BaseExpression) -> bool:
    """`@keras.saving.register_keras_serializable(...)` returns the class unchanged."""
    func = decorator.func if isinstance(decorator, cst.Call) else decorator
    return any(q.endswith("register_keras_serializable") for q in index.qualified(func))


def _check_init(index: TreeIndex, cls: cst.ClassDef) -> tuple[bool, bool]:
    """Raise unless the class's own `__init__` (if any) hands `**kwargs` on unchanged.

    Returns whether it names `dtype` itself, and whether it hands
    `super().__init__` a `dtype=` of its own (Keras 2 reads the layer's dtype).
    """
    name = cls.name.value
    init = None
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value in (
            "__init__",
            "__new__",
        ):
            if statement.name.value == "__new__" or init is not None:
                raise _NotPassed(
                    f"{name} defines {statement.name.value} more than once"
                )
            init = statement
        elif _binds(statement, ("__init__", "__new__")):
            raise _NotPassed(f"{name} assigns __init__")
    if init is None:
        return False, False
    params = init.params
    named = [*params.posonly_params, *params.params, *params.kwonly_params]
    consumed = [p.name.value for p in named if p.name.value in _INPUT_NAMES]
    if consumed:
        raise _NotPassed(f"{name}.__init__ takes {consumed[0]} itself")
    star = params.star_kwarg
    if star is None:
        raise _NotPassed(f"{name}.__init__ takes no **kwargs")
    if init.decorators:
        raise _NotPassed(f"{name}.__init__ is decorated")
    kwargs = star.name.value
    if not _forwards(index, init, kwargs, index.code(cls.bases[0].value)):
        raise _NotPassed(
            f"{name}.__init__ does not hand **{kwargs} unchanged to super().__init__"
        )
    base = index.code(cls.bases[0].value)
    sets = any(
        _is_super_init(index, n, base) and kwarg(n, "dtype") is not None
        for n in index.walk(init.body)
    )
    return any(p.name.value == "dtype" for p in named), sets


def _binds(statement: cst.BaseStatement, names: tuple[str, ...]) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            if any(isinstance(t, cst.Name) and t.value in names for t in targets):
                return True
    return False


def _forwards(index: TreeIndex, init: cst.FunctionDef, kwargs: str, base: str) -> bool:
    """One statement `super().__init__(..., **kwargs)` in the body, and no other use of kwargs."""
    uses = [
        n
        for n in index.walk(init.body)
        if isinstance(n, cst.Name) and n.value == kwargs
    ]
    if len(uses) != 1:
        return False
    for statement in init.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Expr) and _is_super_init(index, small.value, base):
                call: cst.Call = small.value  # type: ignore[assignment]
                stars = [a for a in call.args if a.star == "**"]
                if (
                    len(stars) == 1
                    and stars[0].value is uses[0]
                    and not any(
                        a.keyword is not None and a.keyword.value in _INPUT_NAMES
                        for a in call.args
                    )
                ):
                    return True
    return False


def _is_super_init(index: TreeIndex, expr: cst.BaseExpression, base: str) -> bool:
    """`super().__init__(...)`, `super(Cls, self).__init__(...)` or `Base.__init__(self, ...)`."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    if expr.func.attr.value != "__init__":
        return False
    owner = expr.func.value
    if isinstance(owner, cst.Call):
        return isinstance(owner.func, cst.Name) and owner.func.value == "super"
    return index.code(owner) == base and bool(expr.args)


def kept_in_config(
    index: TreeIndex,
    plan: Plan,
    layer_class: str,
    arguments: tuple[cst.Arg | None, ...],
) -> list[cst.Arg]:
    """Input arguments that stay on their layer because its config records them (S2F216)."""
    found = [
        a
        for a in arguments
        if a is not None and a.keyword is not None and a.keyword.value in _INPUT_NAMES
    ]
    for arg in found:
        detail = f"{arg.keyword.value}={index.code(arg.value)} on {layer_class}"  # type: ignore[union-attr]
        plan.notes.append(diagnostic(index, plan, INPUT_KEPT_IN_CONFIG, detail, arg))
    return found
