"""Choosing helper names (`inputs`, `x`, `outputs`) that rebind nothing the program uses.

Module-wide rather than per scope on purpose: a function may read a global
`x`, and assigning a module-level `x` would change what it reads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from collections.abc import Callable, Container
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


def fresh(base: str, taken: Container[str]) -> str:
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

    def __init__(self, index: TreeIndex, file_has_name: Callable[[str], bool]) -> None:
        self._index = index
        self._file_has_name = file_has_name

    @cached_property
    def _names(self) -> frozenset[str]:
        return self._index.variable_names()

    def __contains__(self, name: object) -> bool:
        return name in self._names or (
            isinstance(name, str) and self._file_has_name(name)
        )


class _Busy:
    """The taken names, and the helper names other sites already use."""

    def __init__(self, taken: TakenNames, extra: set[str]) -> None:
        self._taken = taken
        self.extra = extra

    def __contains__(self, name: object) -> bool:
        return name in self.extra or name in self._taken


def helper_names(
    plan: Plan, taken: TakenNames, chosen: list[tuple[Plan, HelperNames]]
) -> HelperNames:
    """`inputs`, `x`, `outputs`, unless the program uses them or an overlapping site does."""
    busy = _Busy(taken, set())
    for other, names in chosen:
        if other.scope_node is plan.scope_node and other.end_line >= plan.line:
            busy.extra.update(dataclasses.astuple(names))
    inputs = fresh("inputs", busy)
    busy.extra.add(inputs)
    x = fresh("x", busy)
    busy.extra.add(x)
    outputs = fresh("outputs", busy)
    busy.extra.add(outputs)
    base = fresh("base_model", busy)
    busy.extra.add(base)
    return HelperNames(
        inputs=inputs, x=x, outputs=outputs, base=base, layer=fresh("layer", busy)
    )
