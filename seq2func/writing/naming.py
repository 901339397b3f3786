"""Choosing helper names (`inputs`, `x`, `outputs`) that rebind nothing the program uses.

Module-wide rather than per scope on purpose: a function may read a global
`x`, and assigning a module-level `x` would change what it reads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from ..analysis.index import TreeIndex

if TYPE_CHECKING:
    from ..planning.plan import Plan


@dataclass(frozen=True)
class HelperNames:
    """The names one site's rewrite assigns."""

    inputs: str
    x: str
    outputs: str
    base: str = "base_model"
    layer: str = "layer"  # the loop over another model's layers


def fresh(base: str, taken: set[str] | frozenset[str]) -> str:
    """`base`, or `base_1`, `base_2`, ... the first one not taken."""
    if base not in taken:
        return base
    n = 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


class TakenNames:
    """The names a new variable must not rebind, worked out the first time one is asked for.

    Most sites need none: their file already spells Input and Model.
    """

    def __init__(
        self, index: TreeIndex, file_names: Callable[[], frozenset[str]]
    ) -> None:
        self._index = index
        self._file_names = file_names

    @cached_property
    def _names(self) -> frozenset[str]:
        return self._index.variable_names() | self._file_names()

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)


def helper_names(
    plan: Plan, taken: TakenNames, chosen: list[tuple[Plan, HelperNames]]
) -> HelperNames:
    """`inputs`, `x`, `outputs`, unless the program uses them or an overlapping site does."""
    busy = set(taken)
    for other, names in chosen:
        if other.scope_node is plan.scope_node and other.end_line >= plan.line:
            busy.update(dataclasses.astuple(names))
    inputs = fresh("inputs", busy)
    busy.add(inputs)
    x = fresh("x", busy)
    busy.add(x)
    outputs = fresh("outputs", busy)
    busy.add(outputs)
    base = fresh("base_model", busy)
    busy.add(base)
    return HelperNames(
        inputs=inputs, x=x, outputs=outputs, base=base, layer=fresh("layer", busy)
    )
