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


@pytest.fixture(scope="module")
def wrong_reports():
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    pairs = [_pair(p) for p in WRONG]
    sites = [seq2func.convert_source(o).sites for o, _, _ in pairs]
    return dict(
        zip(
            (p.stem for p in WRONG),
            verify_many(
                [(o, c, None) for o, c, _ in pairs], Options(jobs=2), sites=sites
            ),
        )
    )


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
