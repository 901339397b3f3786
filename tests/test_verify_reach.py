"""Verification reaches real code: Keras 2 set by the environment, the project's own
modules, parameterized tests. One pool of workers for the module."""

from __future__ import annotations

import pytest

import seq2func

pytestmark = pytest.mark.framework

# tf.keras is Keras 2 once TF_USE_LEGACY_KERAS=1 is set, and Keras 2 gives the
# Input the first layer's dtype: the converted Input says uint8.
LEGACY_ENV = """\
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tf_keras
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[4, 4], dtype=tf.uint8),
    tf.keras.layers.Dense(3),
])
"""
LOCAL_MODULE = """\
import keras
from s2f_reach_sizes import WIDTH

model = keras.Sequential([keras.layers.Dense(2, input_shape=(WIDTH,))])
"""
PARAMETERIZED = """\
import keras
from absl.testing import parameterized


class BuildTest(parameterized.TestCase):
    @parameterized.named_parameters(("small", 4), ("large", 8))
    def test_build(self, units):
        model = keras.Sequential([keras.layers.Dense(units, input_shape=(3,))])
        self.assertEqual(len(model.layers), 1)
"""
# absl flags the model reads are defined on both sides, in one worker process.
ABSL_FLAGS = """\
import keras
from absl import flags

flags.DEFINE_integer("width", 6, "units of the first layer")
FLAGS = flags.FLAGS


def build():
    return keras.Sequential([keras.layers.Dense(FLAGS.width, input_shape=(3,))])


model = build()
"""
# The data is in a file verification does not have; the model reads its shape only.
FROM_FILE = """\
import numpy as np
import keras

raw = np.loadtxt("measurements.csv", delimiter=",")
X_train = raw[:, :-1]
model = keras.Sequential([keras.layers.Dense(2, input_shape=X_train.shape[1:])])
"""
# A rewrite that reads the stand-in wrongly is still caught.
FROM_FILE_WRONG = """\
import numpy as np
import keras

raw = np.loadtxt("measurements.csv", delimiter=",")
X_train = raw[:, :-1]
inputs = keras.Input(shape=(X_train.shape[1] + 1,))
outputs = keras.layers.Dense(2)(inputs)
model = keras.Model(inputs=inputs, outputs=outputs)
"""
# The vocabulary's length is read from the data itself: no stand-in.
VOCABULARY_FROM_FILE = """\
import keras

vocabulary = open("vocabulary.txt").read().split()
model = keras.Sequential([keras.layers.Embedding(len(vocabulary), 4, input_shape=(8,))])
"""

