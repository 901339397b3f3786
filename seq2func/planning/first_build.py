"""`LATE_SOURCES` entry: the input from the data of the model's first `fit`/`predict`/call.

A Sequential whose code gives no input is built by Keras the first time it
runs on data: its first `fit`, `evaluate`, `predict`, `train_on_batch`,
`test_on_batch`, `predict_on_batch` or `model(x)`. When that call follows in
the same scope and runs for sure once the model's code has run (not under
an `if`, a `while`, a comprehension or a conditional expression; a `with`, a
`try` body and a `for` over a non-empty literal `range` are fine), nothing
uses the model before it but `compile` (a `summary()` there prints the
unbuilt model), no function that uses the model is defined before it, and
the shape of its data is written in the code (`analysis.data_shapes`), the
input is that shape without its rows, with the first layer's compute dtype.
A first `Embedding(input_length=L)` (S2F112: Keras 3 ignores it, Keras 2
took the input from it) is converted when the data has exactly L columns,
where both agree; `input_length` stays on the layer, as ignored as before.
When the original's batch dimension differs from the converted None, a
later read of `model.input_shape`/`output_shape`/`inputs`/`outputs` would
see the difference, so such a model is left alone.

Keras facts, measured on Keras 3.15.1 with the TensorFlow backend (the batch
dimension Keras gives the original is in `first_batch`):

- The `InputLayer` dtype is the first layer's compute dtype, whatever the
  data's (`analysis.data_shapes`); `dtype=` on the first layer sets it, a
  global mixed-precision policy makes it unknowable here (S2F113), and the
  lookup/hashing layers compute in int64 or string, so they are left alone.
- Initial weights do not depend on when the model is built: Keras draws each
  initializer's seed when the layer is made, so the Sequential built by its
  first `fit` and the Functional model built at once are bit-identical under
  the same seed, even with other random draws or models built in between.

Keras 2 (tf_keras 2.21) differs: the `InputLayer` takes the data's dtype
(int64 data gives an int64 input, `model(x)` on float64 data a float64 one)
and `predict` on 100 rows gives (None, d); files written for it (`tf_keras`,
`keras.engine`, `tensorflow.python.keras`) are left alone.

The converted model's `keras.Input(shape=...)` has None as its batch
dimension. Where the original kept a number, or a number the code does not
fix, S2F211 says so; verification lists it as an expected difference.

Notes S2F210 (always) and S2F211; a use before the first build, or data
whose shape cannot be read, keeps the site's S2F101 and says why in its
message. Fixtures: `input_first_build_*`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis import keras_names
from ..analysis.data_shapes import DataShape, Unknown, data_shape, integer_value
from ..analysis.index import TreeIndex
from ..analysis.nodes import int_literal, kwarg
from ..analysis.facts import HARMLESS_BEFORE_BUILD
from ..analysis.references import Ref
from ..diagnostics import (
    BATCH_DIMENSION_DROPPED,
    INPUT_FROM_FIRST_BUILD,
    KERAS2_INPUT_LENGTH,
    NO_INPUT,
    UNKNOWN_DTYPE,
)
from .completion import describe, method_call
from .first_batch import BUILDING_METHODS, Batch, original_batch
from .input_arguments import _compute_dtype
from .plan import (
    Application,
    FirstBuild,
    InputSource,
    InputSpec,
    Plan,
    Skip,
    diagnostic,
)

_CALL = "__call__"
# Uses that neither build the model nor read anything a build would change
# (narrowing keeps every other use of such a model: analysis/keeping.py).
_HARMLESS = HARMLESS_BEFORE_BUILD
# What shows the batch dimension of the model's input or output.
_SHAPE_READS = frozenset(
    {"input_shape", "output_shape", "inputs", "outputs", "input", "output"}
)
# First layers whose compute dtype is not the float policy's (int64, string).
_NOT_FLOAT = frozenset(
    {"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization"}
)


@dataclass(frozen=True)
class _BuildCall:
    call: cst.Call
    method: str  # one of BUILDING_METHODS, or "__call__"
    data: cst.BaseExpression
    quoted: str  # `model.fit(x, ...)`

    @property
    def line_text(self) -> str:
        return f"`{self.quoted}`"


def input_from_first_build(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input Keras gives the model at its first build on data, or None."""
    if skip.code not in (NO_INPUT, KERAS2_INPUT_LENGTH) or not isinstance(
        first.expr, cst.Call
    ):
        return None
    layer_class = keras_names.keras_layer_class(index.qualified(first.expr.func))
    if layer_class is None:
        return None
    found = _first_build(index, plan, skip)
    if found is None:
        return None
    reason = _unlike_measured(index, plan, layer_class, found)
    if reason is not None:
        _explain(skip, reason)
        return None
    line = index.line(found.call)
    try:
        shape = data_shape(index, found.data)
    except Unknown as unknown:
        _explain(skip, f"the data of {found.line_text} on line {line}: {unknown}")
        return None
    mismatch = _input_length_mismatch(index, first.expr, shape)
    if mismatch is not None:
        _explain(skip, mismatch)
        return None
    if index.mixed_precision:
        raise Skip(
            UNKNOWN_DTYPE, " (a global dtype policy is set in this file)", first.expr
        )
    dtype_text = _compute_dtype(index, first.expr)
    batch = original_batch(found.method, found.call, shape.rows)
    if batch is None:
        _explain(skip, f"{found.line_text} on line {line} does not build the model")
        return None
    reader = _reads_batch(index, plan, found) if batch.dropped else None
    if reader is not None:
        _explain(
            skip,
            f"{reader} reads the batch dimension Keras kept from {found.line_text}",
        )
        return None
    _note(index, plan, found, shape, batch)
    return InputSpec(
        InputSource.FIRST_BUILD,
        arguments=f"shape={shape.text}{dtype_text}",
        first_build=FirstBuild(
            call=found.quoted,
            line=line,
            batch_shape=(batch.size, *shape.features),
        ),
    )


