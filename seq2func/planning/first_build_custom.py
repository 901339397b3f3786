"""`LATE_SOURCES` entry: a custom first layer of this file, the input from the data of the first build.

`first_build` gives a model whose first layer is a built-in Keras layer the
input of its first `fit`/`evaluate`/`predict`/call. A custom layer class
defined in the file (`class ExampleLayer(layers.Layer)`) without
`input_shape=` is built the same way, whether its `__init__` takes
`**kwargs` or not (one without `**kwargs` cannot take `input_shape=` at all,
which is why S2F111 stopped there). Measured on Keras 3.15.1 (TensorFlow
backend), for `Sequential([NoKwargs(3)])` whose `__init__(self, units)`
calls `super().__init__()`:

- `evaluate` on `np.ones((2, 4), dtype="int64")` gives an InputLayer
  `(2, 4)` float32: the layer's compute dtype, the float policy's, not the
  data's; `keras.config.set_dtype_policy("mixed_float16")` gives float16 and
  `"float64"` float64 (a global policy: S2F113, `first_build`);
- initial weights are bit-identical to the converted model's when nothing
  draws a seed between the model and its first build, and differ when
  something does (a `Dense(2)` made in between), because a weight the
  layer's own `build()` makes draws its initializer's seed at build time,
  which moves to the model's line once converted (Keras's own layers draw it
  when they are made, `first_build`).

So the rule takes the custom layer only when what it does cannot depend on
when or on what it is built: every class from it up to Keras's (all in this
file, up to `Layer` or a built-in float layer) defines no `build`,
`compute_output_shape`/`compute_output_spec` or `__call__`, reads no shape
(`.shape`, `shape()`, `len()`, `reshape()`: the original may see a batch
size where the converted model sees None), makes no weight, variable, layer
or random draw outside `__init__`, names no dtype or input argument, and
hands on no `**` but its own `**kwargs`; the call passes neither `dtype=`,
input arguments nor `**`. Then the input is the data's shape with no dtype
argument (float32, Keras's default, as the layer's). `keras.config.set_floatx`
in the file also leaves it alone. A file narrowed for speed is converted
whole (the class's methods must all be read). Keras 2 files are left alone
(`first_build`).

Notes S2F210 (and S2F211) as `first_build`. Fixtures:
`input_first_build_custom_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..diagnostics import NO_INPUT, OPAQUE_FIRST_LAYER
from . import keras2
from .first_build import first_builds, input_from_builds
from .plan import Application, InputSpec, Plan, Skip

_DEPTH = 8
_NOT_FLOAT = frozenset(
    {"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization"}
)
# Methods whose code runs when the layer is built: their timing and the
# shape they are given differ once converted.
_BUILD_METHODS = frozenset(
    {"build", "compute_output_shape", "compute_output_spec", "__call__", "__new__"}
)
# Keywords that set the layer's dtype or give it an input.
_SETTINGS = frozenset(
    {
        "dtype",
        "dtype_policy",
        "autocast",
        "input_shape",
        "input_dim",
        "batch_input_shape",
        "batch_size",
        "batch_shape",
        "input_length",
    }
)
_SHAPE_ATTRIBUTES = frozenset(
    {"shape", "input_shape", "output_shape", "batch_shape", "input_spec"}
)
_SHAPE_CALLS = frozenset({"shape", "len", "reshape", "get_shape", "int_shape", "size"})
# Outside `__init__`: what makes a weight, a layer or a random draw.
_MAKING_ATTRIBUTES = frozenset({"add_weight", "add_variable"})
_MAKING_WORDS = ("random", "initializer", "Initializer", "Variable", "Seed", "layers.")


def input_from_custom_first_build(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input of the first build, for a custom first layer that cannot tell when it is built."""
    if skip.code not in (NO_INPUT, OPAQUE_FIRST_LAYER):
        return None
    call = first.expr
    if not isinstance(call, cst.Call) or not _plain_call(call):
        return None
    cls = index.single_class(call.func)
    if cls is None or _sets_floatx(index):
        return None
    if keras2.runs_on_keras2(index, plan):
        if not skip.detail:
            # Keras 2 builds the InputLayer in the data's dtype, which a custom
            # layer's call may need as it is: only built-in first layers are read.
            skip.detail = f" (the first layer, {index.code(call.func)}, is a class of this file, and the file runs on Keras 2)"
        return None
    builds = first_builds(index, plan, skip)
    if builds is None:
        return None
    if index.narrowed:
        raise WholeFileNeeded  # a method narrowing blanked could read a shape
    reason = _not_inert(index, cls, 0)
    if reason is not None:
        if not skip.detail or skip.code == OPAQUE_FIRST_LAYER:
            skip.detail = f" ({reason})"  # the class's own reason, not its **kwargs
        return None
    return input_from_builds(index, plan, skip, builds, call, lambda: "")


