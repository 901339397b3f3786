"""When Keras 2 builds a model on its data as Keras 3 does: `fit`/`evaluate` on NumPy floats.

`first_build` leaves Keras 2 files alone because tf_keras gives the
InputLayer the data's dtype. Measured on tf_keras 2.21 (TF_USE_LEGACY_KERAS=1)
with `Sequential([Sequential([Flatten(), Dense(3)]), Dense(4)])` built by
its first call on data of N rows (`model.input_shape`, input dtype):

- `fit`, `evaluate`, `predict` and `train_on_batch` on a NumPy array of
  float64, float32 or float16 give float32 (the data adapter casts NumPy
  floats to `floatx()`); int64 and uint8 arrays, and TensorFlow tensors,
  keep their dtype; `model(x)` keeps the array's dtype (float64 stays);
- the batch dimension: `fit`/`evaluate` on 64 rows give 32, on 100 or 2
  rows None, `batch_size=16` on 64 rows 16, as on Keras 3 (`first_batch`);
  but `fit(validation_split=0.36)` on 100 rows gives None (Keras 3: 32),
  `fit` on 96 rows with `validation_data` of 5 rows None (Keras 2 relaxes
  the shape when the model meets another batch size), and `predict` on 100
  rows None (Keras 3: 32);
- the inner model is built on the outer InputLayer, `(None, 28, 28)`
  float32 for both forms; initial weights are bit-identical under the same
  seed, and the original's `save_weights` (`.h5` and TensorFlow checkpoint)
  and `.keras` file load into `inputs = tf.keras.Input(shape=(28, 28))`,
  `x = encoder(inputs)`, ... `tf.keras.Model(inputs, outputs)`.

So a Keras 2 model is taken only when its first build is `fit` or `evaluate`
(no `validation_split=`) on data that `analysis.data_floating` shows to be
a NumPy float array, the file sets no `floatx`, and the original's batch
dimension is None (a number might be relaxed later, or not): the Input is
then `Input(shape=...)`, float32, with no batch dimension, as the original's.
Fixtures: `input_first_model_build_keras2*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.data_floating import is_numpy_float
from ..analysis.data_shapes import DataShape, integer_value
from ..analysis.index import TreeIndex
from ..analysis.nodes import kwarg
from ..analysis.reaching import Unknown
from . import keras2
from .build_calls import BuildCall
from .plan import Plan

_FLOAT_CASTING = frozenset({"fit", "evaluate"})


def keras2_unlike_keras3(index: TreeIndex, build: BuildCall) -> str | None:
    """Why Keras 2 may build this model on another input than the converted one, or None."""
    if build.method not in _FLOAT_CASTING:
        return f"Keras 2 builds the input of {build.line_text} otherwise"
    if kwarg(build.call, "validation_split") is not None:
        return "Keras 2 keeps another batch dimension with validation_split="
    if index.attributes.get("set_floatx") or index.names.get("set_floatx"):
        return "Keras 2 casts the data to floatx(), which this file sets"
    try:
        is_numpy_float(index, build.data)
    except Unknown as unknown:
        return f"Keras 2 builds in the data's dtype: {unknown}"
    return None


def batch_kept(batch_shape: tuple[int | None, ...]) -> bool:
    """Whether the original's batch dimension may be a number (Keras 2 may relax it later)."""
    return batch_shape[0] is not None


def is_keras2_model(index: TreeIndex, plan: Plan) -> bool:
    """A model of Keras 2 (`tf_keras`, `keras.engine`, `tensorflow.python.keras`,
    and `tf.keras` in a file that sets TF_USE_LEGACY_KERAS: `keras2`).

    Measured on tf_keras 2.21: the InputLayer takes the data's dtype (int64
    data gives an int64 input, `model(x)` on float64 data a float64 one), and
    `predict` keeps other batch sizes; `keras2_first_build` says where it
    builds the same input as the converted model.
    """
    if plan.family == "tf_keras" or keras2.runs_on_keras2(index, plan):
        return True
    return any(
        name.startswith(("keras.engine.", "tensorflow.python.keras."))
        for name in index.qualified(plan.call.func)
    )


def input_length_mismatch(
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
