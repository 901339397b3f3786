"""`LATE_SOURCES` entry: the input from the data of the model's first `fit`/`predict`/call.

A Sequential whose code gives no input is built by Keras the first time it
runs on data: its first `fit`, `evaluate`, `predict`, `train_on_batch`,
`test_on_batch`, `predict_on_batch` or `model(x)`. When that call follows in
the same scope and runs for sure once the model's code has run (not under
an `if`, a `while`, a comprehension or a conditional expression; a `with`, a
`try` body and a `for` over a non-empty literal `range` are fine, but not a
`try` with an `except` nor a `with self.assertRaises(...)`/`pytest.raises`/
`suppress`: a build that raises there is handled in the original, and the
converted model would raise where it is made, outside; nor a
`strategy.scope()`/`tf.device(...)`, where the original makes its weights),
nothing
uses the model before it but `compile` and `summary()` (which printed the
model unbuilt: S2F212 notes that the converted model's summary shows its
shapes; not on Keras 2, where it raised, nor with a `print_fn` or inside a
`with` that may capture it: `unbuilt_summary`), no function that uses the
model is defined before it (but
one that can only run before the site, `dormant_functions`), and the shape
of its data is written in the code (`analysis.data_shapes`, or a `tf.data`
pipeline `analysis.data_datasets` reads), the input is
that shape without its rows, with the first layer's compute dtype. When the
model's next use is `return model`, the builds are the callers' instead
(`returned_model`), and their data must all have one shape.
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
and `predict` on 100 rows gives (None, d); in files written for it
(`tf_keras`, `keras.engine`, `tensorflow.python.keras`, TF_USE_LEGACY_KERAS)
only `fit`/`evaluate` on NumPy floats, which it casts to float32 whatever
the first layer's dtype, with no batch size kept, is taken
(`keras2_first_build`).

The converted model's `keras.Input(shape=...)` has None as its batch
dimension. Where the original kept a number, or a number the code does not
fix, S2F211 says so; verification lists it as an expected difference.

A first layer bound to a name reads as its call (`first_layer_variable`);
no layer of the model bound to a name may be read between the model and its
first build, where the converted code has built it (`named_layer_reads`).
A first layer that is not a Keras layer is left alone: `Sequential.build`
goes on where a layer's shape inference raises NotImplementedError or
TypeError (Keras 3.15's sequential.py), a Functional model cannot.

Notes S2F210 (always), S2F211 and S2F212; a use before the first build, or data
whose shape cannot be read, keeps the site's S2F101 and says why in its
message. Fixtures: `input_first_build_*`.

The module is a little over 400 lines, a sixth of them the measured facts
above, kept where the code relies on them; finding the first build and
reading its data are one rule.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis import keras_names
from ..analysis.data_datasets import dataset_shape
from ..analysis.data_shapes import DataShape, Unknown, data_shape
from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from ..diagnostics import (
    BATCH_DIMENSION_DROPPED,
    INPUT_FROM_FIRST_BUILD,
    KERAS2_INPUT_LENGTH,
    SUMMARY_OF_UNBUILT,
    NO_INPUT,
    UNKNOWN_DTYPE,
)
from .completion import describe
from .dormant_functions import may_run_later
from .build_calls import (
    HARMLESS,
    BuildCall,
    conditional,
    data_argument,
    quote,
    use_of,
)
from .unbuilt_summary import DISPLAYS, shown_unbuilt, with_displays
from . import first_layer_variable
from .first_batch import Batch, dataset_batch, original_batch
from .looped_first_layer import added_layer
from .keras2_first_build import (
    batch_kept,
    input_length_mismatch,
    is_keras2_model,
    keras2_unlike_keras3,
)
from .batch_axis_layers import batch_axis_layer
from .named_layer_reads import built_on_other_shape, read_before_build
from .returned_model import SHAPE_READS, NotBuilt, is_return, returned_builds
from .input_arguments import compute_dtype
from .plan import (
    Application,
    FirstBuild,
    InputSource,
    InputSpec,
    Plan,
    Skip,
    diagnostic,
)

# First layers whose compute dtype is not the float policy's (int64, string).
NOT_FLOAT = frozenset(
    {"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization"}
)


def input_from_first_build(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input Keras gives the model at its first build on data, or None."""
    if skip.code not in (NO_INPUT, KERAS2_INPUT_LENGTH):
        return None
    builds = _first_build(index, plan, skip)
    if builds is None:
        return None
    # A first layer bound to a name once reads as its call (issue 12, item 2).
    # A first `add()` in a loop adds what the loop's first turn gives it.
    added = added_layer(index, first)
    if added is None:
        _explain(skip, "the loop that adds the first layer cannot be read")
        return None
    layer = first_layer_variable.bound_layer(index, plan, first, added)
    if not isinstance(layer, cst.Call):
        _explain(skip, f"the first layer is `{index.code(layer)}`")
        return None
    layer_class = keras_names.keras_layer_class(index.qualified(layer.func))
    if layer_class is None:
        # A class of this file is judged by `first_build_custom`, which says why.
        if index.single_class(layer.func) is None:
            # Sequential.build goes on where a layer's shape inference raises
            # NotImplementedError or TypeError; a Functional model cannot.
            _explain(
                skip,
                f"the first layer {index.code(layer.func)} is not a Keras layer,"
                " whose dtype and shape inference the converter knows",
            )
        return None
    on_keras2 = is_keras2_model(index, plan)
    # Every caller's build on Keras 2 (`returned_model`), the first on Keras 3.
    checked = builds if on_keras2 else builds[:1]
    reason = next(
        (
            r
            for b in checked
            if (r := _unlike_measured(index, layer_class, b, on_keras2)) is not None
        ),
        None,
    )
    if reason is not None:
        _explain(skip, reason)
        return None
    here = index.scope_root(builds[0].call) is index.scope_root(plan.call)

    def check(shape: DataShape) -> str | None:
        # Asked once the data's shape is read: most data is not, and the
        # reads may need the whole file.
        return (
            read_before_build(
                index, plan, builds[0].call if here else None, shape.features
            )
            or built_on_other_shape(index, plan, shape.features)
            or batch_axis_layer(index, plan)
        )

    if on_keras2:  # NumPy floats, cast to float32 whatever the layer's dtype
        return _keras2_input(index, plan, skip, builds, layer, check)
    return input_from_builds(
        index,
        plan,
        skip,
        builds,
        layer,
        lambda: compute_dtype(index, layer),
        check=check,
    )


