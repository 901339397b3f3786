"""`analysis.data_shapes`: the literal shape of the data a model is first run on.

Each source binds `data` and ends with `use(data)`; the shape is read at that
read. The fixtures `input_first_build_*` pin the same reader end to end.
"""

from __future__ import annotations

import libcst as cst
import pytest

from seq2func.analysis.data_shapes import DataShape, Unknown, data_shape
from seq2func.analysis.index import TreeIndex

HEADER = "import numpy as np\nimport tensorflow as tf\nimport keras\nfrom keras import Sequential\n"


def read(body: str) -> DataShape:
    module = cst.parse_module(HEADER + body + "use(data)\n")
    index = TreeIndex(module)
    call = module.body[-1].body[0].value  # type: ignore[attr-defined]
    return data_shape(index, call.args[0].value)


@pytest.mark.parametrize(
    "body, rows, features",
    [
        ("data = np.zeros((10, 3), dtype='int32')\n", 10, (3,)),
        ("data = np.ones(shape=[4, 2, 2])\n", 4, (2, 2)),
        ("data = np.full((5, 6), 0.5)\n", 5, (6,)),
        ("data = np.empty((7, 28 * 28))\n", 7, (784,)),
        ("data = np.random.rand(3, 4)\n", 3, (4,)),
        ("data = np.random.randn(2, 3, 4)\n", 2, (3, 4)),
        ("data = np.random.random(size=(8, 2))\n", 8, (2,)),
        ("data = np.random.randint(0, 5, (6, 3))\n", 6, (3,)),
        ("data = np.random.normal(0, 1, size=(9, 1))\n", 9, (1,)),
        ("rng = np.random.RandomState(0)\ndata = rng.rand(5, 5)\n", 5, (5,)),
        ("data = np.random.default_rng().uniform(size=(2, 3))\n", 2, (3,)),
        ("data = tf.ones([3, 2])\n", 3, (2,)),
        ("data = tf.random.uniform((4, 5), maxval=2)\n", 4, (5,)),
        ("data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])\n", 3, (2,)),
        ("data = np.array(np.ones((5, 2)))\n", 5, (2,)),
        ("data = np.reshape(np.ones((4, 6)), (-1, 3))\n", 8, (3,)),
        ("data = np.ones((4, 6)).reshape(2, 12)\n", 2, (12,)),
        ("data = np.ones((4, 6)).reshape(-1, 2, 3)\n", 4, (2, 3)),
        (
            "data = keras.utils.pad_sequences(seqs, maxlen=5).reshape(-1, 5)\n",
            None,
            (5,),
        ),
        ("x = np.ones((9, 3))\ndata = x[2:5]\n", 3, (3,)),
        ("x = np.ones((9, 3))\ndata = x[::2]\n", 5, (3,)),
        ("x = np.ones((9, 3))\ndata = x[:n]\n", None, (3,)),
        ("x = np.ones((9, 3))\ndata = x[[0, 2]]\n", 2, (3,)),
        ("x = np.ones((9, 3))\nidx = np.arange(2, 6)\ndata = x[idx]\n", 4, (3,)),
        ("x = np.ones((9, 3))\ndata = -(x - 0.5) * 2\n", 9, (3,)),
        ("x = np.ones((9, 3))\ndata = tf.cast(x, tf.float32)\n", 9, (3,)),
        ("x, y = np.ones((9, 3)), np.ones((9,))\ndata = x.copy()\n", 9, (3,)),
        ("d = 4\nn = d * 2\ndata = np.ones((n, d))\n", 8, (4,)),
        (
            "x = np.ones((9, 3))\ndata = np.ones((x.shape[0], x.shape[1] + 1))\n",
            9,
            (4,),
        ),
        ("shape = (3, 2)\ndata = np.zeros(shape)\n", 3, (2,)),
        ("data = np.ones((2, 3))\ndata *= 2\n", 2, (3,)),
        ("x = np.ones((9, 3))\ndata = x[..., np.newaxis]\n", 9, (3, 1)),
        ("data = np.ones((9, 3))[..., None]\n", 9, (3, 1)),
        ("data = tf.reshape(tf.zeros((2, 6)), (-1, 3))\n", 4, (3,)),
        ("data = keras.ops.ones((3, 3))\n", 3, (3,)),
        ("from keras.src import ops\ndata = ops.ones((1, 5))\n", 1, (5,)),
        ("from keras.src.ops import numpy\ndata = numpy.zeros((2, 4))\n", 2, (4,)),
        ("import tensorflow.compat.v1 as v1\ndata = v1.zeros([1, 2, 3])\n", 1, (2, 3)),
        ("data = keras.random.normal((5, 2))\n", 5, (2,)),
        (
            "data = load().reshape((60000, 28 * 28)).astype('float32') / 255\n",
            60000,
            (784,),
        ),
        ("data = load().reshape(-1, 28, 28)\n", None, (28, 28)),
        (
            "data = np.ones((2, 3))\nwith open('f') as f:\n    data = np.ones((2, 4))\n",
            2,
            (4,),
        ),
    ],
)
def test_shapes_the_code_states(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("data = np.load('x.npy')\n", "is not a shape the code states"),
        ("data = np.ones(10)\n", "no dimension besides the rows"),
        ("data = np.ones((4, n))\n", "is not assigned"),
        ("if c:\n    data = np.ones((2, 3))\n", "may not run"),
        ("data = np.ones((2, 3))\nfor data in batches:\n    pass\n", "loop variable"),
        ("data = np.ones((2, 3))\ndata.resize((3, 2))\n", "changes its shape"),
        ("data = np.ones((2, 3))\ndata @= other\n", "may change its shape"),
        ("data = np.ones((2, 3))\ndata += other\n", "`other` is not assigned"),
        ("data = np.ones((4, 6)).reshape(-1, -1)\n", "not a valid shape"),
        ("data = keras.utils.pad_sequences(seqs)\n", "without maxlen"),
        ("x = np.ones((9, 3))\ndata = x[:, 0]\n", "indexes more than the rows"),
        ("data = load().reshape(28, -1)\n", "leaves a feature dimension open"),
        ("x = np.ones((9, 3))\ndata = x[0]\n", "may be a single row"),
        ("x = np.ones((9, 3))\ndata = x @ w\n", "is not a shape the code states"),
        ("data = rng.normal(size=(2, 3))\n", "is not a shape the code states"),
        ("data = np.random.rand(*dims)\n", "unpacks its arguments"),
        ("data = np.array([[1, 2], [3]])\n", "not rectangular"),
    ],
)
def test_everything_else_is_unknown_with_a_reason(body, reason):
    with pytest.raises(Unknown, match=reason):
        read(body)


