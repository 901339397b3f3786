"""In the worker: Keras's own datasets, as zeros of the shapes and dtypes Keras documents.

Verification downloads nothing, so `keras.datasets.mnist.load_data()`
failed, and every site whose code runs it stayed unverifiable (the MNIST
and Fashion-MNIST tutorials, most of all). These loaders return arrays of
fixed, documented shapes and dtypes (Keras 3.15's docstrings and loaders,
which tf_keras 2.21 shares), and the converter reads a model's input from
the same table (`analysis.keras_datasets`): both sides are built on zeros of
those, and the report says so (S2F316). The values are not the data's;
outputs are compared on the verification's own sample, as for every site.

- `mnist`, `fashion_mnist`: x uint8 (60000, 28, 28) and (10000, 28, 28),
  y uint8 (60000,) and (10000,);
- `cifar10`: x uint8 (50000, 3, 32, 32) and (10000, 3, 32, 32), moved to
  channels last as the loader does when `image_data_format()` says so,
  y uint8 (50000, 1) and (10000, 1);
- `cifar100`: the same images, y int64 (the loader reshapes a list of ints).

Left out: `boston_housing` and `california_housing`, whose dtypes the
documentation does not state, and `imdb`/`reuters`, lists of sequences of
varying lengths.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    train: tuple[int, ...]
    test: tuple[int, ...]
    labels: tuple[int, ...]  # the label's dimensions after the rows
    x_dtype: str
    y_dtype: str
    channels_first: bool = False  # as the loader reads it, before any transpose


DATASETS = {
    "mnist": Documented((60000, 28, 28), (10000, 28, 28), (), "uint8", "uint8"),
    "fashion_mnist": Documented((60000, 28, 28), (10000, 28, 28), (), "uint8", "uint8"),
    "cifar10": Documented(
        (50000, 3, 32, 32), (10000, 3, 32, 32), (1,), "uint8", "uint8", True
    ),
    "cifar100": Documented(
        (50000, 3, 32, 32), (10000, 3, 32, 32), (1,), "uint8", "int64", True
    ),
}


def dataset_stand_ins(
    keras, src: str, record: Callable[[str], None]
) -> Iterator[tuple[object, object]]:
    """(loader, stand-in) for each dataset module this Keras has; `record` hears each use."""
    for name, documented in DATASETS.items():
        try:
            module = importlib.import_module(f"{src}.datasets.{name}")
        except ImportError:
            continue
        loader = getattr(module, "load_data", None)
        if callable(loader):
            yield loader, _stand_in(keras, name, documented, loader, record)


def _stand_in(keras, name: str, documented: Documented, loader, record):
    signature = inspect.signature(loader)

    @functools.wraps(loader)
    def zeros(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # a wrong call raises as it did
        mode = bound.arguments.get("label_mode", "fine")
        if name == "cifar100" and mode not in ("fine", "coarse"):
            raise ValueError(
                f'`label_mode` must be one of `"fine"`, `"coarse"`. '
                f"Received: label_mode={mode}."
            )
        import numpy as np

        parts = []
        for shape in (documented.train, documented.test):
            x = np.zeros(shape, dtype=documented.x_dtype)
            if (
                documented.channels_first
                and keras.backend.image_data_format() == "channels_last"
            ):
                x = x.transpose(0, 2, 3, 1)
            y = np.zeros(shape[:1] + documented.labels, dtype=documented.y_dtype)
            parts.append((x, y))
        record(_describe(name, parts))
        return tuple(parts)

    return zeros


def _describe(name: str, parts: list) -> str:
    (x, y), (xt, yt) = parts
    return (
        f"{name}.load_data(): x {x.shape} and {xt.shape} {x.dtype}, "
        f"y {y.shape} and {yt.shape} {y.dtype}"
    )
