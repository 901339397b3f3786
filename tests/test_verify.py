"""Verification: wrong rewrites are caught with the right reason; failures stay contained."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import seq2func

pytestmark = pytest.mark.framework
WRONG = sorted(
    (Path(__file__).resolve().parents[1] / "fixtures" / "wrong_rewrites").glob("*.py")
)


def _pair(path: Path) -> tuple[str, str, str]:
    text = path.read_text()
    original, _, converted = text.partition("# output\n")
    expected = original.splitlines()[0].split(":", 1)[1].strip()
    return original, converted, expected


ROOT = Path(__file__).resolve().parents[1]

# Sources verified together with the wrong rewrites, in one pool of workers
# (one Keras 3 and one Keras 2 start per worker for the whole module).
KERAS2_FILE = """\
import tf_keras
from tf_keras import layers

model = tf_keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(2)])
"""
KERAS2_ONLY_ARGUMENT = """\
import keras

model = keras.Sequential()
model.add(keras.layers.GRU(3, batch_input_shape=(2, 5, 4), return_sequences=True))
model.add(keras.layers.Dense(1))
"""
KERAS2_SEED_002 = """\
import tf_keras
from tf_keras import layers

sample_model = tf_keras.Sequential()
sample_model.add(layers.Dense(32, input_shape=(4,)))
sample_model.add(layers.Dense(16, input_shape=(44,)))
"""
NAN_ORIGINAL = """\
import keras

model = keras.Sequential([
    keras.layers.Dense(2, input_shape=(3,), kernel_initializer=keras.initializers.Constant(float("nan"))),
])
"""
# The Lambda reads Python's clock, which no seed governs: the same side gives
# other outputs on every run.
STRING_INPUT = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(2,), dtype="string"),
    keras.layers.StringLookup(vocabulary=["a", "b", "c"]),
    keras.layers.Embedding(5, 3),
])
"""
CLOCK_DEPENDENT = """\
import time
import keras

model = keras.Sequential([
    keras.layers.Dense(2, input_shape=(3,)),
    keras.layers.Lambda(lambda x: x * float(time.perf_counter_ns() % 997 + 1)),
])
"""
# The MNIST quickstart: the model is built by its fit on the dataset.
MNIST_TUTORIAL = """\
import tensorflow as tf

mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dense(10),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=5)
"""
CIFAR_SHAPE = """\
from tensorflow import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
model = keras.Sequential([
    keras.layers.Conv2D(2, 3, input_shape=x_train.shape[1:]),
    keras.layers.Flatten(),
    keras.layers.Dense(int(y_train.max()) + 10),
])
"""
CONV_GRU = ROOT / "fixtures" / "cases" / "input_open_length_conv_gru.py"
MISSING_IMPORT = ROOT / "fixtures" / "notebooks" / "missing_unused_import.ipynb"
RUNS = 10


def _converted(source: str) -> str:
    return seq2func.convert_source(source).code


@pytest.fixture(scope="module")
def pool_reports():
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    from cases import load_case

    from seq2func.notebook import convert_notebook, notebook_sources
    from seq2func.verify import Options, verify_many

    items, sites = [], []
    for path in WRONG:
        original, converted, _ = _pair(path)
        items.append((original, converted, f"wrong/{path.stem}"))
        sites.append(seq2func.convert_source(original).sites)
    for name, source in (
        ("keras2_file", KERAS2_FILE),
        ("keras2_only_argument", KERAS2_ONLY_ARGUMENT),
        ("keras2_seed_002", KERAS2_SEED_002),
        ("nan_original", NAN_ORIGINAL),
        ("clock_dependent", CLOCK_DEPENDENT),
        ("string_input", STRING_INPUT),
        ("mnist_tutorial", MNIST_TUTORIAL),
        ("cifar_shape", CIFAR_SHAPE),
    ):
        items.append((source, _converted(source), name))
        sites.append(seq2func.convert_source(source).sites)
    case = load_case(CONV_GRU)
    for run in range(RUNS):
        items.append((case.source, case.expected, f"conv_gru/{run}"))
        sites.append(seq2func.convert_source(case.source).sites)
    notebook = MISSING_IMPORT.read_text(encoding="utf-8")
    converted_notebook = convert_notebook(notebook).text
    joined = notebook_sources(notebook).code
    items.append((joined, notebook_sources(converted_notebook).code, "notebook"))
    sites.append(seq2func.convert_source(joined).sites)
    reports = verify_many(items, Options(jobs=2, timeout=300), sites=sites)
    return {report.path: report for report in reports}


