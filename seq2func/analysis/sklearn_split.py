"""The parts of scikit-learn's `train_test_split`, for `sklearn_data`.

`a_train, a_test, b_train, b_test = train_test_split(a, b, test_size=0.2)`:
each part keeps the features of the array it comes from. The rows are
sklearn's own (1.9.1, `model_selection._split._validate_shuffle_split`),
counted on the first array: n_test = ceil(test_size * n) for a float,
test_size itself for an int, n_train likewise with floor, the other the
rest, test_size 0.25 when neither is given. Measured on iris (150 rows):
112/38 by default, 120/30 for 0.2, 100/50 for 0.33, 105/45 for
train_size=0.7, 125/25 for test_size=25. Sizes the code does not fix leave
the rows unknown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import libcst as cst

from .data_constructors import Dims, argument
from .index import TreeIndex
from .reaching import Unknown

ShapeOf = Callable[[cst.BaseExpression], Dims]
IntegerOf = Callable[[cst.BaseExpression], int]

TRAIN_TEST_SPLIT = "sklearn.model_selection.train_test_split"
_SPLIT_KEYWORDS = frozenset(
    {"test_size", "train_size", "random_state", "shuffle", "stratify"}
)


def split_by(index: TreeIndex, call: cst.Call) -> bool:
    """Whether `call` is `train_test_split(...)`."""
    return TRAIN_TEST_SPLIT in index.sole_qualified(call.func)


def split_source(call: cst.Call, position: int) -> cst.BaseExpression:
    """The array the part at `position` of `train_test_split(...)` comes from."""
    arrays = [a.value for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or not 0 <= position < 2 * len(arrays):
        raise Unknown("the split's parts are not the arrays given one by one")
    if any(a.keyword.value not in _SPLIT_KEYWORDS for a in call.args if a.keyword):
        raise Unknown("`train_test_split` has arguments the converter does not read")
    return arrays[position // 2]


def split_part(
    call: cst.Call, position: int, shape_of: ShapeOf, integer_of: IntegerOf
) -> Dims:
    source = shape_of(split_source(call, position))
    rows = source[0]
    if position >= 2:  # sklearn counts the rows of the first array
        try:
            rows = shape_of([a.value for a in call.args][0])[0]
        except Unknown:
            rows = None
    sizes = None if rows is None else split_rows(call, rows, integer_of)
    return (None if sizes is None else sizes[position % 2], *source[1:])


def split_rows(
    call: cst.Call, rows: int, integer_of: IntegerOf
) -> tuple[int, int] | None:
    """(n_train, n_test) as sklearn computes them; None when the code does not fix them."""
    test = _size(call, "test_size", integer_of)
    train = _size(call, "train_size", integer_of)
    if test is False or train is False:
        return None
    if test is None and train is None:
        test = 0.25
    n_test = n_train = None
    if isinstance(test, float):
        n_test = math.ceil(test * rows)
    elif isinstance(test, int):
        n_test = test
    if isinstance(train, float):
        n_train = math.floor(train * rows)
    elif isinstance(train, int):
        n_train = train
    if n_train is None and n_test is not None:
        n_train = rows - n_test
    elif n_test is None and n_train is not None:
        n_test = rows - n_train
    if n_train is None or n_test is None or n_train <= 0 or n_test <= 0:
        return None  # sklearn raises: the original never gets this far
    return n_train, n_test


def _size(
    call: cst.Call, keyword: str, integer_of: IntegerOf
) -> float | int | None | Literal[False]:
    """A split size: a float or int literal, None when absent; False when unread."""
    value = argument(call, None, keyword)
    if value is None or (isinstance(value, cst.Name) and value.value == "None"):
        return None
    if isinstance(value, cst.Float):
        return float(value.value)
    try:
        return integer_of(value)
    except Unknown:
        return False
