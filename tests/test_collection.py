"""A conversion pauses Python's cyclic garbage collector only while it runs."""

from __future__ import annotations

import gc

import pytest

from seq2func.convert import convert_source
from seq2func.results import ConversionError

SOURCE = "import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n"


def test_the_collector_runs_again_after_a_conversion():
    assert gc.isenabled()
    convert_source(SOURCE)
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        convert_source(SOURCE)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_paused_during_a_conversion(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "seq2func.convert._convert_file",
        lambda *args, **kwargs: seen.append(gc.isenabled()),
    )
    convert_source(SOURCE)
    assert seen == [False]


def test_the_collector_runs_again_after_a_conversion_that_fails():
    with pytest.raises(ConversionError):
        convert_source("model = keras.Sequential(\n")
    assert gc.isenabled()
