"""Runtime facts: what `seq2func trace` recorded for a site, asked by its position in the analysed source.

A record belongs to a unit as it was when traced: a `.py` file's whole text,
or a notebook cell as the notebook holds it, and the position of the
`Sequential(` call in that unit. The converter analyses a file (perhaps
narrowed, positions unchanged) or the joined cells of a notebook, so a
`SiteTraces` maps the position it sees to the unit and position the store
knows. Opening the store never imports Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..trace.lookup import StaleTrace, TraceIndex, TracedInput, VaryingInput

Found = TracedInput | VaryingInput | StaleTrace
# (line, column) in the analysed source -> (unit text, line, column, cell) in the store's terms.
Locator = Callable[[int, int], tuple[str, int, int, int | None] | None]


@dataclass(frozen=True)
class SiteTraces:
    """The trace store as one analysed source sees it."""

    index: TraceIndex
    path: str | None
    locate: Locator

    @classmethod
    def for_file(cls, index: TraceIndex, text: str, path: str | None) -> SiteTraces:
        """A `.py` file: the unit is the whole file; narrowing keeps every position."""
        return cls(index, path, lambda line, column: (text, line, column, None))

    def lookup(self, line: int, column: int) -> Found | None:
        where = self.locate(line, column)
        if where is None:
            return None
        unit, unit_line, unit_column, cell = where
        return self.index.lookup(unit, unit_line, unit_column, self.path, cell=cell)