def _keras2_input(
    index: TreeIndex,
    plan: Plan,
    skip: Skip,
    builds: tuple[BuildCall, ...],
    layer: cst.Call,
    check: Callable[[DataShape], str | None],
) -> InputSpec | None:
    """The float32 input Keras 2 builds on NumPy floats, when it keeps no batch size."""
    notes = len(plan.notes)
    spec = input_from_builds(index, plan, skip, builds, layer, lambda: "", check=check)
    if spec is not None and spec.first_build is not None:
        if batch_kept(spec.first_build.batch_shape):
            del plan.notes[notes:]
            kept = spec.first_build.batch_shape[0]
            _explain(skip, f"Keras 2 kept a batch size of {kept}, which it may relax")
            return None
    return spec


def input_from_builds(
    index: TreeIndex,
    plan: Plan,
    skip: Skip,
    builds: tuple[BuildCall, ...],
    first: cst.BaseExpression,
    dtype_text: Callable[[], str],
    also_read: tuple[Ref, ...] = (),
    check: Callable[[DataShape], str | None] = lambda shape: None,
) -> InputSpec | None:
    """The input of the data of `builds`, as Keras gives it; None when unknown.

    `first` is the model's first element, `dtype_text` gives the Input's
    dtype argument (`, dtype=...` or nothing), `also_read` other references whose
    reads of the input or output shapes would show the batch dimension, and
    `check` says why the data's shape cannot be the input, if it cannot.
    """
    read = _read_builds(index, plan, builds, skip, also_read)
    if read is None:
        return None
    shape, batch = read
    refused = check(shape)
    if refused is not None:
        _explain(skip, refused)
        return None
    if isinstance(first, cst.Call):
        mismatch = input_length_mismatch(index, first, shape)
        if mismatch is not None:
            _explain(skip, mismatch)
            return None
    if index.mixed_precision:
        raise Skip(UNKNOWN_DTYPE, " (a global dtype policy is set in this file)", first)
    arguments = f"shape={shape.text}{dtype_text()}"
    found = builds[0]
    _note(index, plan, found, shape, batch)
    return InputSpec(
        InputSource.FIRST_BUILD,
        arguments=arguments,
        first_build=FirstBuild(
            call=found.quoted,
            line=index.line(found.call),
            batch_shape=(batch.size, *shape.features),
        ),
    )


def first_builds(
    index: TreeIndex, plan: Plan, skip: Skip
) -> tuple[BuildCall, ...] | None:
    """The model's first builds on data (the callers' after `return model`), or None."""
    return _first_build(index, plan, skip)


