"""`LATE_SOURCES` entry: the input of a model first built by a call on a `keras.Input`.

The keras.io pattern: a model without an input (a data-augmentation block)
is first called on a symbolic tensor, `x = data_augmentation(inputs)` where
`inputs = keras.Input(shape=(180, 180, 3))`, or `model(keras.Input(...))`.
When that call is the model's first build (`first_build` finds it: the same
scope, surely run, nothing but `compile` before it) and the argument is
`keras.Input(shape=S[, batch_size=B][, dtype=D][, name=N])`, written there or
the one assignment that reaches the name (`analysis.reaching`: a name bound
again in between, or reached by several assignments, is not read), the model
takes `keras.Input(shape=S[, batch_size=B])` with the dtype Keras gives it.

Measured on Keras 3.15.1 (TensorFlow backend), `Sequential([...])` called
once on `keras.Input(...)`, `model.inputs[0]`:

- the batch shape is the tensor's, batch size included:
  `Input(shape=(8,), batch_size=4)` gives (4, 8), `shape=(None, None, 3)`
  gives (None, None, None, 3); `Sequential.build` takes the tensor's shape
  whole, so `keras.Input(shape=S, batch_size=B)` gives the same;
- the dtype is the first layer's compute dtype, never the tensor's
  (`Sequential.build` makes the InputLayer with
  `dtype=self._layers[0].compute_dtype`): an int32 Input into `Embedding`
  gives float32, a float16 Input into `Dense` float32, a float64 Input into
  `Dropout` float32, a uint8 Input into `RandomFlip` float32, a float32
  Input into `Dense(dtype="float64")` float64 (`input_arguments.compute_dtype`);
  a global mixed-precision policy is refused (S2F113) as in `first_build`;
- the InputLayer is auto-named (`input_layer_N`), whatever `name=` the
  tensor's Input has.

Measured on tf_keras 2.21 (`_build_graph_network_for_inferred_shape`): the
batch shape is the tensor's too, but the dtype is the tensor's (float16,
float64, int32 and uint8 Inputs keep theirs; a float32 Input into
`Dense(dtype="float64")` gives float32), the InputLayer is named
`<first layer>_input` (as for `input_shape=`, an InputLayer name every
Keras 2 conversion changes), and a first `Embedding` brings its own input
shape, (None, None) float32, whatever the tensor. A Sequential built this
way also rebuilds on a call with a novel shape, relaxing it: a batch size
would not stay. So on Keras 2 the Input's literal dtype is kept, and a batch
size or a first Embedding keeps the skip.

Only the order of the automatic InputLayer names changes: the converted
model makes its Input where it is made, the original its InputLayer at the
call, so an unnamed Input made in between (the outer model's, in the
pattern above) trades names with it (`input_layer` and `input_layer_1`).
Weight files hold no InputLayer: measured on both Keras, the outer model's
weights saved with the inner model a Sequential load into the outer with
the converted one and back (`.weights.h5`, tf_keras `.h5`), outputs equal.
A file that spells an automatic InputLayer name (`get_layer("input_layer")`)
keeps the skip. The inner model's class and name change as any converted
model's; whether it may be converted at all, being a layer of the outer
model, is `uses.weightless`'s decision (S2F117 for a model with weights).

Notes S2F210. Fixtures: `input_symbolic_build_*`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from ..analysis import keras_names
from ..analysis.data_shapes import integer_value
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.data_constructors import is_none
from ..analysis.reaching import Unknown, reaching_value
from ..diagnostics import INPUT_FROM_FIRST_BUILD, NO_INPUT, UNKNOWN_DTYPE
from . import first_layer_variable
from .build_calls import CALL, HARMLESS, BuildCall, data_argument, use_of
from .first_build import NOT_FLOAT, first_builds
from .input_arguments import compute_dtype
from .keras2_first_build import is_keras2_model
from .named_layer_reads import built_on_other_shape, read_before_build
from .plan import (
    Application,
    FirstBuild,
    InputSource,
    InputSpec,
    Plan,
    Skip,
    diagnostic,
)

# `keras.Input` arguments whose InputLayer Sequential.build does not copy
# (sparse, ragged, a wrapped tensor...) are not read; `name=` names only the
# outer Input.
_READ = frozenset({"shape", "batch_size", "dtype", "name"})
# The automatic InputLayer names (Keras 3, Keras 2) whose order may change.
_AUTO_INPUT_NAME = re.compile(r"""["'](input_layer(_\d+)?|input_\d+)["']""")


@dataclass(frozen=True)
class _Symbolic:
    """The Input a model is first called on."""

    call: cst.Call  # `keras.Input(...)`
    dims: tuple[int | None, ...]  # its shape, without the batch dimension
    batch_size: int | None
    dtype: str | None  # its literal dtype, if given

    @property
    def shape_text(self) -> str:
        inner = ", ".join(str(d) for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"


def input_from_symbolic_build(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input Keras gives the model at its first call on a `keras.Input`, or None."""
    if skip.code != NO_INPUT:
        return None
    found = _input_called_on(index, plan)
    if found is None:
        return None  # `first_build` reads other data, and says why it cannot
    call, input_call = found
    builds = first_builds(index, plan, skip)
    if builds is None or len(builds) != 1 or builds[0].call is not call:
        return None
    try:
        symbolic = _read_input(index, input_call)
        arguments = _arguments(index, plan, first, symbolic)
        _check_reads(index, plan, builds[0], symbolic)
    except Unknown as unknown:
        _explain(
            skip,
            f"the model is first called on `{_short(index, input_call)}`: {unknown}",
        )
        return None
    detail = (
        f"input shape={symbolic.shape_text} read from the `keras.Input` that"
        f" {builds[0].line_text} builds it on"
    )
    plan.notes.append(diagnostic(index, plan, INPUT_FROM_FIRST_BUILD, detail, call))
    return InputSpec(
        InputSource.FIRST_BUILD,
        arguments=arguments,
        first_build=FirstBuild(
            call=builds[0].quoted,
            line=index.line(call),
            batch_shape=(symbolic.batch_size, *symbolic.dims),
        ),
    )


def _input_called_on(index: TreeIndex, plan: Plan) -> tuple[cst.Call, cst.Call] | None:
    """The model's first use, when it is a call on a `keras.Input`, and that Input."""
    for ref in plan.later_uses:
        method, call = use_of(index, ref)
        if method in HARMLESS:
            continue
        if method != CALL or call is None:
            return None
        data = data_argument(call, method)
        if isinstance(data, cst.Name):
            try:
                value = reaching_value(index, data)
            except Unknown:
                return None
        else:
            value = data
        if isinstance(value, cst.Call) and keras_names.is_input(
            index.qualified(value.func)
        ):
            return call, value
        return None
    return None


def _read_input(index: TreeIndex, call: cst.Call) -> _Symbolic:
    """The Input's shape, batch size and dtype; raises `Unknown`."""
    if any(arg.star for arg in call.args):
        raise Unknown("its arguments are unpacked")
    values: dict[str, cst.BaseExpression] = {}
    for position, arg in enumerate(call.args):
        if arg.keyword is None and position > 0:
            # Keras 3 and 2 order their arguments differently after `shape`.
            raise Unknown("it has more than one argument by position")
        key = "shape" if arg.keyword is None else arg.keyword.value
        if key not in _READ:
            raise Unknown(f"{key}= is not carried over to the model's InputLayer")
        values[key] = arg.value
    if "shape" not in values:
        raise Unknown("it has no shape=")
    dims = _dims(index, values["shape"])
    batch = values.get("batch_size")
    dtype = values.get("dtype")
    if dtype is not None and not (
        isinstance(dtype, cst.SimpleString) and isinstance(dtype.evaluated_value, str)
    ):
        raise Unknown(f"its dtype={index.code(dtype)} is not a literal")
    return _Symbolic(
        call,
        dims,
        None if batch is None or is_none(batch) else integer_value(index, batch),
        None if dtype is None else dtype.evaluated_value,  # type: ignore[union-attr]
    )


def _dims(index: TreeIndex, shape: cst.BaseExpression) -> tuple[int | None, ...]:
    value: cst.CSTNode = shape
    if isinstance(shape, cst.Name):
        value = reaching_value(index, shape)
    if not isinstance(value, (cst.Tuple, cst.List)) or not value.elements:
        raise Unknown(f"its shape `{index.code(shape)}` is not a tuple the code states")
    if any(isinstance(e, cst.StarredElement) for e in value.elements):
        raise Unknown(f"its shape `{index.code(shape)}` unpacks a shape")
    return tuple(
        None if is_none(e.value) else integer_value(index, e.value)
        for e in value.elements
    )


def _arguments(
    index: TreeIndex, plan: Plan, first: Application, symbolic: _Symbolic
) -> str:
    """`shape=...[, batch_size=...][, dtype=...]` as Keras builds the model's input."""
    layer = first_layer_variable.bound_layer(index, plan, first, first.expr)
    layer_class = (
        keras_names.keras_layer_class(index.qualified(layer.func))
        if isinstance(layer, cst.Call)
        else None
    )
    if layer_class is None:
        raise Unknown("its first layer is not a Keras layer, whose dtype it knows")
    if layer_class in NOT_FLOAT:
        raise Unknown(f"{layer_class} gives the InputLayer its own int or string dtype")
    if index.mixed_precision:
        raise Skip(UNKNOWN_DTYPE, " (a global dtype policy is set in this file)", layer)
    arguments = f"shape={symbolic.shape_text}"
    if is_keras2_model(index, plan):
        if layer_class == "Embedding":
            raise Unknown("Keras 2's Embedding gives the model its own input")
        if symbolic.batch_size is not None:
            raise Unknown("Keras 2 may relax its batch size when called again")
        if symbolic.dtype is not None:
            arguments += f', dtype="{symbolic.dtype}"'
        return arguments
    if symbolic.batch_size is not None:
        arguments += f", batch_size={symbolic.batch_size}"
    return arguments + compute_dtype(index, layer)  # type: ignore[arg-type]


def _check_reads(
    index: TreeIndex, plan: Plan, build: BuildCall, symbolic: _Symbolic
) -> None:
    """What could see the model built earlier, or its InputLayer's name move."""
    here = index.scope_root(build.call) is index.scope_root(plan.call)
    reason = read_before_build(
        index, plan, build.call if here else None, symbolic.dims
    ) or built_on_other_shape(index, plan, symbolic.dims)
    if reason is not None:
        raise Unknown(reason)
    if index.narrowed:
        raise WholeFileNeeded  # a string anywhere in the file may name the input
    spelled = _AUTO_INPUT_NAME.search(index.module.code)
    if spelled is not None:
        raise Unknown(
            f"the file spells {spelled.group(0)}, an automatic InputLayer name"
            " whose order the conversion may change"
        )


def _short(index: TreeIndex, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(index.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _explain(skip: Skip, reason: str) -> None:
    if not skip.detail:
        skip.detail = f" ({reason})"
