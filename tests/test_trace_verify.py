"""Verifying traced sites: the original is built with the recorded input, never assumed.

A model a function returns unbuilt, fitted by the caller (`def build_model():
... return model`), is first built outside the function, where the probe
never goes; the worker builds it with the recorded batch shape instead. The
traces are written without Keras (`trace_helpers.record`); the framework
tests build both sides for real.
"""

from __future__ import annotations

import pytest
from trace_helpers import record, site_positions

import seq2func
from seq2func.analysis.traces import SiteTraces
from seq2func.trace.lookup import TraceIndex
from seq2func.verify.deferred import deferred_build
from seq2func.verify.reach import Probe

RETURNED = """\
import numpy as np
import keras
from keras import layers


def build_model():
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    return model


model = build_model()
model.fit(np.zeros((32, 13)), np.zeros(32), batch_size=16, verbose=0)
"""
# The same shape of program with a convolution first: a rank-2 recorded input
# cannot build it, on either side.
UNBUILDABLE = RETURNED.replace(
    'layers.Dense(8, activation="relu")', "layers.Conv2D(4, 3)"
)


def _traced(tmp_path, source: str, shape: tuple) -> SiteTraces:
    traces = tmp_path / f"traces-{len(list(tmp_path.iterdir()))}.sqlite"
    line, column = site_positions(source)[0]
    record(traces, source, line, column, shape=shape, path=tmp_path / "train.py")
    return SiteTraces.for_file(TraceIndex.open(traces), source, "train.py")


def test_only_the_original_probe_of_a_traced_function_site_is_built_on_the_record(
    tmp_path,
):
    traces = _traced(tmp_path, RETURNED, (16, 13))
    (site,) = seq2func.convert_source(RETURNED, path="train.py", traces=traces).sites
    deferred = deferred_build(RETURNED, "train.py", site, traces)
    assert deferred is not None
    probe = Probe(code="", mode="function", target="model", ordinal=1)
    original, converted = deferred.probes(probe, probe)
    assert original.build_shape == (16, 13)
    assert converted.build_shape is None


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Three traced programs verified in one pool: the conversion as written,
    a converted input that is not the recorded one, and a record the model
    cannot be built on."""
    pytest.importorskip("tensorflow")
    from seq2func.verify import Options, verify_many

    folder = tmp_path_factory.mktemp("traced")
    right = _traced(folder, RETURNED, (16, 13))
    unbuildable = _traced(folder, UNBUILDABLE, (16, 13))
    converted = seq2func.convert_source(RETURNED, path="train.py", traces=right).code
    assert "keras.Input(shape=(13,)" in converted
    wrong = converted.replace("shape=(13,)", "shape=(12,)")
    items = [
        (RETURNED, converted, "train.py"),
        (RETURNED, wrong, "train.py"),
        (
            UNBUILDABLE,
            seq2func.convert_source(
                UNBUILDABLE, path="train.py", traces=unbuildable
            ).code,
            "train.py",
        ),
    ]
    found = verify_many(
        items, Options(jobs=1, timeout=300), traces=[right, right, unbuildable]
    )
    return {"right": found[0], "wrong": found[1], "unbuildable": found[2]}


@pytest.mark.framework
def test_a_returned_model_fitted_outside_its_function_is_proven_equivalent(reports):
    (site,) = reports["right"].sites
    assert site.status == "equivalent", site.reason
    assert site.input_shape == "(16, 13)"  # the original, built on the record
    assert all(check.passed for check in site.checks)
    assert any("batch dimension is 16" in d for d in site.expected_differences)


@pytest.mark.framework
def test_a_converted_input_that_is_not_the_recorded_one_is_different(reports):
    (site,) = reports["wrong"].sites
    assert site.status == "different"
    assert any(not check.passed for check in site.checks)


@pytest.mark.framework
def test_a_record_the_original_cannot_be_built_on_is_reported_never_equivalent(
    reports,
):
    (site,) = reports["unbuildable"].sites
    assert site.status == "unverifiable"
    assert "conv2d" in site.reason  # the layer that refused the recorded input
    assert "(16, 13)" in site.reason, site.reason
