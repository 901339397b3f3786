"""A parameterized test method is reached with its first case, read from its decorator."""

from __future__ import annotations

import ast
import textwrap

import pytest

from seq2func.verify.parameters import first_case
from seq2func.verify.reach import Unreachable, probe_for


def _case(decorator: str, signature: str = "self, a, b"):
    source = f"{decorator}\ndef test_x({signature}):\n    pass\n"
    function = ast.parse(source).body[0]
    names = [a.arg for a in function.args.args][1:]
    return first_case(function, names)


@pytest.mark.parametrize(
    ("decorator", "case"),
    [
        (
            '@parameterized.named_parameters(("one", 1, "x"), ("two", 2, "y"))',
            {"a": 1, "b": "x"},
        ),
        (
            '@parameterized.named_parameters({"testcase_name": "one", "a": 1, "b": 2})',
            {"a": 1, "b": 2},
        ),
        ("@parameterized.parameters((3, 4), (5, 6))", {"a": 3, "b": 4}),
        ("@parameterized.product(a=[7, 8], b=['p', 'q'])", {"a": 7, "b": "p"}),
        (
            "@parameterized.named_parameters(named_product(a=[1], b=[True, False]))",
            {"a": 1, "b": True},
        ),
        ('@pytest.mark.parametrize("a, b", [(1, 2), (3, 4)])', {"a": 1, "b": 2}),
    ],
)
def test_the_first_case_of_each_decorator_spelling(decorator, case):
    assert _case(decorator) == case


@pytest.mark.parametrize(
    "decorator",
    [
        # A tuple would reach the worker as a list: not the value the test gets.
        "@parameterized.parameters(((1, 2), 3))",
        "@parameterized.parameters((layers.Dense, 3))",
        "@parameterized.named_parameters(CASES)",
        "@some.other.decorator(1, 2)",
    ],
)
def test_a_case_the_probe_cannot_make_gives_no_arguments(decorator):
    assert _case(decorator) == {}


SOURCE = textwrap.dedent("""\
    import keras
    from absl.testing import parameterized


    class T(parameterized.TestCase):
        @parameterized.named_parameters(("small", 4), ("large", 8))
        def test_build(self, units):
            model = keras.Sequential([keras.layers.Dense(units, input_shape=(3,))])
    """)


def test_a_parameterized_method_is_probed_with_its_first_case_and_a_bind_wins():
    common = dict(scope="T.test_build", target="model", ordinal=1, form="list")
    assert probe_for(SOURCE, end_line=8, **common).kwargs == {"units": 4}
    bound = probe_for(SOURCE, end_line=8, binds={"units": 2}, **common)
    assert bound.kwargs == {"units": 2}


def test_an_unparameterized_argument_still_needs_a_bind():
    source = SOURCE.replace(
        '    @parameterized.named_parameters(("small", 4), ("large", 8))\n', ""
    )
    with pytest.raises(Unreachable, match="--bind units=VALUE"):
        probe_for(
            source,
            scope="T.test_build",
            target="model",
            ordinal=1,
            form="list",
            end_line=7,
        )


def test_the_probe_calls_the_method_itself_without_its_case_decorator():
    probe = probe_for(
        SOURCE,
        scope="T.test_build",
        target="model",
        ordinal=1,
        form="list",
        end_line=8,
    )
    assert "named_parameters" not in probe.code
    # The probe keeps the source's line numbers.
    assert probe.code.splitlines()[7 - 1].strip() == "def test_build(self, units):"