def _unlike_measured(
    index: TreeIndex, plan: Plan, layer_class: str, found: _BuildCall
) -> str | None:
    """Why the Keras facts above do not give this model's input, if they do not."""
    if layer_class in _NOT_FLOAT:
        return f"{layer_class} gives the InputLayer its own int or string dtype"
    if _keras2(index, plan):
        return f"Keras 2 builds the input of {found.line_text} in the data's dtype"
    return None


def _input_length_mismatch(
    index: TreeIndex, layer: cst.Call, shape: DataShape
) -> str | None:
    """Why `Embedding(input_length=L)` and the data disagree, if they may.

    Keras 3 ignores `input_length` (with a warning) and builds on the data;
    Keras 2 took the input from it. When the data has exactly L columns both
    give the same Input, so the file means the same on either.
    """
    argument = kwarg(layer, "input_length")
    if argument is None:
        return None
    try:
        length = integer_value(index, argument.value)
    except Unknown:
        length = None
    if shape.features != (length,):
        return (
            f"Keras 2 takes the input from input_length={index.code(argument.value)},"
            f" Keras 3 from the data, of shape {shape.text}"
        )
    return None


def _note(
    index: TreeIndex, plan: Plan, found: _BuildCall, shape: DataShape, batch: Batch
) -> None:
    detail = f"input shape={shape.text} read from the data of {found.line_text}"
    plan.notes.append(
        diagnostic(index, plan, INPUT_FROM_FIRST_BUILD, detail, found.call)
    )
    if batch.dropped:
        plan.notes.append(
            diagnostic(
                index, plan, BATCH_DIMENSION_DROPPED, _dropped(found, batch), found.call
            )
        )


def _keras2(index: TreeIndex, plan: Plan) -> bool:
    """A model of Keras 2 (`tf_keras`, `keras.engine`, `tensorflow.python.keras`).

    Measured on tf_keras 2.21: the InputLayer takes the data's dtype (int64
    data gives an int64 input, `model(x)` on float64 data a float64 one), and
    `predict` keeps other batch sizes; none of the facts above hold there.
    """
    if plan.family == "tf_keras":
        return True
    return any(
        name.startswith(("keras.engine.", "tensorflow.python.keras."))
        for name in index.qualified(plan.call.func)
    )


def _dropped(found: _BuildCall, batch: Batch) -> str:
    where = found.line_text
    if batch.known:
        kept = f"was {batch.size}, the size of the first batch of {where}"
    else:
        kept = (
            f"was the size of the first batch of {where}, which the code does not fix"
        )
    return f"the original's input batch dimension {kept}; the converted model's is None"


def _explain(skip: Skip, reason: str) -> None:
    """Say in the site's skip message why the first build did not give the input."""
    if not skip.detail:
        skip.detail = f" ({reason})"


