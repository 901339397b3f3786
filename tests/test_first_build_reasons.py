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


def test_a_custom_first_layer_of_the_file_says_what_in_it_may_see_the_build():
    message = skip_message("""\
        class Scale(keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],))

            def call(self, inputs):
                return inputs * self.w

        model = keras.Sequential([Scale()])
        model(np.ones((2, 3)))
        """)
    assert "is not a Keras layer" not in message
    assert "build" in message


def test_a_custom_first_layer_on_keras2_says_the_file_runs_on_keras2():
    source = textwrap.dedent("""\
        import numpy as np
        import tf_keras as keras

        def test():
            class Shift(keras.layers.Layer):
                def call(self, inputs):
                    return inputs + 1.0

            model = keras.Sequential([Shift()])
            model.fit(np.ones((4, 3)), np.ones((4, 3)))
        """)
    (diagnostic,) = seq2func.convert_source(source, path="m.py").diagnostics
    assert diagnostic.code == "S2F101"
    assert "Shift, is a class of this file, and the file runs on Keras 2" in (
        diagnostic.message
    )
