"""The shapes of scikit-learn's data: bundled datasets, generators, splits and scalers.

Tutorials load their data with scikit-learn as often as with NumPy. What
`data_shapes` reads of it, measured on scikit-learn 1.9.1 (NumPy arrays
throughout; `fetch_california_housing` downloads its data, so its shape is
its docstring's "Samples total 20640, Dimensionality 8"):

- the Bunch a loader returns: `.data` and `bunch["data"]`, `.target` (rows,)
  and, for `load_digits`, `.images`; `load_iris()` (150, 4),
  `load_breast_cancer()` (569, 30), `load_digits()` (1797, 64) with
  images (1797, 8, 8), `load_diabetes()` (442, 10), `load_wine()` (178, 13),
  `fetch_california_housing()` (20640, 8); `X, y = loader(return_X_y=True)`
  gives the same two arrays. `load_digits(n_class=5)` keeps fewer rows
  (901, 64) and `load_diabetes(scaled=False)` other values, both the same
  features. `as_frame=True` gives pandas objects, which Keras converts on
  its own terms: not read. A Bunch is a dict: one the code may change (an
  assignment to its fields, a mutating method, passed on whole) is not read;
- `X, y = make_classification(n_samples=100, n_features=20)`: X is
  (n_samples, n_features), defaults as written; `make_regression` (100,
  100); `make_moons`, `make_circles` (n_samples, 2), with n_samples a pair
  summed; `make_blobs` (n_samples, n_features=2), n_samples a list summed,
  and `centers` an array decides the features instead (not read). Every
  argument that changes what is returned (`coef=`, `return_centers=`,
  `return_X_y=False`) is not read, nor any argument the table does not name;
- `a_train, a_test, b_train, b_test = train_test_split(a, b, ...)`: each part
  keeps the features of its array, its rows as sklearn counts them
  (`sklearn_split`);
- `StandardScaler`, `MinMaxScaler`, `RobustScaler` and `MaxAbsScaler`:
  `fit_transform(x)` and `transform(x)` (also on `.fit(...)`) return x's
  shape whatever their arguments or what they were fitted on ((7, 3) data
  gives (7, 3), `.transform` of (2, 3) (2, 3), after `fit` on other rows),
  a NumPy array of float64 unless `set_output(transform="pandas")` was
  asked for.

The loaders' arrays and the generators' X are float64 (`data_floating`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst
from libcst.metadata import ExpressionContext

from .data_constructors import Dims, argument
from .index import TreeIndex, WholeFileNeeded
from .nodes import lazy_value
from .reaching import Unknown
from .sklearn_split import IntegerOf, ShapeOf, split_by, split_part

Field = Literal["data", "target", "images"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Loader:
    """A bundled dataset: its rows, its `.data` features, and `.images`' where there are."""

    rows: int
    features: int
    images: tuple[int, ...] | None = None
    # Keywords that change nothing of the shape but, for `rows_by`, the rows.
    keywords: frozenset[str] = frozenset()
    rows_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Generator:
    """A `make_*` function: X's features, fixed or from `n_features`, and its keywords."""

    features: int  # the default, or the fixed number when `n_features` is None
    n_features: int | None  # its position, when the caller may set it
    keywords: frozenset[str]
    samples_summed: bool  # n_samples may be a pair (or list) of group sizes


_LOADER_KEYWORDS = frozenset({"return_X_y", "as_frame"})
LOADERS: dict[str, Loader] = {
    "sklearn.datasets.load_iris": Loader(150, 4),
    "sklearn.datasets.load_breast_cancer": Loader(569, 30),
    "sklearn.datasets.load_digits": Loader(
        1797, 64, (8, 8), _words("n_class"), _words("n_class")
    ),
    "sklearn.datasets.load_diabetes": Loader(442, 10, None, _words("scaled")),
    "sklearn.datasets.load_wine": Loader(178, 13),
    "sklearn.datasets.fetch_california_housing": Loader(
        20640, 8, None, _words("data_home download_if_missing n_retries delay")
    ),
}
_SHUFFLED = "shuffle noise random_state"
GENERATORS: dict[str, Generator] = {
    "sklearn.datasets.make_classification": Generator(
        20,
        1,
        _words(
            "n_informative n_redundant n_repeated n_classes n_clusters_per_class"
            " weights flip_y class_sep hypercube shift scale shuffle random_state"
            " return_X_y"
        ),
        False,
    ),
    "sklearn.datasets.make_regression": Generator(
        100,
        1,
        _words(
            "n_informative n_targets bias effective_rank tail_strength coef "
            + _SHUFFLED
        ),
        False,
    ),
    "sklearn.datasets.make_moons": Generator(2, None, _words(_SHUFFLED), True),
    "sklearn.datasets.make_circles": Generator(
        2, None, _words("factor " + _SHUFFLED), True
    ),
    "sklearn.datasets.make_blobs": Generator(
        2, 1, _words("centers cluster_std center_box return_centers " + _SHUFFLED), True
    ),
}
# Keywords that must be absent or one of these literals, else the return is
# another thing; `return_X_y` is read where the return is.
_FIXED_KEYWORDS = {
    "return_X_y": ("True", "False"),
    "as_frame": ("False",),
    "coef": ("False",),
    "return_centers": ("False",),
}
SCALERS = frozenset(
    {
        "sklearn.preprocessing.StandardScaler",
        "sklearn.preprocessing.MinMaxScaler",
        "sklearn.preprocessing.RobustScaler",
        "sklearn.preprocessing.MaxAbsScaler",
    }
)
_TRANSFORMS = frozenset({"fit_transform", "transform"})
# Methods of a dict (a Bunch is one) that change what it holds.
_MUTATORS = frozenset(
    {"update", "pop", "popitem", "setdefault", "clear", "__setitem__", "__delitem__"}
)
FIELDS: tuple[Field, ...] = ("data", "target", "images")


