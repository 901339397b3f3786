"""Narrowing a file to the statements a conversion can read or change.

Most of a large file has nothing to do with its models. LibCST's parse and
metadata cost grows with every statement, while Python's own parser is an
order of magnitude cheaper, so `narrow` reads the file with `ast`, keeps the
units the conversion may depend on (see `units.units_of`: top-level
statements, the statements of a top-level class, of a module-level block),
and stands one string literal spanning the same lines in for the rest (a
few nodes for LibCST however long the statements). Lines and columns stay
where they were, so every position the conversion reports holds for the
real file. `Narrowed.splice` puts the blanked statements back around the
converted code, and refuses (returns None) whenever the conversion touched
a blanked line, in which case the caller converts the whole file instead.

Blanked statements in a row, with the comments between and around them,
become one placeholder statement (`placeholders.py`; each still marked on
its own first line), and the module's first statement always its own: the
leading import block ends where it ended, and new imports land where they
would have. Which
units are kept is `keeping.Keeping`'s to say: the import block and imports
that may bind Keras names, what names Sequential, and what the
conversion's checks can read from there (a model's story, its copies, the
bindings of the names they resolve).
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from .facts import Facts
from .keeping import Keeping
from .names import identifiers, module_binds
from .placeholders import blanked
from .units import (
    Unit,
    import_block,
    line_groups,
    span,
    texts_of,
    units_of,
)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# Below this many blanked lines the saving does not pay for the bookkeeping.
_WORTH_IT = 8


@dataclass(frozen=True)
class Narrowed:
    """A file with the statements that cannot matter blanked out, line for line."""

    source: str
    original_lines: tuple[str, ...]
    lines: tuple[str, ...]
    elided: frozenset[int]  # 0-based indexes of blanked lines
    mentions_sequential: (
        bool  # False: no statement names Sequential or InputLayer, so no site exists
    )
    tree: ast.Module = field(repr=False, compare=False)
    # The units and which of them stand blanked, for `may_bind_elided`.
    units: tuple[Unit, ...] = field(default=(), repr=False, compare=False)
    kept: tuple[bool, ...] = field(default=(), repr=False, compare=False)
    # Each unit's facts, read once (`keeping.Keeping.facts`).
    facts_of: Callable[[int], Facts] | None = field(
        default=None, repr=False, compare=False
    )

    def has_name(self, name: str) -> bool:
        """Whether `name` is a variable name of the whole file, blanked statements
        included (`names.identifiers`): asked when a rewrite needs a new name.

        Only the statements that spell the word are walked.
        """
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = name in self._words and any(
                name in identifiers(statement)
                for statement in self._statements_spelling(name)
            )
        return found

    @cached_property
    def _words(self) -> frozenset[str]:
        """Every word the file spells: most names a rewrite asks about are not
        one, and one pass over the text answers them all."""
        return frozenset(re.findall(r"\w+", self._text))

    def _statements_spelling(self, name: str) -> list[ast.stmt]:
        """The top-level statements whose lines spell `name` as a word, in order."""
        offsets = self._line_offsets
        lines = {
            bisect.bisect_right(offsets, match.start())
            for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", self._text)
        }
        at_line = self._statements_at_line
        found = sorted({at for line in lines for at in at_line[line]})
        return [self.tree.body[at] for at in found]

    @cached_property
    def _statements_at_line(self) -> list[tuple[int, ...]]:
        """Per 0-based line, the top-level statements whose lines hold it: one
        may end where the next starts, several may share it (`a = 1; b = 2`),
        and a statement's lines start at its first decorator."""
        at_line: list[list[int]] = [[] for _ in self.original_lines]
        for at, statement in enumerate(self.tree.body):
            start, end = span([statement])
            for line in range(start, min(end, len(at_line))):
                at_line[line].append(at)
        return [tuple(ats) for ats in at_line]

    @cached_property
    def _text(self) -> str:
        return "".join(self.original_lines)

    @cached_property
    def _line_offsets(self) -> list[int]:
        """Where each line starts in the file, and where the file ends."""
        return list(
            itertools.accumulate((len(line) for line in self.original_lines), initial=0)
        )[1:]

    @cached_property
    def _found(self) -> dict[str, bool]:
        return {}

    def may_bind_elided(self, name: str) -> bool:
        """Whether a blanked statement may bind `name`, in any scope
        (`Facts.stores`, `Facts.binds`): a blanked class counts with all its body.

        Only the blanked units whose lines spell the word are walked, with the
        facts narrowing already read of them where it read any.
        """
        found = self._bound_elided.get(name)
        if found is None:
            found = self._bound_elided[name] = self._binds_elided(name)
        return found

    def _binds_elided(self, name: str) -> bool:
        return any(
            name in facts().stores or name in facts().binds
            for _, _, facts in self._blanked_spelling(name)
        )

    @cached_property
    def _bound_elided(self) -> dict[str, bool]:
        return {}

    def may_read_elided_between(self, name: str, first: int, last: int) -> bool:
        """Whether a blanked statement may mention `name` and run between lines
        `first` and `last` (1-based) of the module's flow: one on those lines,
        or one above them whose function, lambda or class reads the name
        (`Facts.deferred`: code that may run at any time)."""
        for unit, end, facts in self._blanked_spelling(name):
            if unit.start >= last:
                break
            if end >= first or name in facts().deferred:
                return True
        return False

    def _blanked_spelling(
        self, name: str
    ) -> Iterator[tuple[Unit, int, Callable[[], Facts]]]:
        """The blanked units whose lines spell `name`, in order, each with the
        0-based line after its last (a header's whole statement: its clauses,
        `except ... as name`, run past its first block) and its facts, read
        when asked: a blanked class's with all its body, else those narrowing
        already read of it where it read any."""
        word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        for position, (unit, kept) in enumerate(zip(self.units, self.kept)):
            if kept:
                continue
            header = unit.header_of
            end = unit.end if header is None else header.end_lineno or unit.end
            if word.search("".join(self.original_lines[unit.start : end])):
                yield unit, end, functools.partial(self._unit_facts, position)

    def _unit_facts(self, position: int) -> Facts:
        unit = self.units[position]
        if isinstance(unit.header_of, ast.ClassDef):
            return Facts.of([unit.header_of])
        if self.facts_of is not None:
            return self.facts_of(position)
        return unit.facts()

    @property
    def elided_text(self) -> str:
        """The blanked lines as the file has them, for checks that search text."""
        return "".join(
            line
            for index, line in enumerate(self.original_lines)
            if index in self.elided
        )

    def splice(self, converted: str) -> str | None:
        """The whole file with the conversion's edits, or None if they touched a blanked line."""
        out = _LINE.findall(converted)
        matcher = difflib.SequenceMatcher(None, self.lines, out, autojunk=False)
        pieces: list[str] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pieces.extend(self.original_lines[i1:i2])
                continue
            if any(i in self.elided for i in range(i1, i2)):
                return None
            if tag == "insert" and self._inside_elided(i1):
                return None
            pieces.extend(out[j1:j2])
        return "".join(pieces)

    def _inside_elided(self, index: int) -> bool:
        """An insertion between two blanked lines lands inside a blanked statement."""
        return index - 1 in self.elided and index in self.elided


