"""Scope metadata covers only the imports and the definitions that mention
Sequential, unless a model may live at module level."""

from __future__ import annotations

import libcst as cst

from seq2func.analysis import metadata
from seq2func.analysis.reduced import reduced_module


def _reduced(source: str):
    module = cst.parse_module(source)
    return reduced_module(module, source, metadata.walk(module))


def test_a_model_built_at_module_level_needs_the_whole_module():
    source = (
        "import keras\n"
        "def helper():\n"
        "    return 1\n"
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
    )
    assert _reduced(source) == (None, frozenset())


def test_models_built_in_functions_need_only_the_imports_and_those_functions():
    source = (
        "import keras\n"
        "x = 1\n"
        "def build():\n"
        "    return keras.Sequential([keras.layers.Dense(1)])\n"
    )
    reduced, analysed = _reduced(source)
    assert reduced is not None
    assert [type(s).__name__ for s in reduced.body] == [
        "SimpleStatementLine",
        "FunctionDef",
    ]
    assert analysed == frozenset(reduced.body)


def test_a_function_making_a_model_that_is_called_needs_the_whole_module():
    # Its callers use the model it returns (planning/uses/returned.py).
    source = (
        "import keras\n"
        "def build():\n"
        "    return keras.Sequential([keras.layers.Dense(1)])\n"
        "def build_for_training():\n"
        "    return build()\n"
    )
    assert _reduced(source) == (None, frozenset())


def test_a_method_of_the_same_name_called_elsewhere_is_not_a_call_of_the_function():
    source = (
        "import keras\n"
        "def build():\n"
        "    return keras.Sequential([keras.layers.Dense(1)])\n"
        "other.build()\n"
    )
    reduced, _ = _reduced(source)
    assert reduced is not None
