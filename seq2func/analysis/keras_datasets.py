"""The shapes of the arrays Keras's built-in datasets load, as their documentation states.

`(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()`:
each of the four arrays has a documented shape (Keras 3.15's docstrings,
which assert them, and tf.keras's API pages agree):

- `mnist`, `fashion_mnist`: x (60000, 28, 28) and (10000, 28, 28) uint8,
  y (60000,) and (10000,);
- `boston_housing`: x (num_samples, 13), y (num_samples,), the rows split
  by `test_split`;
- `california_housing`: x (num_samples, 8), y (num_samples,).

`load_data`'s own arguments (Keras 3.15 and tf_keras 2.21: `path`, the
cache file's name; `cache_dir`; `test_split`, `seed` and california's
`version`, which choose rows) leave every dimension but the rows as listed.

Left out on purpose: `cifar10`/`cifar100`, whose images are (N, 32, 32, 3)
or (N, 3, 32, 32) depending on the user's `image_data_format` setting, and
`imdb`/`reuters`, whose sequences have no shape until padded.
"""

from __future__ import annotations

from .data_constructors import Dims

# By the dataset module's name (`keras.datasets.<name>.load_data`):
# ((x_train, y_train), (x_test, y_test)).
DATASETS: dict[str, tuple[tuple[Dims, Dims], tuple[Dims, Dims]]] = {
    "mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "fashion_mnist": (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,))),
    "boston_housing": (((None, 13), (None,)), ((None, 13), (None,))),
    "california_housing": (((None, 8), (None,)), ((None, 8), (None,))),
}


# The parameters of each `load_data`, in order (Keras 3.15, then tf_keras's
# `cache_dir`): none changes a dimension the table gives.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "mnist": ("path", "cache_dir"),
    "fashion_mnist": ("cache_dir",),
    "boston_housing": ("path", "test_split", "seed", "cache_dir"),
    "california_housing": ("version", "path", "test_split", "seed"),
}


def dataset_part(name: str, path: tuple[int, ...]) -> Dims | None:
    """The shape of the part of `<name>.load_data()` at `path` ((0, 0): x_train)."""
    table = DATASETS.get(name)
    if table is None or len(path) != 2 or not all(i in (0, 1) for i in path):
        return None
    return table[path[0]][path[1]]


def takes_arguments(name: str, positional: int, keywords: list[str]) -> bool:
    """Whether `<name>.load_data(...)` with these arguments is a call it accepts."""
    parameters = PARAMETERS.get(name, ())
    named = parameters[positional:]
    return positional <= len(parameters) and all(k in named for k in keywords)
