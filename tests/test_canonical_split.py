"""Statements too long for a line are spelled without black only as black splits
them: every spelling `black_spelling` gives of a long call chain, a slice or a
broken statement is black's at that width."""

from __future__ import annotations

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seq2func.writing.canonical import black_spelling

SETTINGS = settings(
    max_examples=1500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
WIDTHS = [88, 60, 40, 24]
TARGETS = st.sampled_from(
    ["x", "x_1", "outputs", "a_rather_long_target_name", "self.encoder", "a.b.c"]
)
CALLEES = st.sampled_from(
    ["f", "Dense", "tf.keras.layers.Dense", "hub.KerasLayer", "a.b.c.d.e.f.g.h.i.j"]
)
NAMES = st.sampled_from(["x", "inputs_1", "n", "None", "kernel_initializer"])
SLICES = st.sampled_from(
    ["[1:]", "[:, 0]", "[::2]", "[1:-1]", "[-1]", "[:-n, 1]", "[None:]", "[a:b:c]"]
)
LEAVES = st.one_of(
    NAMES,
    st.sampled_from(["0", "100", "1e-3", "0.5", "-1", "1.", ".5", "1.e5", "-.5e3"]),
    st.sampled_from(["1E5", "0x1F", "1j", "1_0", "(1024)", "*a", "+a", "a ** 2"]),
    st.sampled_from(['"relu"', '"he_normal"', '"https://tfhub.dev/google/model/4"']),
    st.sampled_from(["'relu'", "''", "'a b, c'", '"it\'s"', "'glorot_uniform'"]),
    st.tuples(NAMES, SLICES).map("".join),
    st.sampled_from(["(3,)", "[1, None]", "(128, 128, 3)", "x.shape[1:]"]),
    # Near misses black spells otherwise, which must be left to it.
    st.sampled_from(["x[a + 1 :]", "x[a.b :]", "[1,]", "f(a,)", "x[1 :]", "{}"]),
    st.sampled_from(["'it\"s'", "'a(b'", "u'x'", "'\\n'", "'#'", "'''a'''", "b'x'"]),
)


def _arguments(inner, max_size: int):
    argument = st.one_of(
        inner, st.tuples(NAMES, inner).map(lambda kv: f"{kv[0]}={kv[1]}")
    )
    return st.lists(argument, max_size=max_size).map(", ".join)


def chains(inner):
    """A dotted callee and one to three calls of up to seven arguments."""
    return st.tuples(
        CALLEES, st.lists(_arguments(inner, 7), min_size=1, max_size=3)
    ).map(lambda p: p[0] + "".join(f"({arguments})" for arguments in p[1]))


def values(depth: int = 2):
    """Call chains of many or long arguments, their arguments chains again."""
    if depth == 0:
        return LEAVES
    inner = values(depth - 1)
    return st.one_of(
        LEAVES,
        chains(inner),
        st.tuples(inner, st.sampled_from(["+", "*", "-", "//"]), inner).map(" ".join),
        st.lists(inner, min_size=2, max_size=4).map(lambda i: f"[{', '.join(i)}]"),
    )


def _broken(code: str, breaks: list[int]) -> str:
    """`code` with a line break after some of its `(` and `, `."""
    out, seen = [], 0
    for index, char in enumerate(code):
        if char == " " and code[index - 1] == "," and seen in breaks:
            continue
        out.append(char)
        if char == "(" or (char == "," and code[index + 1 : index + 2] == " "):
            seen += 1
            if seen in breaks:
                out.append("\n        ")
    return "".join(out)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "",
                    "# a comment (at the margin)\n",
                    "#\n",
                    "  # in\n",
                    "#c\n",
                    "# x \n",
                ]
                + ["# fmt: off\n", "# type: int\n", "#!/usr/bin/env python\n"]
            ),
            TARGETS,
            values(1),
            st.sampled_from(
                ["", "  # c", " # c", "  #c", "  # fmt: skip", "  # type: x"]
            ),
        ),
        min_size=1,
        max_size=3,
    ),
    st.booleans(),
    st.booleans(),
)
def test_every_commented_block_spelled_is_spelled_as_black_writes_it(
    statements, commas, strings
):
    code = "".join(
        f"{before}{target} = {value}{after}\n"
        for before, target, value, after in statements
    )
    _holds(code, commas, strings)


SIMPLE = st.sampled_from(
    ["x", "100", '"relu"', "(3,)", "[1, None]", "x.shape[1:]", "-1", "1.", "u - v"]
    + ["a" * 12, "b" * 25, "c" * 40, "d" * 70]
)


@settings(SETTINGS, max_examples=800)
@given(
    st.one_of(TARGETS, st.just("return")),
    st.tuples(CALLEES, st.lists(_arguments(st.one_of(SIMPLE, chains(SIMPLE)), 8)))
    .filter(lambda p: p[1])
    .map(lambda p: p[0] + "".join(f"({arguments})" for arguments in p[1][:4])),
    st.floats(0.3, 1.0),
    st.booleans(),
)
def test_every_call_chain_spelled_at_a_width_short_of_it_is_split_as_black_splits_it(
    target, value, fraction, commas
):
    code = f"return {value}\n" if target == "return" else f"{target} = {value}\n"
    width = max(20, int(len(code) * fraction))
    spelled = black_spelling(code, width)
    if spelled is not None:
        mode = black.Mode(line_length=width, magic_trailing_comma=commas)
        assert black.format_str(code, mode=mode) == spelled