@pytest.mark.parametrize(
    "resize",
    ["images = tf.image.resize(images, (8, 8))", "other = np.resize(other, (3, 2))"],
)
def test_a_module_function_named_resize_changes_no_array_in_place(resize):
    assert read(f"data = np.ones((2, 3))\n{resize}\n") == DataShape(2, (3,))


@pytest.mark.parametrize(
    "body",
    [
        "data = np.ones((2, 3))\nimages.resize((3, 2))\n",
        "data = np.ones((2, 3))\nother.shape = (3, 2)\n",
        "def f():\n    data.resize(1)\ndata = np.ones((2, 3))\nf()\n",
    ],
)
def test_an_array_resized_in_place_elsewhere_may_be_the_data(body):
    # `images = data` may have come before; `f()` may run before the read.
    with pytest.raises(Unknown, match="changes its shape"):
        read(body)


@pytest.mark.parametrize(
    "binding",
    ["exec('data = np.ones((2, 4))')", "globals()['data'] = np.ones((2, 4))"],
)
def test_a_name_code_may_bind_unseen_is_unknown(binding):
    with pytest.raises(Unknown, match="may bind `data`"):
        read(f"data = np.ones((2, 3))\n{binding}\n")


def test_reading_the_globals_binds_nothing():
    body = (
        "data = np.ones((2, 3))\nif 'data' in globals():\n    print(vars().get('x'))\n"
    )
    assert read(body) == DataShape(2, (3,))


