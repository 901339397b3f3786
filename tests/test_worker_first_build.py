"""The worker's run of a program to its model's first build (`worker_first_build`),
without the framework: a stand-in for Keras 3's `Sequential` (whose first
build goes through `build(input_shape)`) is what the program makes. One test
(marked framework) makes its model from TensorFlow's legacy copy of Keras 2."""

from __future__ import annotations

import builtins
import types

import pytest

from seq2func.verify import worker_first_build


class Sequential:
    def build(self, input_shape=None):
        self.built_with = input_shape


@pytest.fixture
def keras(monkeypatch):
    # The program reads `Sequential` as if it had imported it.
    monkeypatch.setattr(builtins, "Sequential", Sequential, raising=False)
    return types.SimpleNamespace(Sequential=Sequential)


def test_the_models_first_build_is_recorded_and_stops_the_program(keras):
    code = (
        "other = Sequential()\n"
        "other.build((None, 9))\n"  # another model: built as usual
        "model = Sequential()\n"
        "model.build((32, 4))\n"
        "raise AssertionError('the program went on after the first build')\n"
    )
    seen = worker_first_build.observe(keras, code, "<t>", "model")
    assert seen == {"batch_shape": [32, 4], "dtype": None}
    assert Sequential.__dict__["build"].__name__ == "build"  # unwrapped again


def test_a_program_that_never_builds_the_model_says_so(keras):
    seen = worker_first_build.observe(keras, "model = Sequential()\n", "<t>", "model")
    assert seen == {"error": "running it did not build the model"}


def test_data_that_cannot_be_had_is_the_reason(keras):
    code = "model = Sequential()\nx = open('/nonexistent/missing.npy')\nmodel.build(x.shape)\n"
    seen = worker_first_build.observe(keras, code, "<t>", "model")
    assert seen["error"].startswith("FileNotFoundError"), seen


def test_a_program_that_does_not_reach_the_build_in_time_is_stopped(keras, monkeypatch):
    monkeypatch.setattr(worker_first_build, "_BUDGET_SECONDS", 0.2)
    code = "model = Sequential()\nwhile True:\n    pass\nmodel.build((2, 4))\n"
    seen = worker_first_build.observe(keras, code, "<t>", "model")
    assert seen == {"error": "it did not reach the build in 0.2 s"}


# TensorFlow's legacy copy of Keras 2: its Sequential is neither tf-keras's nor
# Keras 3's. Its `train_on_batch` still builds on TF 2.21 (its `fit` fails
# before building), with the data's dtype.
LEGACY_COPY = """\
import numpy as np
from tensorflow.python.keras import layers, models

x = np.ones((8, 4), dtype="int64")
model = models.Sequential([layers.Dense(3), layers.Dense(1)])
model.compile(loss="mse", optimizer="sgd")
model.train_on_batch(x, np.zeros((8, 1)))
raise AssertionError("the program went on after the first build")
"""


@pytest.mark.framework
def test_a_model_of_tensorflows_legacy_keras_copy_is_recorded_at_its_first_build(
    keras,
):
    pytest.importorskip("tensorflow.python.keras.engine.sequential")
    seen = worker_first_build.observe(keras, LEGACY_COPY, "<t>", "model")
    assert seen == {"batch_shape": [8, 4], "dtype": "int64"}
