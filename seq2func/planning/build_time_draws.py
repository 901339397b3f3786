"""Step: a layer class of the file whose `build()` draws a seed keeps its model a Sequential.

    class NoisyLinear(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[1], 4), initializer="random_normal")

    model = keras.Sequential([NoisyLinear(), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.build(input_shape=(None, 2))

Keras 3 seeds an initializer made without a seed from Python's `random` when
the initializer is made (`keras.random.make_default_seed`); Keras's own
layers make theirs in `__init__`, so a model's initial weights do not depend
on when it is built (`first_build`). A layer whose `build()` makes one (an
`add_weight` with a random initializer given by name, or none, which is
`glorot_uniform` for a float weight; an initializer, a layer or a seed
generator made there) draws it when the model is built: in the original
after every layer of the list is made (and, for an input from a later
`build()` or the first data, after whatever runs until then), in the
converted code as soon as the layer is applied, before the next layer is
made. The draws come in another order and the weights differ. Measured on
Keras 3.15.1 with rasbt's `NoisyLinear` (Python Machine Learning, ch. 14): `weight 0 differs (max
0.126)` between the two models under the same seed.

Keras's own layers given `lora_rank=` (or `**` arguments that may hold it)
make their LoRA weights' initializers in `build()` too (measured on Keras
3.15.1 with `Dense(4, lora_rank=2)`). The order matters only where something
draws in between. A model keeps
S2F122 when such a layer is in it and either a later element of it is made
by a call that may draw when made (measured on Keras 3.15.1: Dense, Conv2D,
Embedding, LSTM, Dropout, SpatialDropout1D and GaussianNoise draw; Flatten,
Reshape, Activation, ReLU, LeakyReLU, Softmax, the pooling layers,
BatchNormalization, LayerNormalization, Rescaling, UpSampling, ZeroPadding,
Cropping, Permute and RepeatVector do not: `_MADE_WITHOUT_DRAW`; a class of
the file draws when its `__init__` makes something seeded or it derives
from a layer that does), or its input comes from a later `build()`, its
first data or a trace, when anything run until then may draw. A layer
bound to a name before the model was made before either. Only classes of
the file can be read; for the build, `build`, `__call__`,
`compute_output_shape`/`compute_output_spec` and the methods they call on
`self` are read (not `call`, whose random draws take TensorFlow's generator,
which no initializer uses, nor a method such as `adapt` that the user calls).
Narrowing keeps those methods with their class (`analysis.narrowing`).
Fixtures: `safety_build_time_draws_*`, `later_custom_layer_*`.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.reaching import Unknown, reaching_class, reaching_value
from ..diagnostics import BUILD_TIME_DRAWS
from .plan import Application, InputSource, Plan, Skip

_DEPTH = 8
_POOLING_AND_PADDING = (
    "MaxPooling",
    "MaxPool",
    "AveragePooling",
    "AvgPool",
    "GlobalAveragePooling",
    "GlobalAvgPool",
    "GlobalMaxPooling",
    "GlobalMaxPool",
    "UpSampling",
    "ZeroPadding",
    "Cropping",
)
_DEFERRED = (InputSource.BUILD, InputSource.FIRST_BUILD, InputSource.TRACE)
# Methods Keras runs when it builds the layer (and those they call on `self`).
_BUILDING = frozenset(
    {"build", "__call__", "compute_output_shape", "compute_output_spec"}
)
_Methods = Callable[[str], bool]


def _AT_BUILD(method: str) -> bool:
    return method in _BUILDING


def _AT_INIT(method: str) -> bool:
    return method == "__init__"


# Built-in layers that draw nothing when made (measured on Keras 3.15.1 by
# Python's `random` state around the constructor; the 1D/3D variants share
# their base classes).
_MADE_WITHOUT_DRAW = frozenset(
    {
        "Flatten",
        "Reshape",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "Softmax",
        "BatchNormalization",
        "LayerNormalization",
        "Rescaling",
        "Permute",
        "RepeatVector",
    }
    | {f"{kind}{d}D" for kind in _POOLING_AND_PADDING for d in (1, 2, 3)}
)
# Initializers that draw nothing, by the names `initializers.get` takes.
_CONSTANT = frozenset({"zeros", "ones", "constant", "identity"})
# Words of a qualified name that makes something seeded: an initializer, a
# layer, a seed generator, a random draw.
_SEEDED = ("initializers", "Initializer", "layers.", "SeedGenerator", "random")


def check_draws(index: TreeIndex, plan: Plan) -> None:
    """Raise S2F122 when a layer's own `build()` would draw its seed at another time."""
    deferred = plan.input is not None and plan.input.source in _DEFERRED
    for position, application in enumerate(plan.applications):
        reason = _lora(index, application)
        cls = None if reason is not None else _layer_class(index, application)
        if cls is not None:
            reason = _draws(index, cls, 0, _AT_BUILD)
        if reason is None:
            continue
        if deferred:
            raise Skip(
                BUILD_TIME_DRAWS,
                f" ({reason}, and the model is built on a later line)",
                application.expr,
            )
        for later in plan.applications[position + 1 :]:
            if _may_draw_when_made(index, later):
                raise Skip(
                    BUILD_TIME_DRAWS,
                    f" ({reason}, after `{_head(index, later.expr)}` is made)",
                    application.expr,
                )


def _lora(index: TreeIndex, application: Application) -> str | None:
    """`Dense(4, lora_rank=2)`: Keras makes the LoRA weights' initializers in
    `build()` (measured on Keras 3.15.1: building it changes Python's random
    state), unlike the rest of its own layers."""
    expr = application.expr
    if not isinstance(expr, cst.Call):
        return None
    for arg in expr.args:
        if arg.star == "**" and _may_hold_lora(index, arg.value):
            return f"{index.code(expr.func)}(**...) may make LoRA weights when built"
        if (
            arg.keyword is not None
            and arg.keyword.value == "lora_rank"
            and not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
        ):
            return (
                f"{index.code(expr.func)}(lora_rank=...) makes LoRA weights when built"
            )
    return None


def _may_hold_lora(index: TreeIndex, value: cst.BaseExpression) -> bool:
    """Whether `**value` may pass `lora_rank`: not a literal dict (`{...}` of
    string keys, `dict(...)` of keywords) without it, as `unpacked_layer_config`
    reads one bound once."""
    if isinstance(value, cst.Name):
        try:
            value = reaching_value(index, value)  # type: ignore[assignment]
        except Unknown:
            return True
    if isinstance(value, cst.Call) and index.code(value.func) == "dict":
        return any(
            arg.keyword is None or arg.keyword.value == "lora_rank"
            for arg in value.args
        )
    if not isinstance(value, cst.Dict):
        return True
    for element in value.elements:
        key = getattr(element, "key", None)
        if not isinstance(key, cst.SimpleString) or key.evaluated_value == "lora_rank":
            return True
    return False


def _may_draw_when_made(index: TreeIndex, application: Application) -> bool:
    """Whether making the element may draw a seed (a name was made before the model)."""
    expr = application.expr
    if application.loop or not isinstance(expr, cst.Call):
        return False
    builtin = keras_names.keras_layer_class(index.qualified(expr.func))
    if builtin is not None:
        return builtin not in _MADE_WITHOUT_DRAW
    if isinstance(expr.func, cst.Name):
        cls = _read_class(index, expr.func)
        return cls is None or _draws(index, cls, 0, _AT_INIT) is not None
    return True


def _head(index: TreeIndex, expr: cst.BaseExpression) -> str:
    return index.code(expr.func) if isinstance(expr, cst.Call) else index.code(expr)


def _layer_class(index: TreeIndex, application: Application) -> cst.ClassDef | None:
    """The file's class the element makes: `Custom(...)`, or a name bound to one."""
    if application.loop:
        return None
    expr = application.expr
    if isinstance(expr, cst.Name):
        try:
            value = reaching_value(index, expr)
        except Unknown:
            return None
        expr = value if isinstance(value, cst.Call) else expr
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Name):
        return None
    if keras_names.keras_layer_class(index.qualified(expr.func)) is not None:
        return None  # Keras's own layers seed their weights when made
    return _read_class(index, expr.func)


def _read_class(index: TreeIndex, name: cst.Name) -> cst.ClassDef | None:
    """The class of the file a name reads, all its methods at hand; None if none.

    Narrowing keeps a class's `build` and the other methods Keras runs when
    building it, and may blank the rest: a method they call on `self` that is
    not there, or a name a blanked statement may bind, needs the whole file.
    """
    try:
        cls = reaching_class(index, name)
    except Unknown:
        cls = None
    if index.narrowed and (
        (cls is None and index.may_be_bound_elided(name.value))
        or (cls is not None and _has_blanked_member(cls) and _calls_unseen(index, cls))
    ):
        raise WholeFileNeeded
    return cls