def _plain_call(call: cst.Call) -> bool:
    return not any(
        arg.star or (arg.keyword is not None and arg.keyword.value in _SETTINGS)
        for arg in call.args
    )


def _sets_floatx(index: TreeIndex) -> bool:
    """`keras.config.set_floatx(...)` changes the float policy every layer takes."""
    return bool(index.attributes.get("set_floatx") or index.names.get("set_floatx"))


def _not_inert(index: TreeIndex, cls: cst.ClassDef, depth: int) -> str | None:
    """Why a class from `cls` to Keras's is not inert (module docstring), or None."""
    name = cls.name.value
    if depth >= _DEPTH or len(cls.bases) != 1 or cls.keywords:
        return f"{name} does not derive from one Keras layer class"
    if cls.bases[0].keyword is not None:
        return f"{name} does not derive from one Keras layer class"
    for decorator in cls.decorators:
        func = decorator.decorator
        func = func.func if isinstance(func, cst.Call) else func
        if not any(
            q.endswith("register_keras_serializable") for q in index.qualified(func)
        ):
            return f"{name} is decorated"
    reason = _class_reason(index, cls)
    if reason is not None:
        return reason
    base = cls.bases[0].value
    qualified = index.qualified(base)
    if keras_names.is_base_layer(qualified):
        return None
    builtin = keras_names.keras_layer_class(qualified)
    if builtin in _NOT_FLOAT:
        return f"{builtin} gives the InputLayer its own int or string dtype"
    if builtin is not None:
        return None
    parent = index.single_class(base)
    if parent is None or parent is cls or keras_names.is_hub_layer(qualified):
        return f"{name} derives from {index.code(base)}, not a Keras layer"
    return _not_inert(index, parent, depth + 1)


def _class_reason(index: TreeIndex, cls: cst.ClassDef) -> str | None:
    owner = cls.name.value
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef):
            name = statement.name.value
            if name in _BUILD_METHODS or "dtype" in name or name in _SHAPE_ATTRIBUTES:
                return f"{owner} defines {name}(), which runs when the model is built"
            reason = _method_reason(index, statement)
            if reason is not None:
                return f"{owner}.{name} {reason}"
        elif _mentions_settings(index, statement):
            return f"{owner} names a dtype or a shape in its body"
    return None


def _method_reason(index: TreeIndex, method: cst.FunctionDef) -> str | None:
    """Why the method may act otherwise once converted: a shape read, a setting
    named, a `**` but its own kwargs, a weight, layer or draw made outside `__init__`.
    """
    star = method.params.star_kwarg
    own = star.name.value if star is not None else None
    in_init = method.name.value == "__init__"
    for node in index.walk(method):
        if isinstance(node, cst.Attribute):
            name = node.attr.value
            if name in _SHAPE_ATTRIBUTES:
                return f"reads .{name}, where the batch size may differ"
            if "dtype" in name and _stores(index, node):
                return f"sets .{name}"  # reading `self.compute_dtype` is harmless
            if not in_init and name in _MAKING_ATTRIBUTES:
                return f"calls {name}() when the model is built"
        elif isinstance(node, cst.Arg):
            if node.keyword is not None and node.keyword.value in _SETTINGS:
                return f"passes {node.keyword.value}="
            if node.star == "**" and not (
                isinstance(node.value, cst.Name) and node.value.value == own
            ):
                return f"passes **{index.code(node.value)}"
        elif isinstance(node, cst.Call):
            if _last_name(node.func) in _SHAPE_CALLS:
                return (
                    f"calls {_last_name(node.func)}(), where the batch size may differ"
                )
            if not in_init and any(
                word in q for q in index.qualified(node.func) for word in _MAKING_WORDS
            ):
                return f"calls {index.code(node.func)} when the model is built"
    return None


def _stores(index: TreeIndex, node: cst.Attribute) -> bool:
    parent = index.parent(node)
    return isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign))


def _mentions_settings(index: TreeIndex, statement: cst.CSTNode) -> bool:
    """A class-level statement naming a dtype (`dtype = "float64"`) or a shape."""
    for node in index.walk(statement):
        if isinstance(node, cst.Name) and (
            "dtype" in node.value or node.value in _SHAPE_ATTRIBUTES
        ):
            return True
    return False


def _last_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None
