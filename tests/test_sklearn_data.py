"""`analysis.sklearn_data`: the shapes of scikit-learn's datasets, generators, splits, scalers.

As in test_data_shapes.py, each source binds `data` and ends with
`use(data)`. The fixtures `input_first_build_sklearn_*` pin the same reader
end to end, and run the code with scikit-learn.
"""

from __future__ import annotations

import libcst as cst
import pytest

from seq2func.analysis.data_floating import is_numpy_float
from seq2func.analysis.data_shapes import DataShape, Unknown, data_shape
from seq2func.analysis.index import TreeIndex

HEADER = (
    "import numpy as np\nfrom keras import Sequential\n"
    "from sklearn import datasets\n"
    "from sklearn.datasets import load_iris, load_digits, make_moons\n"
    "from sklearn.model_selection import train_test_split\n"
    "from sklearn.preprocessing import StandardScaler, MinMaxScaler\n"
    "from sklearn.decomposition import PCA\n"
)


def parsed(body: str) -> tuple[TreeIndex, cst.BaseExpression]:
    module = cst.parse_module(HEADER + body + "use(data)\n")
    call = module.body[-1].body[0].value  # type: ignore[attr-defined]
    return TreeIndex(module), call.args[0].value


def read(body: str) -> DataShape:
    return data_shape(*parsed(body))


@pytest.mark.parametrize(
    "body, rows, features",
    [
        ("data = load_iris().data\n", 150, (4,)),
        ("iris = load_iris()\ndata = iris.data\n", 150, (4,)),
        ("iris = load_iris()\ndata = iris['data']\n", 150, (4,)),
        ("data, y = load_iris(return_X_y=True)\n", 150, (4,)),
        ("data = datasets.load_breast_cancer().data\n", 569, (30,)),
        ("data = datasets.load_digits().data\n", 1797, (64,)),
        ("data = load_digits().images\n", 1797, (8, 8)),
        ("data = load_digits(n_class=5).data\n", None, (64,)),
        ("data = datasets.load_diabetes(scaled=False).data\n", 442, (10,)),
        ("data = datasets.load_wine(return_X_y=False).data\n", 178, (13,)),
        ("data = datasets.fetch_california_housing().data\n", 20640, (8,)),
        ("h = datasets.fetch_california_housing()\ndata = h.data / 10\n", 20640, (8,)),
    ],
)
def test_a_bundled_dataset_has_its_documented_shape(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body, rows, features",
    [
        ("data, y = datasets.make_classification()\n", 100, (20,)),
        ("data, y = datasets.make_classification(50, 7)\n", 50, (7,)),
        (
            "data, y = datasets.make_classification(n_samples=30, n_features=5,"
            " n_informative=3, random_state=0)\n",
            30,
            (5,),
        ),
        ("data, y = datasets.make_regression(n_samples=40)\n", 40, (100,)),
        ("data, y = make_moons(200, noise=0.1)\n", 200, (2,)),
        ("data, y = datasets.make_circles(n_samples=(10, 13))\n", 23, (2,)),
        ("data, y = datasets.make_blobs(n_samples=[10, 20], n_features=3)\n", 30, (3,)),
        ("data, y = datasets.make_blobs(n_samples=n, centers=4)\n", None, (2,)),
        ("pair = make_moons(64)\ndata, y = pair\n", 64, (2,)),
    ],
)
def test_a_generator_makes_the_shape_its_arguments_state(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "split, train, test",
    [
        ("", 112, 38),  # test_size 0.25 by default: ceil(37.5)
        ("test_size=0.2", 120, 30),
        ("test_size=0.33, random_state=42", 100, 50),
        ("test_size=25", 125, 25),
        ("train_size=0.7", 105, 45),
        ("train_size=100, test_size=20", 100, 20),
        ("test_size=size", None, None),
    ],
)
def test_a_split_keeps_the_features_and_counts_rows_as_sklearn_does(split, train, test):
    head = f"x, y = load_iris(return_X_y=True)\na, b, c, d = train_test_split(x, y, {split})\n"
    assert read(head + "data = a\n") == DataShape(train, (4,))
    assert read(head + "data = b\n") == DataShape(test, (4,))


@pytest.mark.parametrize(
    "body, rows",
    [
        ("data = StandardScaler().fit_transform(load_iris().data)\n", 150),
        ("s = MinMaxScaler((0, 1))\ndata = s.fit_transform(load_iris().data)\n", 150),
        ("s = StandardScaler()\ndata = s.fit(x).transform(load_iris().data)\n", 150),
        (
            "s = StandardScaler().fit(x)\ndata = s.transform(load_iris().data[:10])\n",
            10,
        ),
    ],
)
def test_a_scaler_keeps_the_shape_of_what_it_transforms(body, rows):
    assert read(body) == DataShape(rows, (4,))


@pytest.mark.parametrize(
    "body",
    [
        "data = load_iris(as_frame=True).data\n",
        "data, y = load_iris()\n",
        "data = load_iris(return_X_y=True).data\n",
        "iris = load_iris()\niris.data = iris.data[:, :2]\ndata = iris.data\n",
        "iris = load_iris()\niris['data'] = np.ones((3, 3))\ndata = iris['data']\n",
        "iris = load_iris()\niris.update(data=np.ones((3, 3)))\ndata = iris.data\n",
        "iris = load_iris()\nchange(iris)\ndata = iris.data\n",
        "data, y = datasets.make_blobs(centers=[[0, 0, 0], [1, 1, 1]])\n",
        "data, y = datasets.make_classification(return_X_y=False)\n",
        "data, y, coef = datasets.make_regression(coef=True)\n",
        "data, y = make_moons(n_features=3)\n",
        "data = PCA(2).fit_transform(load_iris().data)\n",
        "data = load_iris().target\n",
    ],
)
def test_what_may_have_another_shape_is_unknown(body):
    with pytest.raises(Unknown):
        read(body)


@pytest.mark.parametrize(
    "body",
    [
        "data = load_iris().data\n",
        "data = load_digits().images / 16\n",
        "data, y = make_moons(100)\n",
        "x, y = load_iris(return_X_y=True)\ndata, t, a, b = train_test_split(x, y)\n",
    ],
)
def test_datasets_and_generated_x_are_numpy_floats(body):
    assert is_numpy_float(*parsed(body))


@pytest.mark.parametrize(
    "body",
    [
        "data = load_iris().target\n",
        "x, data = load_iris(return_X_y=True)\n",
        "data = StandardScaler().fit_transform(load_iris().data)\n",
    ],
)
def test_targets_and_scaled_data_are_not_known_floats(body):
    with pytest.raises(Unknown):
        is_numpy_float(*parsed(body))