def loader(index: TreeIndex, call: cst.Call) -> Loader | None:
    """The dataset `call` loads, None when it loads none; `Unknown` when it loads
    one in a form not read (`as_frame=True`, an argument the table does not name)."""
    found = _named(index, call, LOADERS)
    if found is None:
        return None
    _check_arguments(call, found.keywords | _LOADER_KEYWORDS, 0)
    return found


def field_of(found: Loader, call: cst.Call, field: Field) -> Dims:
    """The shape of a field of the Bunch `call` loads."""
    if _is_literal(_keyword(call, "return_X_y"), "True"):
        raise Unknown("return_X_y=True gives a pair, not a Bunch")
    return loaded(found, call, field)


def loaded(found: Loader, call: cst.Call, field: Field) -> Dims:
    """The shape of a loaded dataset's field (of its Bunch, or of `return_X_y`'s pair)."""
    rows = None if any(_keyword(call, k) for k in found.rows_by) else found.rows
    if field == "target":
        return (rows,)
    if field == "images":
        if found.images is None:
            raise Unknown("the dataset has no images")
        return (rows, *found.images)
    return (rows, found.features)


def returned_part(
    index: TreeIndex,
    call: cst.Call,
    path: tuple[int, ...],
    shape_of: ShapeOf,
    integer_of: IntegerOf,
) -> Dims | None:
    """The shape of the part at `path` of what `call` returns (`X, y = ...`):
    a loader's with `return_X_y=True`, a generator's, a split's; None when
    `call` is none of those."""
    if len(path) != 1:
        return None
    found = loader(index, call)
    if found is not None:
        if not _is_literal(_keyword(call, "return_X_y"), "True"):
            raise Unknown("a dataset's Bunch is unpacked without return_X_y=True")
        if path[0] > 1:
            return None
        return loaded(found, call, "data" if path[0] == 0 else "target")
    made = _named(index, call, GENERATORS)
    if made is not None:
        if _is_literal(_keyword(call, "return_X_y"), "False"):
            raise Unknown("the generator returns a Bunch (return_X_y=False)")
        return _generated(made, call, path[0], integer_of)
    if split_by(index, call):
        return split_part(call, path[0], shape_of, integer_of)
    return None


def returns_floats(index: TreeIndex, call: cst.Call, path: tuple[int, ...]) -> bool:
    """Whether the part at `path` of a loader's `return_X_y` pair, or of a
    generator's, is X (float64); `Unknown` when it is not an array of floats."""
    found = loader(index, call)
    if found is not None:
        if not _is_literal(_keyword(call, "return_X_y"), "True"):
            raise Unknown("a dataset's Bunch is unpacked without return_X_y=True")
    elif _named(index, call, GENERATORS) is not None:
        if _is_literal(_keyword(call, "return_X_y"), "False"):
            raise Unknown("the generator returns a Bunch (return_X_y=False)")
    else:
        return False
    if path != (0,):
        raise Unknown("the targets are not known to be floats")
    return True


def bunch_field(node: cst.BaseExpression) -> Field | None:
    """The field `node` reads of an object: `x.data`, `x["data"]`; None for anything else."""
    if isinstance(node, cst.Attribute) and node.attr.value in FIELDS:
        return node.attr.value  # type: ignore[return-value]
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        element = node.slice[0].slice
        if isinstance(element, cst.Index) and isinstance(
            element.value, cst.SimpleString
        ):
            key = element.value.evaluated_value
            if key in FIELDS:
                return key  # type: ignore[return-value]
    return None