def narrow(source: str, tree: ast.Module | None = None) -> Narrowed | None:
    """The file with its irrelevant statements blanked, or None to convert it
    whole; `tree` is `ast.parse(source)` when the caller parsed it already."""
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None  # the whole-file path reports the error as LibCST sees it
    lines = _LINE.findall(source)
    groups = line_groups(tree.body)
    if len(groups) < 3 and not any(isinstance(g[0], ast.ClassDef) for g in groups):
        return None
    units = units_of(groups, lines)
    texts = texts_of(units, lines)

    def binds_of(index: int) -> frozenset[str] | None:
        unit = units[index]
        if unit.in_class or unit.header_of is not None:
            return None  # a class or a statement's clauses: the full walk
        return module_binds(unit.statements, texts[index])

    definitions: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        first = unit.statements[0]
        if unit.parent is None and isinstance(first, ast.FunctionDef):
            definitions.setdefault(first.name, []).append(index)
    keeping = Keeping(
        texts,
        lambda index: units[index].facts(),
        binds_of,
        [unit.parent for unit in units],
        definitions,
        constructors={i for i, unit in enumerate(units) if _constructs(unit)},
    )
    keeping.keep_imports(first=_places_imports(groups[0]), head=import_block(units))
    mentions_sequential = keeping.seed()
    if mentions_sequential:
        keeping.grow()
    narrowed, elided = blanked(lines, units, keeping.kept)
    if len(elided) < _WORTH_IT:
        return None
    return Narrowed(
        source="".join(narrowed),
        original_lines=tuple(lines),
        lines=tuple(narrowed),
        elided=frozenset(elided),
        mentions_sequential=mentions_sequential,
        tree=tree,
        units=tuple(units),
        kept=tuple(keeping.kept),
        facts_of=keeping.facts,
    )


def _places_imports(group: list[ast.stmt]) -> bool:
    """A docstring or `__strict__ = ...` first: new imports go after it
    (`writing.imports._skip_first`), so it must be seen as it is."""
    first = group[0]
    if isinstance(first, ast.Assign):
        targets = first.targets
        return (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and targets[0].id == "__strict__"
        )
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


# The methods of a class kept with it: what a custom first layer does with
# `input_shape` is read from `__init__`/`__new__` (planning/custom_layers.py),
# and whether it draws a seed when built from the rest
# (planning/build_time_draws.py).
_READ_METHODS = (
    "__init__",
    "__new__",
    "build",
    "__call__",
    "compute_output_shape",
    "compute_output_spec",
)


def _constructs(unit: Unit) -> bool:
    """A method of a class that the planning steps read (`_READ_METHODS`)."""
    if not unit.in_class:
        return False
    for statement in unit.statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if statement.name in _READ_METHODS:
                return True
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
            )
            if any(isinstance(t, ast.Name) and t.id in _READ_METHODS for t in targets):
                return True
    return False
