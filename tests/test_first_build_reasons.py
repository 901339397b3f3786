"""Why the first build gave no input: every S2F101 the first-build rule leaves says so."""

from __future__ import annotations

import textwrap

import seq2func


def skip_message(body: str) -> str:
    source = "import numpy as np\nimport keras\n\n" + textwrap.dedent(body)
    (diagnostic,) = seq2func.convert_source(source, path="m.py").diagnostics
    assert diagnostic.code == "S2F101"
    return diagnostic.message


def test_a_model_nothing_builds_says_so():
    message = skip_message("""\
        model = keras.Sequential([keras.layers.Dense(4)])
        model.compile(loss="mse")
        """)
    assert "nothing builds it on data" in message


def test_a_model_only_a_function_uses_names_the_function():
    message = skip_message("""\
        model = keras.Sequential([keras.layers.Dense(4)])

        def policy(obs):
            return model.predict(obs)
        """)
    assert "only a function on line 7 uses the model" in message


def test_a_custom_first_layer_is_named():
    message = skip_message("""\
        class Twice(keras.layers.Layer):
            def call(self, inputs):
                return inputs * 2

        model = keras.Sequential([Twice()])
        model(np.ones((2, 3)))
        """)
    assert "the first layer Twice is not a Keras layer" in message
