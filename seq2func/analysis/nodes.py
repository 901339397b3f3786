"""Stateless predicates and readers over single nodes, in the spirit of black's `nodes.py`.

Nothing here knows about a module, its parents or its scopes: each function
reads the node it is given and answers. Facts that need the tree live in
`analysis.index`.
"""

from __future__ import annotations

import ast
from typing import Final

import libcst as cst
from libcst.metadata import CodeRange
from libcst.metadata.base_provider import LazyValue

# Nodes whose body runs later than the statement that holds them: a use in
# one may happen at any time, or never.
DEFERRED: Final = (cst.FunctionDef, cst.Lambda, cst.ClassDef)

AST_COMPOUND: Final = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
)


class NotLiteral:
    """The bound of a slice that is not an integer literal (`x[:n]`)."""


NOT_LITERAL: Final = NotLiteral()


def lazy_value(value):
    """LibCST computes some metadata lazily; this reads the value either way."""
    return value() if isinstance(value, LazyValue) else value


def int_literal(node: cst.BaseExpression) -> int | None:
    """The value of `3` or `-3`; None for anything else."""
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.evaluated_value)
    return None


def slice_bound(node: cst.BaseExpression | None) -> int | None | NotLiteral:
    """A slice bound: None when absent, its integer, or NOT_LITERAL."""
    if node is None:
        return None
    value = int_literal(node)
    return NOT_LITERAL if value is None else value


def kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    """The `name=` argument of a call."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star(call: cst.Call) -> bool:
    """Whether a call unpacks arguments (`*args`, `**kwargs`): its keywords cannot be read."""
    return any(arg.star for arg in call.args)


def inside(where, code_range: CodeRange) -> bool:
    """Whether a position lies in a range, the end excluded."""
    point = (where.line, where.column)
    return (
        (code_range.start.line, code_range.start.column)
        <= point
        < (
            code_range.end.line,
            code_range.end.column,
        )
    )


def dotted(node: cst.BaseExpression) -> str:
    """`a.b.c` for a chain of names; ValueError for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    raise ValueError("not a dotted name")


def is_docstring_line(statement: cst.BaseStatement) -> bool:
    """A line that is only a string: a docstring where it comes first."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(
            statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
        )
    )


def line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Python's statements grouped as LibCST groups them: `a = 1; b = 2` is one line.

    Statements that share a line stand or fall together; a compound statement
    never shares its first line with the statement before it.
    """
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if (
            groups
            and groups[-1][-1].end_lineno >= statement.lineno
            and not isinstance(statement, AST_COMPOUND)
        ):
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups
