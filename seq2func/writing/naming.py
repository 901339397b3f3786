"""Choosing helper names (`inputs`, `x`, `outputs`) that rebind nothing the program uses."""

from __future__ import annotations

from collections.abc import Container

import libcst as cst


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def names_in(module: cst.Module) -> frozenset[str]:
    """Every identifier the module mentions, in any scope.

    Module-wide rather than per scope on purpose: a function may read a global
    `x`, and assigning a module-level `x` would change what it reads.
    """
    collector = _NameCollector()
    module.visit(collector)
    return frozenset(collector.names)


def fresh(base: str, taken: Container[str]) -> str:
    if base not in taken:
        return base
    n = 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"