@pytest.fixture(scope="module")
def wrong_reports(pool_reports):
    return {p.stem: pool_reports[f"wrong/{p.stem}"] for p in WRONG}


@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_rewrite_is_reported_different_with_the_reason(path, wrong_reports):
    _, _, expected = _pair(path)
    (site,) = wrong_reports[path.stem].sites
    assert site.status == "different"
    assert any(
        expected in difference for difference in site.differences
    ), site.differences
    assert not wrong_reports[path.stem].equivalent


HANGS = """\
import keras
import time

def build():
    time.sleep(600)
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""
CRASHES = """\
import keras
import os

def build():
    os._exit(3)
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""
RAISES = """\
import keras

def build():
    raise RuntimeError("the data is not there")
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""
FINE = """\
import keras

def build():
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""


def test_hang_crash_and_exception_are_each_reported_while_the_others_finish():
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    items = [
        (source, seq2func.convert_source(source).code, name)
        for name, source in (
            ("hangs", HANGS),
            ("crashes", CRASHES),
            ("raises", RAISES),
            ("fine", FINE),
        )
    ]
    reports = verify_many(items, Options(jobs=2, timeout=10))
    by_name = {r.path: r.sites[0] for r in reports}
    assert (
        by_name["hangs"].status == "error"
        and by_name["hangs"].diagnostics[0].code == "S2F304"
    )
    assert (
        by_name["crashes"].status == "error"
        and by_name["crashes"].diagnostics[0].code == "S2F305"
    )
    assert (
        by_name["raises"].status == "unverifiable"
        and "the data is not there" in by_name["raises"].reason
    )
    assert by_name["fine"].status == "equivalent"


