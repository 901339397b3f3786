"""`seq2func trace` on real Keras programs, in real processes (TensorFlow on the CPU).

One traced process runs several tutorial-style scripts (with `runpy`, so
TensorFlow is imported once) and then fails; each test reads what it
recorded through the lookup the converter uses, at the positions the
converter reports.
"""

from __future__ import annotations

import shutil
import sys
import textwrap

import pytest
from trace_helpers import builds, run_plain, run_trace, site_positions

from seq2func import convert_source
from seq2func.trace.lookup import (
    InputArguments,
    StaleTrace,
    TracedInput,
    TraceIndex,
    VaryingInput,
    input_arguments,
)

pytestmark = pytest.mark.framework

SCRIPTS = {
    "npy_script.py": """\
        import numpy as np
        import keras
        from keras import layers

        rng = np.random.default_rng(0)
        np.save("features.npy", rng.random((64, 20)).astype("float32"))
        np.save("targets.npy", rng.random((64, 1)).astype("float32"))

        x = np.load("features.npy")
        y = np.load("targets.npy")
        model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        print("npy", model.predict(x[:2], verbose=0).round(5).tolist())
        """,
    "in_function.py": """\
        import numpy as np
        import keras
        from keras import layers


        def build_model(units=8):
            model = keras.Sequential()
            model.add(layers.Dense(units, activation="relu"))
            model.add(layers.Dense(3, activation="softmax"))
            return model


        model = build_model()
        print("function", model.predict(np.ones((5, 12)), verbose=0).shape)
        """,
    "text_model.py": """\
        import numpy as np
        import keras
        from keras import layers

        rng = np.random.default_rng(1)
        x = rng.integers(0, 1000, size=(64, 40))
        y = rng.integers(0, 2, size=(64, 1))
        model = keras.Sequential(
            [
                layers.Embedding(1000, 16),
                layers.GlobalAveragePooling1D(),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile("rmsprop", "binary_crossentropy")
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        print("text", model.layers[0].output.shape)
        """,
    "tf_data.py": """\
        import numpy as np
        import tensorflow as tf
        import keras
        from keras import layers

        rng = np.random.default_rng(2)
        x = rng.random((60, 10))
        y = rng.random((60, 1))
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(dataset, epochs=1, verbose=0)
        print("tf.data", model.count_params())
        """,
    "custom_layer.py": """\
        import numpy as np
        import keras
        from keras import layers


        class Scale(layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

            def call(self, inputs):
                return inputs * self.w


        model = keras.Sequential([Scale(), layers.Dense(2)])
        print("custom", model(np.ones((3, 6), dtype="float32")).shape)
        """,
    "legacy_keras2.py": """\
        import numpy as np
        import tf_keras

        model = tf_keras.Sequential([tf_keras.layers.Dense(4), tf_keras.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.ones((32, 7)), np.ones((32, 1)), epochs=1, batch_size=8, verbose=0)
        print("keras2", model.count_params())
        """,
    "tf_keras_api.py": """\
        import numpy as np
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
        model.build((None, 5))
        print("tf.keras", model.count_params())
        """,
    "features.py": """\
        import sys
        import numpy as np
        import keras
        from keras import layers

        features = int(sys.argv[1])
        model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.ones((32, features)), np.ones((32, 1)), epochs=1, verbose=0)
        print("features", features)
        """,
}

