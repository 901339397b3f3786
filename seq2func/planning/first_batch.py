"""The batch dimension Keras 3 gives a Sequential built by its first `fit`, `predict` or call.

Keras keeps the batch size of the first data a model is built on as its
`InputLayer`'s batch dimension; the converted `keras.Input(shape=...)` has
None there, which S2F211 notes. Measured on Keras 3.15.1 with the TensorFlow
backend (`model.inputs[0].shape` after the first call on data of N rows; B
is the batch size, 32 by default):

- `fit` and `evaluate`: B when N (after `validation_split`, floored as Keras
  floors it) is a multiple of B, else None: 64 rows give (32, d), 100 rows
  give (None, d), 2 rows give (None, d); `fit(batch_size=16)` on 64 rows
  gives (16, d), on 100 rows (None, d); `fit(validation_split=0.36)` on 100
  rows trains on 64 and gives (32, d). `fit(steps_per_epoch=2)` on 100 rows
  gives (50, d): not worked out here, unknown. `fit(epochs=0)` does not build
  the model at all.
- `predict`: min(N, B): 100 rows give (32, d), 10 rows with `batch_size=16`
  give (10, d), 2 rows give (2, d).
- `model(x)`, `train_on_batch`, `test_on_batch`, `predict_on_batch`: N.
- The same for float64, float32, int64 and int32 data, and for Dense,
  Embedding and `Dense(dtype="float64")` first layers.

Fixtures: `input_first_build_fit_*`, `input_first_build_predict`,
`input_first_build_call`, `input_first_build_mnist_reshape`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import libcst as cst

from ..analysis.nodes import int_literal

# Methods that build an unbuilt model on their data, and where their
# batch_size= is when given by position.
BUILDING_METHODS: dict[str, int | None] = {
    "fit": 2,
    "evaluate": 2,
    "predict": 1,
    "train_on_batch": None,
    "test_on_batch": None,
    "predict_on_batch": None,
}
DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True)
class Batch:
    """The original's input batch dimension; `known` is False when the code does not fix it."""

    size: int | None
    known: bool

    @property
    def dropped(self) -> bool:
        """Whether the converted model's None differs (or may differ) from it."""
        return self.size is not None or not self.known


def original_batch(method: str, call: cst.Call, rows: int | None) -> Batch | None:
    """The batch dimension Keras 3 gave the original's InputLayer; None: it did not build."""
    if method not in ("fit", "evaluate", "predict"):
        return Batch(rows, rows is not None)
    if method == "fit" and _does_not_train(call):
        return None
    steps = "steps_per_epoch" if method == "fit" else "steps"
    if _keyword(call, steps) is not None:
        return Batch(None, False)
    batch_size = _batch_size(call, BUILDING_METHODS[method])
    if method == "fit" and rows is not None:
        split = _argument_value(call, 6, "validation_split")
        if split is not None:
            if not isinstance(split, (cst.Float, cst.Integer)):
                return Batch(None, False)
            rows = math.floor(rows * (1.0 - float(split.value)))
    if batch_size is None or rows is None:
        return Batch(None, False)
    if method == "predict":
        return Batch(min(rows, batch_size), True)
    return Batch(batch_size if rows % batch_size == 0 else None, True)


def dataset_batch(method: str, call: cst.Call, batch: int | None) -> Batch | None:
    """The batch dimension of a model built on a `tf.data` pipeline (`data_datasets`).

    `fit` and `evaluate` build on the element spec, whose batch dimension is
    known; `predict` on the first batch, which is not read; the rest take no
    dataset.
    """
    if method == "predict":
        return Batch(None, False)
    if method not in ("fit", "evaluate"):
        return None
    if method == "fit" and _does_not_train(call):
        return None
    return Batch(batch, True)


def _does_not_train(call: cst.Call) -> bool:
    """`fit(epochs=0)` (or epochs <= initial_epoch) never builds the model."""
    epochs = _argument_value(call, 3, "epochs")
    initial = _argument_value(call, None, "initial_epoch")
    count = int_literal(epochs) if epochs is not None else 1
    start = int_literal(initial) if initial is not None else 0
    return count is not None and start is not None and count <= start


def _batch_size(call: cst.Call, position: int | None) -> int | None:
    value = _argument_value(call, position, "batch_size")
    if value is None or (isinstance(value, cst.Name) and value.value == "None"):
        return DEFAULT_BATCH_SIZE
    size = int_literal(value)
    return size if size is not None and size > 0 else None


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                return None
            return arg.value
    return None


def _argument_value(
    call: cst.Call, position: int | None, keyword: str
) -> cst.BaseExpression | None:
    found = _keyword(call, keyword)
    if found is not None:
        return found
    positional = [a for a in call.args if a.keyword is None]
    if position is not None and position < len(positional):
        return positional[position].value
    return None