def _read_builds(
    index: TreeIndex,
    plan: Plan,
    builds: tuple[BuildCall, ...],
    skip: Skip,
    also_read: tuple[Ref, ...] = (),
) -> tuple[DataShape, Batch] | None:
    """The data's shape, the same at every build, and the first one's batch dimension.

    Several builds are the callers' of a function that returns the model
    (`returned_model`): one whose batch dimension differs from the first's
    makes that one unknown, which S2F211 reports.
    """
    shape: DataShape | None = None
    batch: Batch | None = None
    for found in builds:
        line = index.line(found.call)
        try:
            dataset = dataset_shape(index, found.data)
            this = data_shape(index, found.data) if dataset is None else dataset.shape
        except Unknown as unknown:
            _explain(skip, f"the data of {found.line_text} on line {line}: {unknown}")
            return None
        if shape is not None and this.features != shape.features:
            _explain(
                skip,
                f"the data of {found.line_text} on line {line} has another shape,"
                f" {this.text}, than {shape.text}",
            )
            return None
        if dataset is None:
            this_batch = original_batch(found.method, found.call, this.rows)
        else:
            this_batch = dataset_batch(found.method, found.call, dataset.batch)
        if this_batch is None:
            _explain(skip, f"{found.line_text} on line {line} does not build the model")
            return None
        reader = (
            _reads_batch(index, plan, found, also_read) if this_batch.dropped else None
        )
        if reader is not None:
            _explain(
                skip,
                f"{reader} reads the batch dimension Keras kept from {found.line_text}",
            )
            return None
        if shape is None or batch is None:
            shape, batch = this, this_batch
        elif this_batch != batch:
            batch = Batch(None, False)
    assert shape is not None and batch is not None
    return shape, batch


def _unlike_measured(
    index: TreeIndex, layer_class: str, found: BuildCall, on_keras2: bool
) -> str | None:
    """Why the Keras facts above do not give this model's input, if they do not."""
    if layer_class in NOT_FLOAT:
        return f"{layer_class} gives the InputLayer its own int or string dtype"
    if on_keras2:
        return keras2_unlike_keras3(index, found)
    return None


def _note(
    index: TreeIndex, plan: Plan, found: BuildCall, shape: DataShape, batch: Batch
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
    for shown, call in found.unbuilt_displays:
        plan.notes.append(
            diagnostic(index, plan, SUMMARY_OF_UNBUILT, f"`{shown}`", call)
        )


def _dropped(found: BuildCall, batch: Batch) -> str:
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


def _first_build(
    index: TreeIndex, plan: Plan, skip: Skip
) -> tuple[BuildCall, ...] | None:
    """The first later use, when it builds the model on data and surely runs;
    after `return model`, each caller's (`returned_model`)."""
    deferred = next(
        (r for r in may_run_later(index, plan, plan.deferred_uses) if not r.rebinds),
        None,
    )
    displays: list[tuple[str, cst.Call]] = []
    for ref in plan.later_uses:
        method, call = use_of(index, ref)
        if method in HARMLESS:
            continue
        if is_return(index, ref) and (deferred is None or ref.start < deferred.start):
            try:
                builds = returned_builds(index, plan, ref)
            except NotBuilt as reason:
                _explain(skip, f"the model is returned on line {ref.line}: {reason}")
                return None
            return with_displays(builds, displays)
        if method in DISPLAYS and call is not None:
            shown = shown_unbuilt(index, plan, ref, call)
            if shown is not None:
                displays.append((shown, call))
                continue
        if method is None or call is None or method in DISPLAYS:
            _explain(skip, f"{describe(index, ref)} runs before the model is built")
            return None
        where = f"`{quote(index, ref, method, call)}` on line {ref.line}"
        if deferred is not None and deferred.start < ref.start:
            _explain(
                skip,
                f"a function on line {deferred.line} uses the model before {where}",
            )
            return None
        reason = conditional(index, plan.block, call, plan.call)
        if reason is not None:
            _explain(skip, f"{where} {reason}")
            return None
        data = data_argument(call, method)
        if data is None:
            _explain(skip, f"{where} has no data argument the converter can read")
            return None
        found = BuildCall(call, method, data, quote(index, ref, method, call))
        return with_displays((found,), displays)
    if deferred is not None:
        _explain(skip, f"only a function on line {deferred.line} uses the model")
    else:
        _explain(
            skip,
            "nothing builds it on data (fit, predict, a call) while the name holds it",
        )
    return None


def _reads_batch(
    index: TreeIndex, plan: Plan, found: BuildCall, also_read: tuple[Ref, ...] = ()
) -> str | None:
    """A later read of the model's input or output shapes, which include the batch dimension."""
    after = index.pos(found.call).end
    for ref in (*plan.later_uses, *plan.deferred_uses, *also_read):
        if not ref.deferred and ref.start < (after.line, after.column):
            continue
        parent = index.parent(ref.node)
        if (
            isinstance(parent, cst.Attribute)
            and parent.value is ref.node
            and parent.attr.value in SHAPE_READS
        ):
            return f"`{index.code(parent)}` on line {ref.line}"
    return None
