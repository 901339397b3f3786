"""Stand-ins for data a model reads only the shape of: chosen only where sound."""

from __future__ import annotations

import textwrap

from seq2func.verify.reach import probe_for
from seq2func.verify.stand_ins import StandIn, shape_only_names

SOURCE = textwrap.dedent("""\
    import numpy as np
    import keras

    raw = np.loadtxt("data.csv")
    X_train = raw[:, :-1] / raw.max()
    plot_labels = raw[:, -1]
    model = keras.Sequential([keras.layers.Dense(2, input_shape=X_train.shape[1:])])
    """)


def _probe(source: str, stand_ins=None):
    return probe_for(
        source,
        scope="<module>",
        target="model",
        ordinal=1,
        form="list",
        end_line=7,
        stand_ins=stand_ins,
    )


def test_data_whose_loading_failed_and_that_the_model_reads_only_the_shape_of():
    code = _probe(SOURCE).code
    assert shape_only_names(code, error_line=4) == ("X_train",)


def test_no_stand_in_where_the_failure_is_not_in_the_datas_making():
    code = _probe(SOURCE).code
    assert shape_only_names(code, error_line=7) == ()


def test_no_stand_in_for_data_the_model_reads_more_of_than_its_shape():
    source = SOURCE.replace("X_train.shape[1:]", "(len(X_train[0]),)")
    assert shape_only_names(_probe(source).code, error_line=4) == ()


def test_the_stand_in_replaces_the_last_binding_and_what_only_it_needed():
    stand_in = StandIn(("X_train",), (4, 32))
    code = _probe(SOURCE, stand_in.expressions()).code
    lines = code.splitlines()
    assert lines[5 - 1] == (
        'X_train = __import__("numpy").zeros((4, 32), dtype="float32")'
    )
    assert "loadtxt" not in code
    # The probe keeps the source's line numbers.
    assert lines[7 - 1].startswith("model = keras.Sequential")


def test_a_function_that_reads_the_data_as_a_global_gets_the_stand_in_too():
    source = SOURCE.replace(
        "model = keras.Sequential([keras.layers.Dense(2, input_shape=X_train.shape[1:])])",
        "def build_model():\n"
        "    return keras.Sequential([keras.layers.Dense(2, input_shape=X_train.shape[1:])])",
    )
    common = dict(scope="build_model", target=None, ordinal=1, form="list")
    code = probe_for(source, end_line=8, **common).code
    assert shape_only_names(code, error_line=4) == ("X_train",)
    stand_in = StandIn(("X_train",), (4, 32))
    replaced = probe_for(source, end_line=8, stand_ins=stand_in.expressions(), **common)
    assert "loadtxt" not in replaced.code