def _calls_unseen(index: TreeIndex, cls: cst.ClassDef) -> bool:
    """Whether a method Keras runs at build calls one on `self` that the class,
    as narrowing kept it (with those methods, `analysis.narrowing`), lacks and
    a blanked statement may define (`self.add_weight` is Keras's)."""
    defined = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    running = [m for name, m in defined.items() if _AT_BUILD(name)]
    return any(
        name not in defined and index.may_define_elided(name)
        for name in _self_calls(index, running)
    )


def _has_blanked_member(cls: cst.ClassDef) -> bool:
    """A statement of the class's body is narrowing's placeholder."""
    for statement in cls.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = getattr(small, "value", None)
                if isinstance(value, cst.SimpleString) and "~seq2func~" in value.value:
                    return True
    return False


def _draws(
    index: TreeIndex, cls: cst.ClassDef, depth: int, methods: _Methods
) -> str | None:
    """Why the class (or one it derives from) draws a seed in the given methods."""
    defined = {
        statement.name.value: statement
        for statement in cls.body.body
        if isinstance(statement, cst.FunctionDef)
    }
    running = [method for name, method in defined.items() if methods(name)]
    # What those methods call on `self` runs then too (one level down).
    running += [
        defined[name]
        for name in _self_calls(index, running)
        if name in defined and not methods(name)
    ]
    for method in running:
        reason = _method_draws(index, method)
        if reason is not None:
            return f"{cls.name.value}.{method.name.value} {reason}"
    if depth >= _DEPTH or len(cls.bases) != 1:
        return "derives from more than one class" if methods is _AT_INIT else None
    base = cls.bases[0].value
    qualified = index.qualified(base)
    if keras_names.is_base_layer(qualified):
        return None  # Keras's `Layer.__init__` draws nothing
    builtin = keras_names.keras_layer_class(qualified)
    if builtin is not None:
        if methods is _AT_INIT and builtin not in _MADE_WITHOUT_DRAW:
            return f"{cls.name.value} derives from {builtin}, which draws when made"
        return None
    parent = _read_class(index, base) if isinstance(base, cst.Name) else None
    if parent is None or parent is cls:
        return f"derives from {index.code(base)}" if methods is _AT_INIT else None
    return _draws(index, parent, depth + 1, methods)


def _self_calls(index: TreeIndex, methods: list[cst.FunctionDef]) -> list[str]:
    """The names of `self.name(...)` calls in the methods."""
    found = []
    for method in methods:
        for node in index.walk(method):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and isinstance(node.func.value, cst.Name)
                and node.func.value.value == "self"
            ):
                found.append(node.func.attr.value)
    return found


def _method_draws(index: TreeIndex, method: cst.FunctionDef) -> str | None:
    for node in index.walk(method):
        if not isinstance(node, cst.Call):
            continue
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in (
            "add_weight",
            "add_variable",
        ):
            if _random_initializer(node):
                return f"makes a weight with a random initializer ({index.code(func)})"
            continue
        qualified = index.qualified(func)
        if any(word in name for name in qualified for word in _SEEDED):
            return f"calls {index.code(func)} when the model is built"
    return None


def _random_initializer(call: cst.Call) -> bool:
    """Whether `add_weight(...)` may draw: no initializer (glorot_uniform for floats),
    a random one by name, or one made there; `self.<attr>` was made in `__init__`."""
    keyword = next(
        (a.value for a in call.args if a.keyword and a.keyword.value == "initializer"),
        None,
    )
    if keyword is None:
        # None is glorot_uniform for a float weight; one given by position (Keras
        # 3's second argument, tf_keras's fourth) is not read.
        return True
    if isinstance(keyword, cst.SimpleString):
        return keyword.evaluated_value.lower() not in _CONSTANT  # type: ignore[union-attr]
    if isinstance(keyword, cst.Attribute) and isinstance(keyword.value, cst.Name):
        return keyword.value.value != "self"
    if isinstance(keyword, cst.Call):
        func = keyword.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        name = func.value if isinstance(func, cst.Name) else name
        return name is None or name.lower() not in _CONSTANT
    return True