def _respaced(code: str, choices: list[int]) -> str:
    """`code` with some spaces outside strings dropped and some added around
    brackets, commas and operators, as users space their code."""
    out, quote, turn = [], None, 0
    for char in code:
        if quote is not None or char in "'\"":
            quote = None if char == quote else (quote or char)
            out.append(char)
            continue
        choice = choices[turn % len(choices)] if choices else 0
        turn += 1
        if char == " " and choice == 1:
            continue
        out.append(char)
        if char in "()[],=+-*/:" and choice == 2:
            out.append(" ")
        if char in "()[],=+-*/:" and choice == 3:
            out.insert(-1, " ")
    return "".join(out)


@SETTINGS
@given(
    st.tuples(st.one_of(TARGETS, st.just("return")), values()),
    st.lists(st.integers(min_value=0, max_value=3), max_size=12),
    st.booleans(),
)
def test_every_statement_spaced_otherwise_is_spelled_with_black_s_spaces(
    statement, choices, strings
):
    target, value = statement
    code = f"return {value}\n" if target == "return" else f"{target} = {value}\n"
    _holds(_respaced(code, choices), True, strings)


def _holds(code: str, commas: bool, strings: bool) -> None:
    for width in WIDTHS:
        spelled = black_spelling(code, width, strings)
        if spelled is not None:
            mode = black.Mode(
                line_length=width,
                magic_trailing_comma=commas,
                string_normalization=strings,
            )
            assert black.format_str(code, mode=mode) == spelled, width


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.one_of(TARGETS, st.just("return")),
            st.one_of(chains(values(1)), chains(LEAVES), values()),
        ),
        min_size=1,
        max_size=2,
    ),
    st.lists(st.integers(min_value=1, max_value=12), max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_every_long_statement_spelled_is_spelled_as_black_splits_it(
    statements, breaks, commas, strings
):
    code = "".join(
        f"return {value}\n" if target == "return" else f"{target} = {value}\n"
        for target, value in statements
    )
    _holds(_broken(code, breaks), commas, strings)


def test_a_call_chain_whose_head_fits_is_split_at_its_last_call():
    code = (
        "x = tf.keras.layers.Dense(100,\n"
        '        activation="swish",\n'
        '        kernel_initializer="he_normal")(x)\n'
    )
    assert black_spelling(code, 84) == (
        'x = tf.keras.layers.Dense(100, activation="swish", '
        'kernel_initializer="he_normal")(\n'
        "    x\n"
        ")\n"
    )


def test_a_call_chain_whose_head_is_long_is_split_at_an_earlier_call():
    code = (
        'x = tf.keras.layers.Dense(100, activation="selu",\n'
        '        kernel_initializer="lecun_normal")(x)\n'
    )
    assert black_spelling(code, 84) == (
        "x = tf.keras.layers.Dense(\n"
        '    100, activation="selu", kernel_initializer="lecun_normal"\n'
        ")(x)\n"
    )


def test_arguments_too_long_for_a_line_go_one_a_line_with_a_trailing_comma():
    code = (
        'x_1 = hub.KerasLayer("https://tfhub.dev/google/universal-sentence-encoder/4",'
        "\n        trainable=True, dtype=tf.string, input_shape=[])(inputs_1)\n"
    )
    assert black_spelling(code, 88) == (
        "x_1 = hub.KerasLayer(\n"
        '    "https://tfhub.dev/google/universal-sentence-encoder/4",\n'
        "    trainable=True,\n"
        "    dtype=tf.string,\n"
        "    input_shape=[],\n"
        ")(inputs_1)\n"
    )


def test_a_single_quoted_string_is_spelled_in_double_quotes_where_black_would():
    code = "x = layers.Dense(512, activation='relu')(inputs)\n"
    assert black_spelling(code, 88, strings=True) == code.replace("'", '"')
    assert black_spelling(code, 88, strings=False) is None


def test_operators_and_commas_are_spelled_with_black_s_spaces():
    code = "x = layers.Dense(7*7*256, activation = 'relu')(x)[1 : -1]\n"
    assert black_spelling(code, 88, strings=True) == (
        'x = layers.Dense(7 * 7 * 256, activation="relu")(x)[1:-1]\n'
    )


def test_a_slice_is_spelled_with_its_colons_hugged():
    code = "inputs_1 = tf.keras.Input(shape=X_train.shape[1:])\n"
    assert black_spelling(code, 88) == code


@pytest.mark.parametrize(
    "code",
    [
        "x = " + "f(aaaa)" * 20 + "\n",  # the head never fits
        "x = [" + ", ".join(["aaaaaaaa"] * 12) + "](x)\n",  # no dotted callee
        "x = f(" + "a" * 90 + ")\n",  # one argument longer than a line
        "x = f(g(" + ", ".join(["aaaaaaaa"] * 12) + "))\n",  # a nested split
        "x = f(" + ", ".join(["aaaaaaaa"] * 12) + ").y\n",  # an attribute after
        "x = f()(" + ", ".join(["aaaaaaaa"] * 12) + ")\n",  # an empty call
        "x = f(" + ", ".join(["aaaaaaaa"] * 12) + ")  # c\n",  # a comment
    ],
)
def test_a_long_statement_of_any_other_shape_is_left_to_black(code):
    assert black_spelling(code, 88) is None
