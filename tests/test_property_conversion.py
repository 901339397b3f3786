"""Generated Sequential programs: every conversion parses, is idempotent, keeps the program's
own values, and builds an equivalent model (checked with the verification engine's code).
"""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seq2func
from strategies import INPUT_KINDS, programs

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Each example runs both programs and builds both models twice with Keras
# (about a second): 200 examples drawn at large made this one test most of
# the suite's time and left `.build()` to chance. Twelve per input kind, each
# kind its own test that xdist can hand to either worker.
FRAMEWORK_SETTINGS = settings(SETTINGS, max_examples=12)


@SETTINGS
@given(programs())
def test_conversion_parses_converts_and_is_idempotent(program):
    result = seq2func.convert_source(program.source)
    compile(result.code, "generated", "exec")
    assert [s.status for s in result.sites] == ["converted"], [
        d.format() for d in result.diagnostics
    ]
    assert seq2func.convert_source(result.code).code == result.code


@SETTINGS
@given(programs())
def test_unrelated_code_around_a_program_changes_nothing_in_its_conversion(program):
    from seq2func import convert
    from test_narrowing import UNRELATED, converted_the_narrow_way

    lines = program.source.splitlines(keepends=True)
    body = next(
        (
            i
            for i, line in enumerate(lines)
            if line.strip() and not line.startswith(("import ", "from ", "#"))
        ),
        len(lines),
    )
    padded = (
        "".join(lines[:body])
        + UNRELATED.lstrip("\n")
        + "\n\n"
        + "".join(lines[body:])
        + UNRELATED
    )
    code, narrowed = converted_the_narrow_way(padded)
    whole = convert._convert(padded, None, None, frozenset())
    assert code == whole.code
    assert narrowed.sites == whole.sites


# What notebooks do with a model between and after the statements that build it.
NOTEBOOK_STATEMENTS = [
    "X_train = load_data()",
    "X_train = X_train / 255.0",
    "history = model.fit(X_train, epochs=2)",
    'model.compile(loss="mse")',
    "model.summary()",
    "model.trainable = False",
    "other = model",
    "first = other.layers[0]",
    "for each in [model]:\n    each.summary()",
    "y = model(X_train)",
    'model.save("m.keras")',
    'restored = keras.models.load_model("m.keras")',
    "restored.layers[0].trainable = False",
    "def train(m):\n    m.fit(X_train)",
    "train(model)",
    "inputs = keras.Input(shape=(3,))",
    "shape = (None, 4)",
    "model = build_other()",
    "print(model)",
    "def show():\n    return model.layers",
]


@SETTINGS
@given(
    programs(),
    st.lists(
        st.tuples(st.integers(0, 100), st.sampled_from(NOTEBOOK_STATEMENTS)),
        max_size=6,
    ),
)
def test_notebook_uses_around_a_program_convert_as_the_whole_file_does(
    program, insertions
):
    from seq2func import convert
    from test_narrowing import UNRELATED

    chunks: list[list[str]] = []
    for line in program.source.splitlines(keepends=True):
        if chunks and line[:1] in (" ", "\t"):
            chunks[-1].append(line)
        else:
            chunks.append([line])
    for position, statement in insertions:
        chunks.insert(position % (len(chunks) + 1), [statement + "\n"])
    source = "".join("".join(chunk) for chunk in chunks) + UNRELATED
    result = convert.convert_source(source)
    whole = convert._convert(source, None, None, frozenset())
    assert result.code == whole.code
    assert result.sites == whole.sites


@pytest.mark.framework
@pytest.mark.parametrize("input_kind", INPUT_KINDS)
@FRAMEWORK_SETTINGS
@given(data=st.data())
def test_converted_program_builds_an_equivalent_model_and_keeps_its_values(
    input_kind, data
):
    keras = pytest.importorskip("keras")
    program = data.draw(programs(input_kind=input_kind))
    from seq2func.verify.compare import compare
    from seq2func.verify.reach import probe_for
    from seq2func.verify.worker import _Downloads, run_job

    result = seq2func.convert_source(program.source)
    converted = result.code
    # The original's model is complete at the end of its site (its last add or build).
    end_of_site = None if program.in_function else result.sites[0].end_line
    values = [
        _values(keras, source, program.checks) for source in (program.source, converted)
    ]
    assert values[0] == values[1]

    with tempfile.TemporaryDirectory() as workdir:
        results = {}
        for side, source in (("original", program.source), ("converted", converted)):
            end_line = end_of_site if side == "original" else None
            probe = probe_for(
                source,
                scope="<module>",
                target="model",
                ordinal=1,
                form="list",
                end_line=end_line,
            )
            job = {
                "side": side,
                "probe": probe.__dict__,
                "workdir": workdir,
                "seed": 0,
                "path": "generated",
                "inputs_file": os.path.join(workdir, "inputs.npy"),
                "checkpoint": os.path.join(workdir, "original.weights.h5"),
                "device_name": "CPU",
            }
            results[side] = run_job(keras, job, _Downloads(keras))
            assert results[side]["ok"], results[side].get("traceback")
        comparison = compare(results["original"], results["converted"], workdir)
        assert comparison.equivalent, comparison.differences


def _values(keras, source: str, names: tuple[str, ...]) -> dict:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    namespace: dict = {}
    exec(compile(source, "generated", "exec"), namespace)
    return {name: namespace[name] for name in names}