def test_a_name_assigned_in_a_function_with_global_is_unknown():
    body = "data = np.ones((2, 3))\ndef f():\n    global data\n    data = 1\n"
    with pytest.raises(Unknown, match="in a function"):
        read(body)


VECTORIZE = (
    "def vectorize(sequences, dimension=10000):\n"
    "    results = np.zeros((len(sequences), dimension))\n"
    "    for i, sequence in enumerate(sequences):\n"
    "        results[i, sequence] = 1.0\n"
    "    return results\n"
)


@pytest.mark.parametrize(
    "body, rows, features",
    [
        (VECTORIZE + "data = vectorize(raw)\n", None, (10000,)),
        (VECTORIZE + "data = vectorize(raw, 64)[100:]\n", None, (64,)),
        (VECTORIZE + "data = vectorize(raw, dimension=8) / 2\n", None, (8,)),
        (
            "def encode(sequences, num_classes):\n"
            "    return np.zeros((len(sequences), num_classes))\n"
            "data = encode(raw, num_classes=46)\n",
            None,
            (46,),
        ),
        (
            "def make(n, *, d=3):\n    x = np.ones((n, d))\n    x = x * 2\n    return x\n"
            "data = make(5)\n",
            5,
            (3,),
        ),
    ],
)
def test_what_a_function_of_the_file_returns(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body, reason",
    [
        (
            "def f(n):\n    if n:\n        return np.ones((n, 2))\n"
            "    return np.ones((n, 3))\ndata = f(4)\n",
            "one `return`",
        ),
        ("def f(n):\n    return np.ones((n, d))\ndata = f(4)\n", "not assigned"),
        ("def f(n, d):\n    return np.ones((n, d))\ndata = f(4)\n", "leaves `d` out"),
        ("def f(d):\n    return np.ones((2, d))\ndata = f(*a)\n", "unpacks"),
        ("def f(d):\n    return np.ones((2, d))\ndata = f(x=1)\n", "does not match"),
        ("@cache\ndef f(d):\n    return np.ones((2, d))\ndata = f(3)\n", "decorated"),
        ("def f(d):\n    yield np.ones((2, d))\ndata = f(3)\n", "generator"),
        ("def f(d):\n    return f(d)\ndata = f(3)\n", "calls itself"),
        (
            "def f(d):\n    return np.ones((2, d))\n"
            "def f(d):\n    return np.ones((2, 1))\ndata = f(3)\n",
            "is not a shape the code states",
        ),
        (
            # Rebound in the body, a parameter is not read as the argument.
            "def f(d):\n    d = d + 1\n    return np.ones((2, d))\ndata = f(3)\n",
            "is a parameter",
        ),
    ],
)
def test_a_function_that_may_return_something_else_is_unknown(body, reason):
    with pytest.raises(Unknown, match=reason):
        read(body)


def test_the_rows_of_a_constructed_shape_may_be_unknown():
    assert read("data = np.zeros((len(raw), 5))\n") == DataShape(None, (5,))


