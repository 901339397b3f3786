"""The lines a rewrite writes that black would leave alone are told without black, and
only those: whatever `already_black` accepts, black gives back unchanged."""

from __future__ import annotations

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import all_cases
from seq2func.writing.canonical import already_black, black_spelling

SETTINGS = settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
NAMES = st.sampled_from(["x", "inputs", "keras", "layers", "None", "True", "_a1"])
NUMBERS = st.sampled_from(["0", "1", "28", "0.5", "1e-3", "10.25", "1e5"])
STRINGS = st.sampled_from(['"relu"', '""', '"he_normal"', '"a b"'])
# Near misses black spells otherwise, or that are no expression at all.
ODD = st.sampled_from(
    [
        "'relu'",
        "1E5",
        ".5",
        "0x1F",
        "1_000",
        "x ** 2",
        "(x)",
        "f(x,)",
        "[1,]",
        "not x",
        "a if b else c",
        "x[1:]",
        "x[-1]",
        "lambda: 1",
        "*x",
        "x  ",
        "u''",
        "# c",
        "f(a=1 )",
        "x==y",
        "a , b",
        "(1 ,)",
        "{}",
        "f(**k)",
        "-  1",
    ]
)


def expressions(depth: int = 2):
    leaf = st.one_of(NAMES, NUMBERS, STRINGS, ODD)
    if depth == 0:
        return leaf
    inner = expressions(depth - 1)
    arguments = st.lists(
        st.one_of(inner, st.tuples(NAMES, inner).map(lambda kv: f"{kv[0]}={kv[1]}")),
        max_size=3,
    ).map(", ".join)
    return st.one_of(
        leaf,
        st.tuples(inner, NAMES).map(lambda p: f"{p[0]}.{p[1]}"),
        st.tuples(inner, arguments).map(lambda p: f"{p[0]}({p[1]})"),
        st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        st.lists(inner, min_size=2, max_size=3).map(lambda i: f"({', '.join(i)})"),
        inner.map(lambda item: f"({item},)"),
        inner.map(lambda item: f"-{item}"),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda p: f"{p[0]} {p[1]} {p[2]}"
        ),
        st.tuples(inner, st.one_of(NAMES, NUMBERS, STRINGS)).map(
            lambda p: f"{p[0]}[{p[1]}]"
        ),
    )


@SETTINGS
@given(
    st.lists(st.tuples(NAMES, expressions()), min_size=1, max_size=3),
    st.sampled_from([88, 40, 20]),
    st.booleans(),
    st.booleans(),
)
def test_what_is_taken_for_black_s_spelling_is_black_s_spelling(
    statements, width, strings, commas
):
    code = "".join(f"{name} = {value}\n" for name, value in statements)
    if not already_black(code, width):
        return
    mode = black.Mode(
        line_length=width, string_normalization=strings, magic_trailing_comma=commas
    )
    assert black.format_str(code, mode=mode) == code


def _broken(code: str, breaks: list[int]) -> str:
    """`code` with line breaks (and some indentation) after some of its `, `, `(`, `[`."""
    out, seen = [], 0
    for index, char in enumerate(code):
        out.append(char)
        after = code[index + 1 : index + 2]
        if char in "([" or (char == "," and after == " "):
            seen += 1
            if seen in breaks:
                out.append("\n" + " " * (seen % 5))
    text = "".join(out)
    return text.replace("\n ", "\n").replace(",\n", ",\n    ").replace(", \n", ",\n")


@SETTINGS
@given(
    st.lists(
        st.tuples(st.one_of(NAMES, st.just("return")), expressions()),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.integers(min_value=1, max_value=8), max_size=4),
    st.sampled_from([88, 40, 20]),
    st.booleans(),
)
def test_what_is_taken_for_black_s_spelling_of_broken_lines_is_black_s(
    statements, breaks, width, commas
):
    code = "".join(
        f"return {value}\n" if name == "return" else f"{name} = {value}\n"
        for name, value in statements
    )
    code = _broken(code, breaks)
    spelled = black_spelling(code, width)
    if spelled is None:
        return
    mode = black.Mode(line_length=width, magic_trailing_comma=commas)
    assert black.format_str(code, mode=mode) == spelled


@pytest.mark.parametrize(
    "code",
    [
        'x = layers.Dense(100, activation="relu",\n    kernel_initializer="he")(x)\n',
        "x = f(\n    a,\n    b\n)\nreturn keras.Model(inputs=a, outputs=b)\n",
    ],
)
def test_a_statement_broken_inside_brackets_is_joined_as_black_joins_it(code):
    spelled = black_spelling(code, 88)
    assert spelled is not None and spelled.count("\n") < code.count("\n")
    assert black.format_str(code, mode=black.Mode()) == spelled


LINES = [
    'x = keras.layers.Dense(10, activation="relu", input_shape=(3,))(x)\n',
    "inputs = keras.Input(shape=[28, 28])\noutputs = layers.Dense(28 * 28)(x)\n",
    "model = keras.Model(inputs=inputs, outputs=outputs, name=None)\n",
]


@pytest.mark.parametrize("code", LINES)
def test_the_lines_a_rewrite_writes_most_are_taken(code):
    assert already_black(code, 88)
    assert black.format_str(code, mode=black.Mode()) == code


@pytest.mark.parametrize(
    "code",
    [
        "x = keras.layers.Dense(10, activation='relu')(x)\n",  # quotes
        "x = f(1,)\n",  # a magic trailing comma
        "x = f(a)  # comment\n",
        "x = " + "f(aaaa)" * 20 + "\n",  # too long
        "x = f(a)\n\ny = 1\n",
        "x = f(a)",  # no newline
        "x = 'é'\n",
        "x = f(\n    a,\n)\n",  # a magic trailing comma, on lines of its own
        "x = f(a\n    + b)\n",  # a break black would not join so
    ],
)
def test_anything_else_is_left_to_black(code):
    assert not already_black(code, 88)


@pytest.mark.parametrize("case", all_cases(), ids=[c.name for c in all_cases()])
def test_every_statement_of_the_fixtures_taken_is_black_s(case):
    for line in case.expected.splitlines(keepends=True):
        if already_black(line, 88):
            assert black.format_str(line, mode=black.Mode()) == line
