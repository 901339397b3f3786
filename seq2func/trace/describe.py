"""What a model was built with, read without importing any framework.

Everything here is duck-typed: a value's `dtype`, `element_spec` or class
name says what it is, so numpy arrays, TensorFlow tensors and datasets,
Keras tensors, JAX and PyTorch arrays are described alike, and nothing is
converted, copied or consumed (a dataset is read through its spec, a
generator not at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Structure = Literal["tensor", "list", "dict"]
Shape = tuple  # of int | None, batch dimension first

# The model methods a first build can come from; the outermost one on the stack names it.
TRAINING_CALLS = frozenset(
    {
        "fit",
        "evaluate",
        "predict",
        "train_on_batch",
        "test_on_batch",
        "predict_on_batch",
    }
)
PUBLIC_CALLS = TRAINING_CALLS | {"__call__", "build", "add", "pop", "__init__"}


@dataclass(frozen=True)
class Leaf:
    """One input tensor of a build: the shape Keras built with and what fed it."""

    key: str | int | None  # dict key, list index, or None for a single tensor
    shape: Shape  # full shape, batch dimension included
    dtype: str | None  # the dtype Keras gave the InputLayer (None: no InputLayer made)
    sparse: bool  # the InputLayer's flags
    ragged: bool
    data_dtype: str | None  # the dtype of the data the program passed, when known
    data_sparse: bool | None
    data_ragged: bool | None

    def to_json(self) -> dict:
        record = asdict(self)
        record["shape"] = list(self.shape)
        return record

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> "Leaf":
        values = dict(record)
        values["shape"] = tuple(values["shape"])
        return cls(**values)


def _dimension(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(
        item is None or isinstance(item, int) for item in value
    )


def _shape(value: Any) -> Shape | None:
    """A shape as a tuple, from a tuple, a list or a `TensorShape`."""
    if _is_shape(value):
        return tuple(value)
    as_list = getattr(value, "as_list", None)  # tf.TensorShape
    if callable(as_list):
        try:
            return tuple(_dimension(d) for d in as_list())
        except ValueError:  # unknown rank
            return None
    return None


def shape_structure(
    input_shape: Any,
) -> tuple[Structure, list[tuple[str | int | None, Shape]]] | None:
    """The structure of a build's input shape and its leaves, or None for a deeper nesting."""
    single = _shape(input_shape)
    if single is not None:
        return "tensor", [(None, single)]
    if isinstance(input_shape, Mapping):
        leaves = [(str(key), _shape(value)) for key, value in input_shape.items()]
        if all(shape is not None for _, shape in leaves):
            return "dict", leaves  # type: ignore[return-value]
        return None
    if isinstance(input_shape, (tuple, list)):
        leaves = [(index, _shape(value)) for index, value in enumerate(input_shape)]
        if all(shape is not None for _, shape in leaves):
            return "list", leaves  # type: ignore[return-value]
    return None


def dtype_name(dtype: Any) -> str | None:
    """'float32' for a numpy, TensorFlow, Keras, JAX or PyTorch dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    text = str(dtype)
    return text.removeprefix("torch.")


@dataclass(frozen=True)
class DataLeaf:
    dtype: str | None
    sparse: bool | None
    ragged: bool | None


UNKNOWN = DataLeaf(None, None, None)


def _describe_value(value: Any) -> DataLeaf:
    kind = type(value).__name__
    sparse = "Sparse" in kind or getattr(value, "sparse", None) is True
    ragged = "Ragged" in kind or getattr(value, "ragged", None) is True
    if hasattr(value, "tocoo") and hasattr(value, "nnz"):  # scipy.sparse
        sparse = True
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return DataLeaf(None, sparse or None, ragged or None)
    return DataLeaf(dtype_name(dtype), sparse, ragged)


def _inputs_part(value: Any) -> Any:
    """The `x` of a dataset element or batch, as Keras unpacks `(x, y, sample_weight)`."""
    if isinstance(value, tuple) and 1 <= len(value) <= 3:
        return value[0]
    return value


def data_leaves(
    data: Any, structure: Structure, keys: list[str | int | None]
) -> list[DataLeaf]:
    """What fed each input: from the data itself, a dataset's element spec, or nothing."""
    spec = getattr(data, "element_spec", None)  # tf.data.Dataset
    if spec is not None:
        data = _inputs_part(spec)
    if data is None:
        return [UNKNOWN] * len(keys)
    if structure == "tensor":
        if isinstance(data, (list, tuple)) and len(data) == 1:
            data = data[0]
        if isinstance(data, (list, tuple, Mapping)):
            return [UNKNOWN]
        return [_describe_value(data)]
    if structure == "dict" and isinstance(data, Mapping):
        return [_describe_value(data[key]) if key in data else UNKNOWN for key in keys]
    if structure == "list" and isinstance(data, (list, tuple)):
        return [
            (
                _describe_value(data[key])
                if isinstance(key, int) and key < len(data)
                else UNKNOWN
            )
            for key in keys
        ]
    return [UNKNOWN] * len(keys)


def merge(primary: list[DataLeaf], fallback: list[DataLeaf]) -> list[DataLeaf]:
    """Each leaf from `primary` where it is known, else from `fallback`."""
    return [
        first if first.dtype is not None else second
        for first, second in zip(primary, fallback)
    ]