@pytest.mark.parametrize(
    "body, rows, features",
    [
        ("data = np.vstack((np.ones((3, 2)), np.zeros((4, 2))))\n", 7, (2,)),
        (
            "data = np.concatenate([np.ones((3, 2)), np.ones((3, 5))], axis=1)\n",
            3,
            (7,),
        ),
        (
            "data = np.concatenate([np.ones((3, 2)), np.ones((3, 5))], axis=-1)\n",
            3,
            (7,),
        ),
        (
            "x = np.ones((9, 4))\ndata = np.concatenate([x, np.ones((len(x), 4))])\n",
            None,
            (4,),
        ),
        ("data = np.hstack([np.ones((3, 2)), np.ones((3, 1))])\n", 3, (3,)),
        (
            "data = np.random.multivariate_normal(mean=[0, 3], cov=c, size=1000)\n",
            1000,
            (2,),
        ),
    ],
)
def test_arrays_joined_or_drawn(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("data = np.vstack((np.ones((3, 2)), np.ones((3, 5))))\n", "do not fit"),
        ("data = np.vstack((np.ones(3), np.ones(3)))\n", "fewer than two"),
        ("data = np.concatenate(parts)\n", "does not list"),
        ("data = np.concatenate([np.ones((3, 2))], axis=2)\n", "out of range"),
        ("data = np.random.multivariate_normal(m, c, size=5)\n", "literal mean"),
    ],
)
def test_arrays_joined_that_may_not_fit_are_unknown(body, reason):
    with pytest.raises(Unknown, match=reason):
        read(body)


def read_in_function(module_code: str) -> DataShape:
    """The shape of `data` at `use(data)`, the last statement of the last function."""
    module = cst.parse_module(HEADER + module_code)
    index = TreeIndex(module)
    function = [s for s in module.body if isinstance(s, cst.FunctionDef)][-1]
    call = function.body.body[-1].body[0].value  # type: ignore[attr-defined]
    return data_shape(index, call.args[0].value)


def test_a_module_constant_assigned_once_above_the_function_is_read():
    code = "DIM = 2 * 3\ndef test():\n    data = np.ones((4, DIM))\n    use(data)\n"
    assert read_in_function(code) == DataShape(4, (6,))


@pytest.mark.parametrize(
    "code",
    [
        "def test():\n    data = np.ones((4, DIM))\n    use(data)\nDIM = 6\n",
        "DIM = 6\nDIM = 7\ndef test():\n    data = np.ones((4, DIM))\n    use(data)\n",
        "if c:\n    DIM = 6\ndef test():\n    data = np.ones((4, DIM))\n    use(data)\n",
        "DIM = [6]\ndef test():\n    data = np.ones((4, DIM[0]))\n    use(data)\n",
    ],
)
def test_a_module_name_that_may_hold_another_value_is_unknown(code):
    with pytest.raises(Unknown):
        read_in_function(code)


@pytest.mark.parametrize(
    "body, rows, features",
    [
        ("(data, _), _ = keras.datasets.mnist.load_data()\n", 60000, (28, 28)),
        ("_, (data, _) = keras.datasets.fashion_mnist.load_data()\n", 10000, (28, 28)),
        (
            "ds = tf.keras.datasets.boston_housing.load_data()\n(_, _), (data, _) = ds\n",
            None,
            (13,),
        ),
        (
            "mnist = tf.keras.datasets.mnist\n(data, _), _ = mnist.load_data()\n",
            60000,
            (28, 28),
        ),
        (
            "(data, _), _ = keras.datasets.mnist.load_data(path='m-%d.npz' % r)\n",
            60000,
            (28, 28),
        ),
        (
            "(data, _), _ = keras.datasets.boston_housing.load_data("
            "test_split=0.1, seed=7)\n",
            None,
            (13,),
        ),
    ],
)
def test_the_documented_shapes_of_keras_datasets(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body",
    [
        "(data, _), _ = keras.datasets.cifar10.load_data()\n",
        "(data, _), _ = load()\n",
        "(data, *_), _ = keras.datasets.mnist.load_data()\n",
        "(_, data), _ = keras.datasets.mnist.load_data()\n",
        # An argument load_data does not take: a call that fails, or another
        # function.
        "(data, _), _ = keras.datasets.mnist.load_data('m.npz', None, 3)\n",
        "(data, _), _ = keras.datasets.mnist.load_data(label_mode='fine')\n",
        "(data, _), _ = keras.datasets.mnist.load_data(**options)\n",
        "m = keras.datasets.mnist\nm = keras.datasets.cifar10\n"
        "(data, _), _ = m.load_data()\n",
    ],
)
def test_other_unpacked_data_is_unknown(body):
    with pytest.raises(Unknown):
        read(body)


