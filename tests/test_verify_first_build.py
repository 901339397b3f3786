"""Verifying a model whose input was read from the data of its first build (S2F210):
the original is built by that first build, on that data, as the program builds it.

Keras 2 gives the InputLayer the data's dtype, so a model fitted on int64 data
has an int64 input. The converter before 0eb8c7e wrote a float32
`keras.Input` for it; verification, which built the original with
`model.build(planned_shape)` (float32 too), called that "equivalent". The
sites of INT64 are those the converter of that time found: it read the file
as Keras 3 (`first_build.is_keras2_model` said no), so the test verifies with that.
One pool of workers for the module.
"""

from __future__ import annotations

import pytest

import seq2func
from seq2func.planning import first_build

pytestmark = pytest.mark.framework

INT64 = """\
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np
import tensorflow as tf

x = np.ones((100, 4), dtype="int64")
model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
model.compile(loss="mse", optimizer="sgd")
model.fit(x, np.zeros((100, 3)), verbose=0)
"""


def _int64_converted(dtype: str) -> str:
    """INT64 rewritten by hand, with an Input of `dtype`."""
    return INT64.replace(
        "model = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n",
        f'inputs = tf.keras.Input(shape=(4,), dtype="{dtype}")\n'
        "outputs = tf.keras.layers.Dense(3)(inputs)\n"
        "model = tf.keras.Model(inputs=inputs, outputs=outputs)\n",
    )


# A function returns the model unbuilt; the caller's first fit builds it.
RETURNED_INT64 = """\
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np
import tensorflow as tf

x = np.ones((100, 4), dtype="int64")


def get_model():
    model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    model.compile(loss="mse", optimizer="sgd")
    return model


model = get_model()
model.fit(x, np.zeros((100, 3)), verbose=0)
"""

# The caller is a function: its first build does not run without the program.
CALLER_IN_FUNCTION = """\
import numpy as np
import keras


def get_model():
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def main():
    x = np.random.random((64, 6))
    model = get_model()
    model.fit(x, np.zeros((64, 1)), epochs=1, batch_size=16)
"""

# Keras 3 gives the InputLayer the first layer's compute dtype: float64 here.
FLOAT64_LAYER = """\
import numpy as np
import keras

x = np.random.rand(100, 4)
model = keras.Sequential([keras.layers.Dense(3, dtype="float64")])
model.compile(loss="mse", optimizer="sgd")
model.fit(x, np.zeros((100, 3)), verbose=0)
"""
# The data is a file verification does not have: the original is built on
# the input the converter read, and the site says so.
UNREADABLE = """\
import numpy as np
import keras

x = np.load("train.npy").reshape((100, 4))
model = keras.Sequential([keras.layers.Dense(3)])
model.compile(loss="mse", optimizer="sgd")
model.fit(x, np.zeros((100, 3)), verbose=0)
"""


@pytest.fixture(scope="module")
def reports():
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    converted = seq2func.convert_source(FLOAT64_LAYER, path="float64.py").code
    assert 'dtype="float64"' in converted
    unreadable = seq2func.convert_source(UNREADABLE, path="unreadable.py").code
    items = {
        "int64 as float32": (INT64, _int64_converted("float32"), "int64.py"),
        "int64 as int64": (INT64, _int64_converted("int64"), "int64.py"),
        "float64 layer": (FLOAT64_LAYER, converted, "float64.py"),
        "float64 layer as float32": (
            FLOAT64_LAYER,
            converted.replace('dtype="float64")\n', 'dtype="float32")\n', 1),
            "float64.py",
        ),
        "unreadable": (UNREADABLE, unreadable, "unreadable.py"),
        "caller in a function": (
            CALLER_IN_FUNCTION,
            seq2func.convert_source(CALLER_IN_FUNCTION, path="caller.py").code,
            "caller.py",
        ),
    }
    with pytest.MonkeyPatch.context() as patch:
        # The converter before 0eb8c7e, for every file (it reads the Keras 3
        # ones as the converter of today does).
        patch.setattr(first_build, "is_keras2_model", lambda index, plan: False)
        returned = seq2func.convert_source(RETURNED_INT64, path="returned.py").code
        assert "tf.keras.Input(shape=(4,))" in returned
        items["returned int64 as float32"] = (RETURNED_INT64, returned, "returned.py")
        found = verify_many(list(items.values()), Options(jobs=2, timeout=300))
    return dict(zip(items, found))


def test_an_input_of_another_dtype_than_the_first_build_gives_is_different(reports):
    (site,) = reports["int64 as float32"].sites
    assert site.keras == "2"
    assert site.status == "different"
    assert site.input_dtype == "int64"  # the original, built on its own data
    assert "int64 != (None, 4) float32" in site.reason, site.reason
    assert "first build `model.fit(x, ...)`" in site.reason, site.reason


def test_a_returned_model_is_built_by_its_callers_first_build(reports):
    (site,) = reports["returned int64 as float32"].sites
    assert site.status == "different"
    assert site.input_dtype == "int64"
    assert "int64 != (None, 4) float32" in site.reason, site.reason


def test_an_input_of_the_dtype_the_first_build_gives_is_equivalent(reports):
    (site,) = reports["int64 as int64"].sites
    assert site.status == "equivalent", site.reason
    assert (site.input_shape, site.input_dtype) == ("(None, 4)", "int64")


def test_keras3_builds_the_first_layers_dtype_and_the_conversion_is_equivalent(
    reports,
):
    (site,) = reports["float64 layer"].sites
    assert site.status == "equivalent", site.reason
    assert site.input_dtype == "float64"
    assert not any(d.code == "S2F315" for d in site.diagnostics)


def test_keras3_an_input_of_another_dtype_than_the_first_layers_is_different(
    reports,
):
    (site,) = reports["float64 layer as float32"].sites
    assert site.status == "different"
    assert "float64 != (None, 4) float32" in site.reason, site.reason


def test_data_verification_cannot_read_is_said_and_the_planned_build_is_used(
    reports,
):
    (site,) = reports["unreadable"].sites
    assert site.status == "equivalent", site.reason
    (note,) = [d for d in site.diagnostics if d.code == "S2F315"]
    assert "train.npy" in note.message, note.message


def test_a_first_build_that_does_not_run_on_its_own_is_said(reports):
    (site,) = reports["caller in a function"].sites
    assert site.status == "equivalent", site.reason
    (note,) = [d for d in site.diagnostics if d.code == "S2F315"]
    assert "`model.fit(x, ...)`" in note.message, note.message
