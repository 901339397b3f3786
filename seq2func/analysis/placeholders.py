"""The placeholders narrowing stands in for the statements it blanks.

Consecutive blanked units, with the comments and blank lines between and
around them, become one string literal spanning the same lines (an
Ellipsis first in the file, where a string would be the module's
docstring): a few nodes for LibCST however long the statements, and every
line where it was. Each blanked statement is marked on its own first line.
"""

from __future__ import annotations

from dataclasses import dataclass

from .units import Unit, import_block, imports, span_end


def blanked(
    lines: list[str], units: list[Unit], kept: list[bool]
) -> tuple[list[str], set[int]]:
    """The lines with every unit not kept blanked, and the indexes of the blanked lines.

    Consecutive blanked units, with the comments and blank lines between
    them, become one placeholder: fewer nodes for LibCST, the same lines.
    Each unit still starts a line of its own in it.
    """
    elided: set[int] = set()
    narrowed = list(lines)
    runs = _runs(lines, units, kept)
    _take_comments(runs, lines, units)
    for run in runs:
        elided.update(range(run.start, run.end))
        for line in range(run.start, run.end):
            narrowed[line] = run.text(line) + _ending(lines[line])
    return narrowed, elided


@dataclass
class _Run:
    """Blanked units in a row, under one parent (None: the module)."""

    first: int  # the first unit's index
    parent: int | None
    start: int
    end: int
    indent: str
    starts: dict[int, int]  # line -> index of the unit starting on it
    units_end: int = 0  # the line after the last unit, comments around them aside

    def text(self, line: int) -> str:
        """The placeholder's line: each blanked statement marked once, the first
        on the run's first line."""
        offset = f"~{self.first}~{line - self.start}"
        marked = self.starts.get(line) if line != self.first_start else None
        if self.first == 0:
            # First in the file a string would be the module's docstring,
            # which moves where imports go: an Ellipsis it is.
            text = "(..." if line == self.start else ""
            text += ")" if line == self.end - 1 else ""
            mark = "~seq2func" if line < self.units_end else ""
            return text + f"  # {mark}{offset}"
        if line == self.start:
            text = f'{self.indent}"""~seq2func~{self.first}'
        elif marked is not None:
            text = f"~seq2func~{marked}"
        else:
            text = offset
        return text + ('"""' if line == self.end - 1 else "")

    @property
    def first_start(self) -> int:
        return min(self.starts)


def _runs(lines: list[str], units: list[Unit], kept: list[bool]) -> list[_Run]:
    """The runs of blanked units. A comment naming Sequential between two stays
    in sight, as the whole file's text shows it to the checks that search text."""
    runs: list[_Run] = []
    run: _Run | None = None
    for index, unit in enumerate(units):
        if unit.parent is not None and not kept[unit.parent]:
            continue  # blanked with its class
        if kept[index]:
            run = None
            continue
        end = unit.class_end if unit.header_of is not None else unit.end
        if (
            run is not None
            and run.first != 0  # the import edits read the module's first statement
            and run.parent == unit.parent
            and all(_between(lines[i]) for i in range(run.end, unit.start))
        ):
            run.end = run.units_end = end
            run.starts[unit.start] = index
            continue
        first = lines[unit.start]
        indent = (
            "" if unit.parent is None else first[: len(first) - len(first.lstrip())]
        )
        run = _Run(
            index, unit.parent, unit.start, end, indent, {unit.start: index}, end
        )
        runs.append(run)
    return runs


def _take_comments(runs: list[_Run], lines: list[str], units: list[Unit]) -> None:
    """Widen the module's runs over the comments and blank lines around them.

    LibCST keeps each such line as a node of the statement after it; in a
    placeholder it costs nothing. Not where the import edits read a
    statement's own lines: around the module's first statement, before the
    first statement past the import block (it gets a blank line if it has
    none), before an import (one removed takes its comments with it); nor
    after the last statement (the footer, which they do not search), nor a
    line naming Sequential.
    """
    top = [index for index, unit in enumerate(units) if unit.parent is None]
    after_imports = import_block(units)
    for run in runs:
        if run.parent is not None or run.first == 0:
            continue
        at = top.index(run.first)
        if run.first != after_imports:
            start = span_end(units[top[at - 1]])
            while run.start > start and "Sequential" not in lines[run.start - 1]:
                run.start -= 1
        last = max(i for i in run.starts.values() if units[i].parent is None)
        following = top.index(last) + 1
        if following < len(top) and not imports(units[top[following]]):
            end = units[top[following]].start
            while run.end < end and "Sequential" not in lines[run.end]:
                run.end += 1


def _between(line: str) -> bool:
    """A line between two statements a run may take in: blank or a comment, not
    one naming Sequential (the checks that search text see it as the whole
    file shows it)."""
    stripped = line.strip()
    return (not stripped or stripped.startswith("#")) and "Sequential" not in line


def _ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return ""