# A loop that makes a model and trains it until one fits (as t81_558's
# class_03_5 notebook does): verified on its first iteration's model, without
# the training. The first unit count comes from the loop's own state.
WHILE_TRAINING = """\
import numpy as np
import keras

x = np.ones((4, 2))
y = np.zeros((4, 1))
done = False
cycle = 1
while not done:
    cycle += 1
    model = keras.Sequential()
    model.add(keras.layers.Dense(cycle, input_shape=(2,), activation="relu"))
    model.add(keras.layers.Dense(1))
    model.compile(loss="mse", optimizer="adam")
    model.fit(x, y, verbose=0, epochs=10**6)
    done = model.predict(x, verbose=0)[0, 0] < 0.01
"""
# A rewrite that reads the loop's state wrongly is still caught.
WHILE_TRAINING_WRONG = WHILE_TRAINING.replace(
    """    model = keras.Sequential()
    model.add(keras.layers.Dense(cycle, input_shape=(2,), activation="relu"))
    model.add(keras.layers.Dense(1))
""",
    """    inputs = keras.Input(shape=(2,))
    hidden = keras.layers.Dense(cycle + 1, activation="relu")(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs)
""",
)
# No input: the loop's first fit builds the model, and is where it stops.
FOR_FIRST_BUILD = """\
import numpy as np
import keras

x = np.ones((4, 2))
for rate in (0.1, 0.01):
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(rate))
    model.fit(x, np.zeros((4, 1)), verbose=0, epochs=10**6)
"""
# TensorFlow's legacy copy of Keras 2 no longer saves weights on TF 2.21.
LEGACY_COPY = """\
import numpy as np
from tensorflow.python.keras import layers, models

model = models.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)])
"""
LEGACY_COPY_WRONG = """\
import numpy as np
from tensorflow.python.keras import layers, models

inputs = layers.Input(shape=(4,))
hidden = layers.Dense(4)(inputs)
outputs = layers.Dense(1)(hidden)
model = models.Model(inputs=inputs, outputs=outputs)
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    from seq2func.verify import Options, verify_many

    folder = tmp_path_factory.mktemp("project")
    (folder / "s2f_reach_sizes.py").write_text("WIDTH = 5\n")
    sources = {
        "legacy_env": (LEGACY_ENV, "legacy_env.py"),
        "local_module": (LOCAL_MODULE, str(folder / "train.py")),
        "parameterized": (PARAMETERIZED, "build_test.py"),
    }
    sources.update(
        from_file=(FROM_FILE, "from_file.py"),
        vocabulary_from_file=(VOCABULARY_FROM_FILE, "vocabulary.py"),
        absl_flags=(ABSL_FLAGS, "flags_model.py"),
        while_training=(WHILE_TRAINING, "weights.py"),
        for_first_build=(FOR_FIRST_BUILD, "rates.py"),
        legacy_copy=(LEGACY_COPY, "legacy_copy.py"),
    )
    items = [
        (source, seq2func.convert_source(source).code, path)
        for source, path in sources.values()
    ]
    sites = [seq2func.convert_source(source).sites for source, _ in sources.values()]
    wrong = {
        "from_file_wrong": (FROM_FILE, FROM_FILE_WRONG, "from_file_wrong.py"),
        "while_training_wrong": (WHILE_TRAINING, WHILE_TRAINING_WRONG, "w.py"),
        "legacy_copy_wrong": (LEGACY_COPY, LEGACY_COPY_WRONG, "legacy_wrong.py"),
    }
    for source, converted, path in wrong.values():
        items.append((source, converted, path))
        sites.append(seq2func.convert_source(source).sites)
    found = verify_many(items, Options(jobs=2, timeout=300), sites=sites)
    return dict(zip([*sources, *wrong], found))


def test_a_file_that_sets_tf_use_legacy_keras_is_verified_on_keras_2(reports):
    (site,) = reports["legacy_env"].sites
    assert site.status == "equivalent", site.reason
    assert site.keras == "2"
    assert site.keras_reason == "the file sets TF_USE_LEGACY_KERAS=1"
    assert site.input_dtype == "uint8"


def test_a_module_beside_the_file_is_imported_as_the_program_imports_it(reports):
    (site,) = reports["local_module"].sites
    assert site.status == "equivalent", site.reason
    assert site.input_shape == "(None, 5)"


def test_a_parameterized_test_is_verified_with_its_first_case(reports):
    (site,) = reports["parameterized"].sites
    assert site.status == "equivalent", site.reason
    assert site.converted_layers[-1].params == 3 * 4 + 4


def test_data_read_only_for_its_shape_is_stood_in_and_the_report_says_so(reports):
    (site,) = reports["from_file"].sites
    assert site.status == "equivalent", site.reason
    (note,) = [d for d in site.diagnostics if d.code == "S2F314"]
    assert "`X_train` as zeros of shape (4, 32)" in note.message
    assert "FileNotFoundError" in note.message


def test_a_wrong_rewrite_is_different_on_the_stand_in_too(reports):
    (site,) = reports["from_file_wrong"].sites
    assert site.status == "different"


def test_data_the_model_reads_itself_is_not_stood_in(reports):
    (site,) = reports["vocabulary_from_file"].sites
    assert site.status == "unverifiable"
    assert site.diagnostics[0].code == "S2F313"


def test_a_flag_the_model_reads_is_defined_again_for_the_converted_side(reports):
    (site,) = reports["absl_flags"].sites
    assert site.status == "equivalent", site.reason
    assert site.converted_layers[-1].params == 3 * 6 + 6


def test_a_model_made_in_a_training_loop_is_verified_without_the_training(reports):
    (site,) = reports["while_training"].sites
    assert site.status == "equivalent", site.reason
    first = next(row for row in site.converted_layers if not row.explicit_input)
    assert first.params == 2 * 2 + 2  # cycle is 2 the first time round


def test_a_wrong_rewrite_in_a_training_loop_is_different(reports):
    (site,) = reports["while_training_wrong"].sites
    assert site.status == "different"


def test_a_model_built_by_a_fit_in_its_loop_is_built_by_that_fit(reports):
    (site,) = reports["for_first_build"].sites
    assert site.status == "equivalent", site.reason
    assert not any(d.code == "S2F315" for d in site.diagnostics)


def test_a_legacy_copy_model_that_cannot_save_its_weights_is_not_proven(reports):
    (site,) = reports["legacy_copy"].sites
    assert site.status == "unverifiable"
    assert "cannot save its weights" in site.reason, site.reason
    assert "every other check passed" in site.reason
    assert "checkpoint" not in [check.name for check in site.checks]


def test_a_wrong_rewrite_of_a_legacy_copy_model_is_different(reports):
    (site,) = reports["legacy_copy_wrong"].sites
    assert site.status == "different"