RUN_ALL = """\
import os
import runpy
import sys

import keras

for script in {scripts!r}:
    keras.utils.set_random_seed(0)
    sys.argv = [script, "5"]
    runpy.run_path(os.path.abspath(script), run_name="__main__")
raise RuntimeError("the program fails after building its models")
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tutorials")
    for name, text in SCRIPTS.items():
        (folder / name).write_text(textwrap.dedent(text))
    (folder / "run_all.py").write_text(RUN_ALL.format(scripts=list(SCRIPTS)))
    traces = folder / "traces.sqlite"
    traced = run_trace([sys.executable, "run_all.py"], cwd=folder, traces=traces)
    return folder, traces, traced


def _lookup(project, name, path=None):
    folder, traces, _ = project
    source = (folder / name).read_text()
    line, column = site_positions(source, str(folder / name))[0]
    with TraceIndex.open(traces) as index:
        return index.lookup(source, line, column, path or folder / name)


def _single(found) -> tuple:
    assert isinstance(found, TracedInput), found
    leaf = found.leaves[0]
    return (found.structure, leaf.shape, leaf.dtype, leaf.data_dtypes, found.calls)


def test_the_exit_status_passes_through_and_records_made_before_the_failure_are_kept(
    project,
):
    _, traces, traced = project
    assert traced.returncode == 1, traced.stderr
    assert "RuntimeError: the program fails after building its models" in traced.stderr
    # No frame of the recorder in the traceback.
    assert "_seq2func_trace" not in traced.stderr
    assert len(builds(traces)) == len(SCRIPTS)


def test_program_output_is_unchanged(project):
    folder, _, traced = project
    plain = run_plain([sys.executable, "run_all.py"], cwd=folder)
    assert plain.returncode == traced.returncode
    assert plain.stdout == traced.stdout
    # The same last line of the traceback; then seq2func's summary.
    assert plain.stderr.splitlines()[-1] == traced.stderr.splitlines()[-2]


def test_a_script_that_loads_npy_it_wrote(project):
    found = _lookup(project, "npy_script.py")
    assert _single(found) == ("tensor", (20,), "float32", ("float32",), ("fit",))
    assert found.batch_sizes == (16,)  # what the deferred Keras 3 build kept
    assert input_arguments(found) == InputArguments('shape=(20,), dtype="float32"')


def test_a_model_built_in_a_function(project):
    source = (project[0] / "in_function.py").read_text()
    assert [s.scope for s in convert_source(source).sites] == ["build_model"]
    assert _single(_lookup(project, "in_function.py")) == (
        "tensor",
        (12,),
        "float32",
        ("float64",),
        ("predict",),
    )


def test_an_embedding_text_model_keeps_the_dtype_keras_gave_its_input(project):
    # Keras 3 gives the InputLayer the first layer's compute dtype, float32,
    # though the data are integers: the converted Input must say the same.
    assert _single(_lookup(project, "text_model.py")) == (
        "tensor",
        (40,),
        "float32",
        ("int64",),
        ("fit",),
    )


def test_a_tf_data_pipeline(project):
    found = _lookup(project, "tf_data.py")
    assert _single(found) == ("tensor", (10,), "float32", ("float64",), ("fit",))


def test_a_custom_first_layer_without_input_shape(project):
    source = (project[0] / "custom_layer.py").read_text()
    assert convert_source(source).sites[0].skip_codes[0] in {"S2F101", "S2F111"}
    assert _single(_lookup(project, "custom_layer.py")) == (
        "tensor",
        (6,),
        "float32",
        ("float32",),
        ("__call__",),
    )


def test_keras2_and_tf_keras_are_recorded(project):
    found = _lookup(project, "legacy_keras2.py")
    assert _single(found) == ("tensor", (7,), "float32", ("float64",), ("fit",))
    assert found.keras_versions[0].startswith("2.")
    found = _lookup(project, "tf_keras_api.py")
    assert _single(found) == ("tensor", (5,), "float32", (), ("build",))
    assert found.keras_versions[0].startswith("3.")


def test_every_site_skipped_for_its_input_has_a_convertible_trace(project):
    folder, traces, _ = project
    skipped = set()
    with TraceIndex.open(traces) as index:
        for name in SCRIPTS:
            source = (folder / name).read_text()
            for site in convert_source(source, path=str(folder / name)).sites:
                if set(site.skip_codes) & {"S2F101", "S2F111", "S2F112"}:
                    skipped.add(name)
                    found = index.lookup(source, site.line, site.column, folder / name)
                    assert isinstance(input_arguments(found), InputArguments), name
    # The others convert from the code itself: a caller's predict() on a
    # literal array, fit() on arrays or on a tf.data pipeline the code writes.
    assert skipped == {
        "npy_script.py",
        "custom_layer.py",
        "legacy_keras2.py",
        "features.py",
    }


def test_a_stale_trace_after_an_edit_and_a_moved_file_keeps_its_trace(
    project, tmp_path
):
    folder = project[0]
    moved = tmp_path / "renamed.py"
    shutil.copy(folder / "npy_script.py", moved)
    assert isinstance(_lookup(project, "npy_script.py", path=moved), TracedInput)
    edited = (folder / "npy_script.py").read_text().replace("Dense(16", "Dense(32")
    source_path = folder / "npy_script.py"
    line, column = site_positions(edited)[0]
    with TraceIndex.open(project[1]) as index:
        assert isinstance(index.lookup(edited, line, column, source_path), StaleTrace)


def test_a_script_run_twice_with_different_feature_counts_is_varying(project):
    folder, traces, _ = project
    again = run_trace([sys.executable, "features.py", "9"], cwd=folder, traces=traces)
    assert again.returncode == 0, again.stderr
    found = _lookup(project, "features.py")
    assert isinstance(found, VaryingInput)
    assert found.shapes == ("(None, 5) float32", "(None, 9) float32")
    assert found.runs == 2


def test_the_listing_names_each_file_and_site(project):
    folder, traces, _ = project
    listing = run_plain(
        [sys.executable, "-m", "seq2func", "traces", "--traces", traces], cwd=folder
    )
    assert listing.returncode == 0, listing.stderr
    for name in SCRIPTS:
        assert f"{name}  (current)" in listing.stdout
    assert "(None, 40) float32" in listing.stdout


XDIST_TEST = """\
import numpy as np
import keras
import pytest


def make():
    return keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])


@pytest.mark.parametrize("rows", [2, 4, 6, 8])
def test_model(rows):
    assert make()(np.ones((rows, 11))).shape == (rows, 1)
"""


def test_a_pytest_run_with_xdist_records_from_its_workers(tmp_path):
    (tmp_path / "test_models.py").write_text(XDIST_TEST)
    traces = tmp_path / "traces.sqlite"
    result = run_trace(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        traces=traces,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = builds(traces)
    assert len(rows) == 4
    assert len({row["pid"] for row in rows}) == 2  # both workers recorded
    found = _lookup((tmp_path, traces, result), "test_models.py")
    assert found.leaves[0].shape == (11,)
    assert found.batch_sizes == (2, 4, 6, 8) or len(found.batch_sizes) == 4
    assert (found.builds, found.runs) == (4, 1)
