"""Which Keras verifies a file: decided from its imports, or from the original's error."""

from __future__ import annotations

import pytest

from seq2func.verify.flavour import choose, keras2_import, keras2_only, site_keras


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import tf_keras\n", "tf_keras"),
        ("from tf_keras import layers\n", "tf_keras"),
        ("from keras.engine.sequential import Sequential\n", "keras.engine.sequential"),
        ("import keras.engine.training as training\n", "keras.engine.training"),
        ("from tensorflow.python.keras import layers\n", "tensorflow.python.keras"),
        ("from keras import engine\n", "keras.engine"),
        ("import keras\nfrom tensorflow import keras as tfk\n", None),
        ("from keras.layers import Dense\n", None),
        ("import tensorflow as tf\n", None),
        ("def broken(:\n", None),
    ],
)
def test_keras_2_imports_are_recognised(source, module):
    assert keras2_import(source) == module


def test_auto_chooses_keras_2_only_for_keras_2_code_and_explicit_choices_win():
    assert choose("import tf_keras\n", "auto") == ("2", "the file imports tf_keras")
    assert choose("import keras\n", "auto") == ("3", "")
    assert choose("import tf_keras\n", "3") == ("3", "--keras 3")
    assert choose("import keras\n", "2") == ("2", "--keras 2")


@pytest.mark.parametrize(
    ("error", "only_keras_2"),
    [
        (
            "ValueError: Unrecognized keyword arguments passed to GRU: "
            "{'batch_input_shape': (None, 5, 3)}",
            True,
        ),
        (
            "ValueError: Unrecognized keyword arguments passed to Dense: {'batch_size': 8}",
            True,
        ),
        ("ModuleNotFoundError: No module named 'keras.layers.core'", True),
        (
            "ModuleNotFoundError: No module named 'tensorflow.keras.layers.experimental'",
            True,
        ),
        ("AttributeError: module 'keras.layers' has no attribute 'CuDNNLSTM'", True),
        ("ModuleNotFoundError: No module named 'sklearn'", False),
        # A newer Keras 3 than the one installed, not Keras 2 code:
        (
            "AttributeError: module 'keras.src.layers' has no attribute 'TernaryDense'",
            False,
        ),
        (
            "ImportError: cannot import name 'unpack_int2' from 'keras.src.quantizers'",
            False,
        ),
        ("ModuleNotFoundError: No module named 'keras.src.export.litert'", False),
        (
            "ValueError: Unrecognized keyword arguments passed to Dense: {'untis': 8}",
            False,
        ),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'data.csv'", False),
    ],
)
def test_keras_2_only_errors(error, only_keras_2):
    assert keras2_only(error) is only_keras_2


def test_a_file_that_sets_tf_use_legacy_keras_is_keras_2_code():
    source = (
        'import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\n'
    )
    assert choose(source, "auto") == ("2", "the file sets TF_USE_LEGACY_KERAS=1")


@pytest.mark.parametrize(
    ("source", "text", "flavour"),
    [
        # tf.keras is Keras 2 once the legacy switch is set, whatever else is imported:
        (
            'import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tf_keras\n',
            "tf.keras.Sequential([",
            "2",
        ),
        # ... and Keras 3 beside a tf_keras imported only to compare:
        ("import tf_keras\nimport tensorflow as tf\n", "tf.keras.Sequential([", "3"),
        ("import tf_keras\nimport keras\n", "keras.Sequential([", "3"),
        ("import tf_keras as keras\n", "keras.Sequential([", "2"),
        ("import tf_keras\n", "tf_keras.Sequential([", "2"),
        # ... and a name imported from Keras 3 (keras' own legacy-format tests):
        ("import tf_keras\nfrom keras.src import models\n", "models.Sequential()", "3"),
        ("import tf_keras\nfrom keras.models import Sequential\n", "Sequential([", "3"),
        ("from tf_keras import models\n", "models.Sequential([", "2"),
    ],
)
def test_a_site_in_a_keras_2_file_runs_on_the_keras_its_sequential_is(
    source, text, flavour
):
    keras, why = choose(source, "auto")
    assert site_keras(source, text, keras, why)[0] == flavour


def test_keras_named_on_the_command_line_runs_every_site():
    source = "import tf_keras\nimport tensorflow as tf\n"
    assert site_keras(source, "tf.keras.Sequential([", "2", "--keras 2") == (
        "2",
        "--keras 2",
    )
