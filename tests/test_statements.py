"""A rewrite's block is given to black statement by statement only where black
formats each statement alike alone and within the block."""

from __future__ import annotations

import black
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seq2func.writing.formatting import BlackSettings, format_statements
from seq2func.writing.statements import statement_by_statement
from test_canonical import NAMES, SETTINGS, _broken, expressions

# Statements black spells otherwise than they are written, or that read
# across statements (blank lines, imports, versions of Python, docstrings).
OTHERS = st.sampled_from(
    [
        "x = f(a,)",
        "x = f( a )  # a comment",
        "x = 'single'",
        "x = " + "f(aaaa) + " * 12 + "1",
        "import os",
        "from a import (b)",
        "def f(): return 1",
        "@d\ndef f():\n    pass",
        "class A: pass",
        '"""A docstring."""',
        "x = f(*args, " + "a=1, " * 20 + "b=2)",
        "x = f(**kw, " + "a=1, " * 20 + "b=2)",
        "y = (z := 1)",
        "x = f'{a}'",
        "x = 1_000",
        "x += 1",
        "x: int = f( 1 )",
        "f( x )",
        "# a comment",
        "    # an indented comment",
        "",
        "# fmt: off",
        "# fmt: on",
        "a = 1; b = f( 2 )",
        "if x: y = 1",
        "with a as b: pass",
        "return f( x )",
        "del x",
    ]
)


def _block(statements, breaks: list[int]) -> str:
    known = "".join(f"{name} = {value}\n" for name, value in statements[0])
    lines = known.split("\n")[:-1]
    for at, other in statements[1]:
        lines.insert(min(at, len(lines)), other)
    return _broken("\n".join(lines) + "\n", breaks)


@SETTINGS
@given(
    st.tuples(
        st.lists(st.tuples(NAMES, expressions()), min_size=1, max_size=4),
        st.lists(st.tuples(st.integers(0, 4), OTHERS), min_size=1, max_size=3),
    ),
    st.lists(st.integers(min_value=1, max_value=8), max_size=3),
    st.sampled_from([88, 40]),
    st.booleans(),
)
def test_a_block_formatted_statement_by_statement_is_black_s_whole(
    statements, breaks, width, commas
):
    code = _block(statements, breaks)
    mode = black.Mode(line_length=width, magic_trailing_comma=commas)
    try:
        expected = black.format_str(code, mode=mode)
    except Exception:
        return
    settings = BlackSettings(line_length=width, magic_trailing_comma=commas)
    assert format_statements(code, settings, 0) == expected


KNOWN = 'x = layers.Dense(10, activation="relu")(x)\n'


def test_a_block_of_known_and_unknown_statements_is_cut_between_them():
    parts = statement_by_statement(KNOWN + "y = f( x )\n", 88)
    assert parts == [(KNOWN, KNOWN), ("y = f( x )\n", None)]


def test_comment_lines_go_with_the_statement_after_them():
    parts = statement_by_statement(KNOWN + "# why\ny = f( x )\n", 88)
    assert parts is not None and parts[1][0] == "# why\ny = f( x )\n"


@pytest.mark.parametrize(
    "other",
    [
        "import os",  # black puts a blank line after an import
        "",  # a blank line black keeps or drops by what surrounds it
        '"""text"""',  # a module docstring, first in a block
        "# fmt: off",
        "y = f(*args)",  # whether a trailing comma may follow *args
        "if x: y = 1",
        "a = 1; b = 2",
    ],
)
def test_a_block_black_reads_across_is_formatted_whole(other):
    assert statement_by_statement(KNOWN + other + "\n", 88) is None


def test_a_block_with_no_known_statement_is_formatted_whole():
    assert statement_by_statement("y = f( x )\nz = g( y )\n", 88) is None


def test_a_block_with_a_carriage_return_is_formatted_whole():
    assert statement_by_statement(KNOWN + "y = f( x )\r\n", 88) is None