@pytest.mark.parametrize(
    "body, rows, features",
    [
        (
            "x = np.random.rand(50, 8)\ndata = (x - x.mean(axis=0)) / x.std(axis=0)\n",
            50,
            (8,),
        ),
        (
            "x = np.random.rand(50, 8)\nmean = x.mean(axis=0)\n"
            "data = x.copy()\ndata -= mean\ndata /= x.std(axis=0)\n",
            50,
            (8,),
        ),
        ("x = np.random.rand(50, 8)\ndata = x - x.mean()\n", 50, (8,)),
        (
            "x = np.random.rand(50, 8)\ndata = x / x.max(axis=-1, keepdims=True)\n",
            50,
            (8,),
        ),
        ("data = np.ones((50, 1, 4)) * np.ones((6, 1))\n", 50, (6, 4)),
        (
            "(x, _), _ = keras.datasets.boston_housing.load_data()\n"
            "data = (x - x.mean(axis=0)) / x.std(axis=0)\n",
            None,
            (13,),
        ),
    ],
)
def test_arithmetic_between_arrays_has_their_broadcast_shape(body, rows, features):
    assert read(body) == DataShape(rows, features)


@pytest.mark.parametrize(
    "body",
    [
        # (50, 8) against (50,): NumPy raises, no model is built on it.
        "x = np.random.rand(50, 8)\ndata = x - x.mean(axis=1)\n",
        # keepdims given by a name, an axis tuple, arguments past the axis.
        "x = np.random.rand(50, 8)\ndata = x - x.mean(axis=0, keepdims=keep)\n",
        "x = np.random.rand(50, 8)\ndata = x - x.mean(axis=(0, 1))\n",
        "x = np.random.rand(50, 8)\ndata = x - x.sum(0, None, None, True)\n",
        "x = np.random.rand(50, 8)\ndata = x @ np.ones((8, 3))\n",
        "x = np.random.rand(50, 8)\ndata = x - frame.mean()\n",
    ],
)
def test_arithmetic_the_readers_cannot_follow_is_unknown(body):
    with pytest.raises(Unknown):
        read(body)


@pytest.mark.parametrize(
    "body",
    [
        # LibCST names a name after every binding in its scope: a dataset or a
        # constructor is read only when no other binding can reach the call.
        "from keras.datasets import mnist, boston_housing\n"
        "if c:\n    mnist = boston_housing\n(data, _), _ = mnist.load_data()\n",
        "import keras.datasets.mnist as mnist\n"
        "try:\n    import mylib.mnist as mnist\nexcept ImportError:\n    pass\n"
        "(data, _), _ = mnist.load_data()\n",
        "from keras.datasets import mnist\ndel mnist\n"
        "from keras.datasets import boston_housing as mnist\n"
        "(data, _), _ = mnist.load_data()\n",
        "from numpy import ones\ndef ones(shape):\n    return np.ones(shape + (2,))\n"
        "data = ones((10, 4))\n",
        "from sklearn.datasets import load_iris\n"
        "if c:\n    from sklearn.datasets import load_diabetes as load_iris\n"
        "data, _ = load_iris(return_X_y=True)\n",
    ],
)
def test_data_from_a_name_that_may_be_bound_to_another_function_is_unknown(body):
    with pytest.raises(Unknown):
        read(body)


def test_a_dataset_module_rebound_after_its_import_is_read_through_the_assignment():
    body = (
        "from keras.datasets import mnist\n"
        "mnist = keras.datasets.boston_housing\n"
        "(data, _), _ = mnist.load_data()\n"
    )
    assert read(body) == DataShape(None, (13,))