def unchanged_bunch(index: TreeIndex, name: cst.Name) -> None:
    """Raise `Unknown` unless every use of the name only reads the Bunch's fields.

    A Bunch is a dict: an assignment to a field, a mutating method or a
    function it is passed to may change what `.data` holds.
    """
    if index.narrowed and index.may_be_elided(name.value):
        raise WholeFileNeeded  # a blanked statement may change the Bunch
    scope = lazy_value(index.scopes.get(name))
    for node in index.names.get(name.value, []):
        if not index.known(node):
            raise Unknown(f"`{name.value}` (a Bunch) is used where it is not read")
        if index.context(node) is ExpressionContext.STORE:
            continue
        parent = index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            continue
        if not index.same_binding(node, name.value, scope):
            continue
        if isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node:
            changes = isinstance(parent, cst.Attribute) and (
                parent.attr.value in _MUTATORS
            )
            if index.context(parent) is ExpressionContext.LOAD and not changes:
                continue
        raise Unknown(
            f"`{name.value}` (a Bunch) may be changed on line {index.line(node)}"
        )


def scaled(index: TreeIndex, call: cst.Call, value_of) -> cst.BaseExpression | None:
    """`x` of `scaler.fit_transform(x)` / `scaler.transform(x)` with a scaler that
    keeps the shape; None when `call` is not one. `value_of` follows a name."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in _TRANSFORMS):
        return None
    if not _is_scaler(index, func.value, value_of):
        return None
    data = argument(call, 0, "X")
    if data is None:
        raise Unknown(f"`{func.attr.value}()` is given no data")
    return data


def _is_scaler(index: TreeIndex, node: cst.BaseExpression, value_of) -> bool:
    for _ in range(8):
        if isinstance(node, cst.Name):
            try:
                node = value_of(node)
            except Unknown:
                return False
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "fit":
            node = func.value  # `fit` returns the estimator itself
            continue
        return bool(index.sole_qualified(func) & SCALERS)
    return False


def _generated(
    made: Generator, call: cst.Call, position: int, integer_of: IntegerOf
) -> Dims | None:
    if position > 1:
        return None
    keywords = made.keywords | {"n_samples"}
    if made.n_features is None:
        _check_arguments(call, keywords, 1)
    else:
        _check_arguments(call, keywords | {"n_features"}, 2)
    centers = _keyword(call, "centers")
    if centers is not None and not _is_literal(centers, "None"):
        try:
            integer_of(centers)
        except Unknown:
            raise Unknown("centers= other than a number sets the features") from None
    rows = _samples(argument(call, 0, "n_samples"), made, integer_of)
    if position == 1:
        if _keyword(call, "n_targets") is not None:
            return None
        return (rows,)
    features = made.features
    if made.n_features is not None:
        stated = argument(call, made.n_features, "n_features")
        if stated is not None:
            features = integer_of(stated)
    return (rows, features)


def _samples(
    value: cst.BaseExpression | None, made: Generator, integer_of: IntegerOf
) -> int | None:
    if value is None:
        return 100
    if made.samples_summed and isinstance(value, (cst.Tuple, cst.List)):
        try:
            return sum(integer_of(e.value) for e in value.elements)
        except Unknown:
            return None
    try:
        return integer_of(value)
    except Unknown:
        if made.samples_summed:
            return None  # a list of group sizes: rows unknown, features stated
        raise


def _named(index: TreeIndex, call: cst.Call, table: dict):
    for name in index.sole_qualified(call.func):
        if name in table:
            return table[name]
    return None


def _check_arguments(call: cst.Call, keywords: frozenset[str], positional: int) -> None:
    where = f"`{_func_name(call)}()`"
    if any(a.star for a in call.args):
        raise Unknown(f"{where} unpacks its arguments")
    if sum(1 for a in call.args if a.keyword is None) > positional:
        raise Unknown(f"{where} has arguments the converter does not read")
    for arg in call.args:
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        if key not in keywords:
            raise Unknown(f"{where} has {key}=, which the converter does not read")
        fixed = _FIXED_KEYWORDS.get(key, ())
        if fixed and not any(_is_literal(arg.value, value) for value in fixed):
            raise Unknown(f"{where} is given {key}= other than {' or '.join(fixed)}")


def _func_name(call: cst.Call) -> str:
    func = call.func
    return (
        func.attr.value
        if isinstance(func, cst.Attribute)
        else getattr(func, "value", "the call")
    )


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return argument(call, None, name)


def _is_literal(value: cst.BaseExpression | None, text: str) -> bool:
    return isinstance(value, cst.Name) and value.value == text
