"""A module-level model made inside a loop: the probe runs the loop up to the
model, on its first iteration, and never the training after it. Without the
framework: the "models" are lists, and what follows the site in the loop
raises."""

from __future__ import annotations

import textwrap

from seq2func.verify.reach import probe_for
from seq2func.verify.worker_probe import _reach

# `t81_558_class_03_5_weights.ipynb` (jeffheaton/t81_558_deep_learning) makes a
# model, fits it for 10,000 epochs and checks it, until one fits.
WHILE_TRAINING = textwrap.dedent("""\
    data = open("/nonexistent/data.csv")
    done = False
    cycle = 1
    while not done:
        cycle += 1
        model = [cycle]
        model.append(cycle * 10)
        done = train(model, data)
    """)


def _probe(source: str, end_line: int | None, ordinal: int = 1):
    return probe_for(
        source,
        scope="<module>",
        target="model",
        ordinal=ordinal,
        form="add",
        end_line=end_line,
    )


def _reached(source: str, end_line: int | None, ordinal: int = 1):
    probe = _probe(source, end_line, ordinal)
    return _reach({"probe": probe.__dict__}, {"__name__": "probe"}, [])


def test_the_loop_is_stopped_once_its_model_is_made():
    # `train` is never defined: reaching it would raise NameError.
    assert _reached(WHILE_TRAINING, end_line=7) == [2, 20]


def test_the_slice_keeps_what_the_loop_reads_before_the_model():
    code = _probe(WHILE_TRAINING, end_line=7).code
    assert "done = False" in code  # the loop's condition, on its first test
    assert "cycle = 1" in code  # read by the loop body before the model


def test_the_slice_leaves_out_what_the_loop_reads_only_after_the_model():
    code = _probe(WHILE_TRAINING, end_line=7).code
    assert "open(" not in code


def test_a_model_that_ends_the_loop_body_is_the_first_iterations():
    source = textwrap.dedent("""\
        for units in (3, 5):
            model = [units]
        """)
    assert _reached(source, end_line=2) == [3]


def test_the_converted_model_is_the_binding_of_its_ordinal_in_the_loop():
    # The converted side knows no end line: the assignment marks the model.
    source = textwrap.dedent("""\
        model = ["earlier"]
        for units in (3, 5):
            model = [units]
            model = model + [units * 2]
            raise AssertionError("the loop went on past the model")
        """)
    assert _reached(source, end_line=None, ordinal=3) == [3, 6]