HOGS = """\
import keras

def build():
    hoard = bytearray(6 * 1024**3)
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""


def test_a_program_taking_more_memory_than_the_bound_is_stopped_and_the_others_still_run():
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    items = [
        (source, seq2func.convert_source(source).code, name)
        for name, source in (("hogs", HOGS), ("fine", FINE))
    ]
    reports = verify_many(items, Options(jobs=1, timeout=60, memory_mb=4096))
    by_name = {r.path: r.sites[0] for r in reports}
    assert (
        by_name["hogs"].status == "unverifiable"
        and "MemoryError" in by_name["hogs"].reason
    )
    assert by_name["fine"].status == "equivalent"


def test_a_function_needing_arguments_is_unverifiable_until_bound():
    pytest.importorskip("tensorflow")
    source = textwrap.dedent("""\
        import keras

        def build(units):
            return keras.Sequential([keras.layers.Dense(units, input_shape=(3,))])
        """)
    converted = seq2func.convert_source(source).code
    unbound = seq2func.verify_sources(source, converted)
    assert unbound.sites[0].status == "unverifiable"
    assert "--bind units=VALUE" in unbound.sites[0].reason
    bound = seq2func.verify_sources(source, converted, binds={"units": 4})
    assert bound.equivalent


def test_module_level_training_code_is_not_run(tmp_path):
    pytest.importorskip("tensorflow")
    marker = tmp_path / "trained"
    source = textwrap.dedent(f"""\
        import keras
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        open({str(marker)!r}, "w").write("training ran")
        """)
    report = seq2func.verify_sources(source, seq2func.convert_source(source).code)
    assert report.equivalent
    assert not marker.exists()


def test_report_records_device_backend_and_the_keras_differences_expected():
    pytest.importorskip("tensorflow")
    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    (site,) = seq2func.verify_sources(
        source, seq2func.convert_source(source).code
    ).sites
    assert site.device == "CPU" and site.backend == "tensorflow"
    assert any("InputLayer" in e for e in site.expected_differences)
    assert site.converted_layers[0].explicit_input


def test_pretrained_weights_are_not_downloaded_and_the_report_says_so():
    pytest.importorskip("tensorflow")
    source = textwrap.dedent("""\
        import keras
        model = keras.Sequential([
            keras.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights="imagenet", alpha=0.35),
            keras.layers.GlobalAveragePooling2D(),
        ])
        """)
    (site,) = seq2func.verify_sources(
        source, seq2func.convert_source(source).code
    ).sites
    assert site.status == "equivalent", site.reason
    assert any(d.code == "S2F303" for d in site.diagnostics)


def test_asking_for_a_gpu_where_none_is_visible_is_a_clear_error():
    pytest.importorskip("tensorflow")
    from seq2func.verify import DeviceUnavailable

    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    with pytest.raises(DeviceUnavailable, match="no GPU is visible"):
        seq2func.verify_sources(
            source, seq2func.convert_source(source).code, device="gpu"
        )


def test_a_keras_2_file_is_verified_equivalent_on_tf_keras(pool_reports):
    (site,) = pool_reports["keras2_file"].sites
    assert site.status == "equivalent", site.reason
    assert site.keras == "2" and site.keras_version.startswith("2.")
    assert site.keras_reason == "the file imports tf_keras"
    assert any(d.code == "S2F311" for d in site.diagnostics)
    assert {c.name for c in site.checks if c.passed} == {
        "layers",
        "input",
        "parameters",
        "initial weights",
        "outputs",
        "checkpoint",
    }


def test_a_keras_2_only_argument_is_verified_on_keras_2(pool_reports):
    (site,) = pool_reports["keras2_only_argument"].sites
    assert site.status == "equivalent", site.reason
    assert site.keras == "2"
    assert "fails on Keras 3" in site.keras_reason
    assert "batch_input_shape" in site.keras_reason
    assert site.input_shape == "(2, 5, 4)"


def test_keras_3_only_leaves_keras_2_code_unverifiable():
    pytest.importorskip("tensorflow")
    report = seq2func.verify_sources(
        KERAS2_ONLY_ARGUMENT, _converted(KERAS2_ONLY_ARGUMENT), keras="3"
    )
    (site,) = report.sites
    assert site.status == "unverifiable" and site.keras == "3"
    assert site.diagnostics[0].code == "S2F301"
    assert "batch_input_shape" in site.reason


def test_the_report_answers_seeds_000_and_002_for_a_keras_2_model(pool_reports):
    from seq2func.reports.model import answers

    (site,) = pool_reports["keras2_seed_002"].sites
    assert site.status == "equivalent", site.reason
    assert site.keras == "2"
    found = {answer["seed"]: answer["answer"] for answer in answers(site)}
    assert "(InputLayer) with shape (None, 4)" in found["000"]
    assert "input_shape=(44,) on dense_1 was ignored by Keras" in found["002"]
    assert "really received (None, 32)" in found["002"]


def test_an_original_with_nan_outputs_is_unverifiable_never_compared(pool_reports):
    (site,) = pool_reports["nan_original"].sites
    assert site.status == "unverifiable"
    assert site.diagnostics[0].code == "S2F308"
    assert "NaN in 4 of 4 output values" in site.reason


def test_outputs_that_change_from_run_to_run_are_nondeterminism_not_different(
    pool_reports,
):
    (site,) = pool_reports["clock_dependent"].sites
    assert site.status == "unverifiable", (site.status, site.reason)
    assert site.diagnostics[0].code == "S2F309"
    assert "change from run to run" in site.reason
    assert not any(d.code == "S2F306" for d in site.diagnostics)


def test_a_model_taking_strings_is_called_on_strings(pool_reports):
    (site,) = pool_reports["string_input"].sites
    assert site.status == "equivalent", site.reason
    assert site.sample_shape == "(2, 2)"


def test_a_keras_dataset_loads_as_zeros_of_its_documented_shapes(pool_reports):
    # Downloads are refused: the tutorial was unverifiable, built on nothing.
    (site,) = pool_reports["mnist_tutorial"].sites
    assert site.status == "equivalent", site.reason
    (note,) = [d for d in site.diagnostics if d.code == "S2F316"]
    assert "mnist.load_data(): x (60000, 28, 28) and (10000, 28, 28) uint8" in (
        note.message
    )


def test_cifar_images_stand_in_channels_last_as_the_loader_gives_them(pool_reports):
    (site,) = pool_reports["cifar_shape"].sites
    assert site.status == "equivalent", site.reason
    assert site.converted_layers[0].output_shape == "(None, 32, 32, 3)"


def test_conv1d_gru_on_open_lengths_is_equivalent_ten_runs_in_a_row(pool_reports):
    for run in range(RUNS):
        (site,) = pool_reports[f"conv_gru/{run}"].sites
        assert site.status == "equivalent", (run, site.reason, site.differences)
        # The GRUs see a non-empty sequence: kernel 4, stride 2 needs 4 steps.
        steps = int(site.sample_shape.strip("()").split(",")[1])
        assert steps >= 4, site.sample_shape
        assert all(c.passed for c in site.checks)


def test_a_notebooks_missing_import_the_model_does_not_use_is_skipped(pool_reports):
    model, wide = pool_reports["notebook"].sites
    assert model.status == "equivalent", model.reason
    (note,) = [d for d in model.diagnostics if d.code == "S2F310"]
    assert "seq2func_absent_sklearn.model_selection" in note.message
    assert "the model does not use it" in note.message
    # The other model reads the data the missing module loads: unverifiable,
    # with the module named, and nothing stubbed.
    assert wide.status == "unverifiable"
    assert wide.diagnostics[0].code == "S2F312"
    assert wide.reason.startswith("seq2func_absent_sklearn:")


def test_a_function_site_is_sliced_up_to_its_own_definition():
    """Neither the program after the function (training with a module that is
    not installed, a later definition under the same name) nor the module's
    own `inputs`/`x`/`outputs` (the converted function's locals share the
    names) goes into the probe."""
    pytest.importorskip("tensorflow")
    source = textwrap.dedent("""\
        import keras
        import seq2func_absent_training_module as training

        first = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)), keras.layers.Dense(1)])

        def build(units=4):
            return keras.Sequential([keras.layers.Dense(units, input_shape=(3,))])

        model = build()
        training.fit(model, epochs=100)

        def build(units=4):
            raise RuntimeError("a later definition under the same name")
        """)
    converted = _converted(source)
    assert converted.count("keras.Model(") == 2
    report = seq2func.verify_sources(source, converted)
    assert [s.status for s in report.sites] == ["equivalent", "equivalent"], [
        s.reason for s in report.sites
    ]


def test_a_function_stops_once_its_model_is_complete(tmp_path):
    """The code after the site in the same function (training on data the
    probe does not load, writing files) never runs, on either side, and the
    globals only it reads (data from a module that is not installed) are not
    needed."""
    pytest.importorskip("tensorflow")
    marker = tmp_path / "trained"
    source = textwrap.dedent(f"""\
        import keras
        import seq2func_absent_data_module as data_module

        training_data = data_module.load()

        def train(epochs=1):
            model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])
            model.add(keras.layers.Dense(1))
            model.compile(loss="mse")
            open({str(marker)!r}, "w").write("training ran")
            model.fit(training_data, epochs=epochs)
            return model
        """)
    converted = _converted(source)
    assert "keras.Model(" in converted
    (site,) = seq2func.verify_sources(source, converted).sites
    assert site.status == "equivalent", site.reason
    assert not marker.exists()


SUBMODEL_WITH_WEIGHTS = """\
import keras

inner = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(3)], name="inner")
extra = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(3)], name="extra")
model = keras.Sequential([keras.Input(shape=(3,)), inner, extra, keras.layers.Dense(1)])
"""
SUBMODEL_CONVERTED_BY_HAND = """\
import keras

inner_inputs = keras.Input(shape=(3,))
inner = keras.Model(inner_inputs, keras.layers.Dense(3)(inner_inputs), name="inner")
extra = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(3)], name="extra")
inputs = keras.Input(shape=(3,))
x = inner(inputs)
x = extra(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs=inputs, outputs=outputs)
"""


def test_a_sub_model_with_weights_made_functional_fails_the_checkpoint_check():
    """What S2F117 guards against: Keras 3 keys a nested model's weights by class."""
    pytest.importorskip("tensorflow")
    report = seq2func.verify_sources(SUBMODEL_WITH_WEIGHTS, SUBMODEL_CONVERTED_BY_HAND)
    (site,) = report.sites
    assert site.status == "different"
    assert any(
        "weights saved by the original do not load" in d for d in site.differences
    ), site.differences