def _first_build(index: TreeIndex, plan: Plan, skip: Skip) -> _BuildCall | None:
    """The first later use, when it builds the model on data and surely runs."""
    deferred = next((r for r in plan.deferred_uses if not r.rebinds), None)
    for ref in plan.later_uses:
        method, call = _use_of(index, ref)
        if method in _HARMLESS:
            continue
        if method is None or call is None:
            _explain(skip, f"{describe(index, ref)} runs before the model is built")
            return None
        where = f"`{_quote(index, ref, method, call)}` on line {ref.line}"
        if deferred is not None and deferred.start < ref.start:
            _explain(
                skip,
                f"a function on line {deferred.line} uses the model before {where}",
            )
            return None
        reason = _conditional(index, plan, call)
        if reason is not None:
            _explain(skip, f"{where} {reason}")
            return None
        data = _data_argument(call, method)
        if data is None:
            _explain(skip, f"{where} has no data argument the converter can read")
            return None
        return _BuildCall(call, method, data, _quote(index, ref, method, call))
    return None


def _reads_batch(index: TreeIndex, plan: Plan, found: _BuildCall) -> str | None:
    """A later read of the model's input or output shapes, which include the batch dimension."""
    after = index.pos(found.call).end
    for ref in (*plan.later_uses, *plan.deferred_uses):
        if not ref.deferred and ref.start < (after.line, after.column):
            continue
        parent = index.parent(ref.node)
        if (
            isinstance(parent, cst.Attribute)
            and parent.value is ref.node
            and parent.attr.value in _SHAPE_READS
        ):
            return f"`{index.code(parent)}` on line {ref.line}"
    return None


def _use_of(index: TreeIndex, ref: Ref) -> tuple[str | None, cst.Call | None]:
    """`("fit", call)` for `model.fit(...)`, `("__call__", call)` for `model(x)`."""
    parent = index.parent(ref.node)
    if isinstance(parent, cst.Call) and parent.func is ref.node:
        return _CALL, parent
    if isinstance(parent, cst.Attribute) and parent.value is ref.node:
        name = parent.attr.value
        call = method_call(index, ref, name)
        if call is not None and (name in BUILDING_METHODS or name in _HARMLESS):
            return name, call
    return None, None


def _quote(index: TreeIndex, ref: Ref, method: str, call: cst.Call) -> str:
    head = (
        index.code(ref.node) if method == _CALL else f"{index.code(ref.node)}.{method}"
    )
    first = " ".join(index.code(call.args[0].value).split()) if call.args else ""
    if len(first) > 40:
        first = first[:37] + "..."
    rest = ", ..." if len(call.args) > 1 else ""
    return f"{head}({first}{rest})"


def _data_argument(call: cst.Call, method: str) -> cst.BaseExpression | None:
    if any(arg.star for arg in call.args):
        return None
    keyword = "inputs" if method == _CALL else "x"
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if call.args and call.args[0].keyword is None:
        return call.args[0].value
    return None


def _conditional(index: TreeIndex, plan: Plan, call: cst.Call) -> str | None:
    """Why the call may not run when the model's code does, or None when it surely does."""
    if plan.block is None:
        return "is not in the model's block"
    # Once the site has run, the code after the statements that hold it runs too.
    site_blocks = {plan.block, *index.ancestors(plan.block)}  # type: ignore[arg-type]
    child: cst.CSTNode = call
    for a in index.ancestors(call):
        if a in site_blocks:
            return None
        if isinstance(a, cst.IfExp) and child is not a.test:
            return "is in a conditional expression"
        if isinstance(a, cst.BooleanOperation) and child is a.right:
            return "is in a boolean expression"
        if isinstance(a, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return "is in a comprehension"
        if isinstance(a, cst.BaseCompoundStatement) and not _runs_body(a, child):
            return f"is inside `{index.code(a).split(':', 1)[0].strip()}`"
        child = a
    return "is not in the model's block"


def _runs_body(statement: cst.BaseCompoundStatement, child: cst.CSTNode) -> bool:
    """Whether `child` (a part of the statement) runs the first time the statement does."""
    if isinstance(statement, cst.With):
        return child is statement.body
    if isinstance(statement, cst.Try):
        return child is statement.body
    if isinstance(statement, cst.For):
        return child is statement.body and _loops_at_least_once(statement.iter)
    return False


def _loops_at_least_once(iterable: cst.BaseExpression) -> bool:
    """`range(3)`, `range(1, 10)`: literal ranges that are not empty."""
    if not (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "range"
        and 1 <= len(iterable.args) <= 3
        and all(a.keyword is None and not a.star for a in iterable.args)
    ):
        return False
    bounds = [int_literal(a.value) for a in iterable.args]
    if any(b is None for b in bounds) or (len(bounds) == 3 and bounds[2] == 0):
        return False
    return len(range(*bounds)) > 0  # type: ignore[arg-type]
