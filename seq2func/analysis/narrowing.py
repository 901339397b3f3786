"""Narrowing a file to the statements a conversion can read or change.

Most of a large file has nothing to do with its models. LibCST's parse and
metadata cost grows with every statement, while Python's own parser is an
order of magnitude cheaper, so `narrow` reads the file with `ast`, keeps the
statements the conversion may depend on (top-level ones, and the statements of
a top-level class one by one), and stands one string literal spanning the same
lines in for the rest (a few nodes for LibCST however long the
statements). Lines and columns stay where they were, so every position the
conversion reports holds for the real file. `Narrowed.splice`
puts the blanked statements back around the converted code, and refuses
(returns None) whenever the conversion touched a blanked line, in which case
the caller converts the whole file instead.

Blanked statements in a row, with the comments between them, become one
placeholder statement (each still marked on its own first line), and the
module's first statement always its own: the leading import block ends
where it ended, and new imports land where they would have. Which
statements are kept is `keeping.Keeping`'s to say: the imports, what names Sequential, and what
the conversion's checks can read from there (a model's story, the bindings
of the names they resolve); the facts it reads of each statement come from
`facts.Facts`. Names local to a function are resolved the way Python does,
so `model` as a parameter elsewhere does not keep an unrelated function.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property

from .facts import Facts
from .names import identifiers, module_binds
from .keeping import Keeping

_WORD = re.compile(r"\w+")
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

    def has_name(self, name: str) -> bool:
        """Whether `name` is a variable name of the whole file, blanked statements
        included (`names.identifiers`): asked when a rewrite needs a new name.

        Only the statements that spell the word are walked.
        """
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = any(
                name in words and name in identifiers(statement)
                for statement, words in self._statement_words
            )
        return found

    @cached_property
    def _statement_words(self) -> list[tuple[ast.stmt, frozenset[str]]]:
        found = []
        for statement in self.tree.body:
            start, end = _span([statement])
            text = "".join(self.original_lines[start:end])
            found.append((statement, frozenset(_WORD.findall(text))))
        return found

    @cached_property
    def _found(self) -> dict[str, bool]:
        return {}

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


@dataclass(frozen=True)
class _Unit:
    """What is kept or blanked as a whole: a top-level statement, a class's header, or one
    statement of a top-level class's body."""

    statements: tuple[ast.stmt, ...]
    start: int  # 0-based first line
    end: int  # 0-based line after the last (for a header, the line its body starts on)
    # Set for a header: the class, or the compound statement whose clauses
    # it is (its blocks' statements are units of their own).
    header_of: ast.stmt | None = None
    parent: int | None = None  # the header unit of a statement in a block
    class_end: int = 0  # for a header, the line after the statement's last
    in_class: bool = False  # a statement of a class's body

    def facts(self) -> Facts:
        if isinstance(self.header_of, ast.ClassDef):
            return Facts.of_header(self.header_of)
        if self.header_of is not None:
            return Facts.of_clauses(self.header_of)
        return Facts.of(self.statements, in_class=self.in_class)


def narrow(source: str) -> Narrowed | None:
    """The file with its irrelevant statements blanked, or None to convert it whole."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # the whole-file path reports the error the way LibCST sees it
    lines = _LINE.findall(source)
    groups = _line_groups(tree.body)
    if len(groups) < 3 and not any(isinstance(g[0], ast.ClassDef) for g in groups):
        return None
    units = _units(groups, lines)
    texts = _texts(units, lines)

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
    )
    keeping.keep_imports(first=_places_imports(groups[0]), head=_import_block(units))
    mentions_sequential = keeping.seed()
    if mentions_sequential:
        keeping.grow()
    narrowed, elided = _blanked(lines, units, keeping.kept)
    if len(elided) < _WORTH_IT:
        return None
    return Narrowed(
        source="".join(narrowed),
        original_lines=tuple(lines),
        lines=tuple(narrowed),
        elided=frozenset(elided),
        mentions_sequential=mentions_sequential,
        tree=tree,
    )


def _blanked(
    lines: list[str], units: list[_Unit], kept: list[bool]
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


def _runs(lines: list[str], units: list[_Unit], kept: list[bool]) -> list[_Run]:
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


def _take_comments(runs: list[_Run], lines: list[str], units: list[_Unit]) -> None:
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
    after_imports = _import_block(units)
    for run in runs:
        if run.parent is not None or run.first == 0:
            continue
        at = top.index(run.first)
        if run.first != after_imports:
            start = _end(units[top[at - 1]])
            while run.start > start and "Sequential" not in lines[run.start - 1]:
                run.start -= 1
        last = max(i for i in run.starts.values() if units[i].parent is None)
        following = top.index(last) + 1
        if following < len(top) and not _imports(units[top[following]]):
            end = units[top[following]].start
            while run.end < end and "Sequential" not in lines[run.end]:
                run.end += 1


def _imports(unit: _Unit) -> bool:
    return all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in unit.statements)


def _end(unit: _Unit) -> int:
    return unit.class_end if unit.header_of is not None else unit.end


def _units(groups: list[list[ast.stmt]], lines: list[str]) -> list[_Unit]:
    """The units of the file, in order.

    A top-level class is a header unit followed by one unit per statement of
    its body; a class not kept at all is blanked as one unit, its header's.
    So is a compound statement at module level (`for`, `while`, `with`,
    `try`, an `if` without `elif`) that holds nothing a model is built or
    read by there (see `_SPLIT_NOT`), block by block, at any depth: its
    blocks are the module's scope too.
    """
    units: list[_Unit] = []
    for group in groups:
        _add(units, group, lines, None, False)
    return units


def _add(
    units: list[_Unit],
    group: list[ast.stmt],
    lines: list[str],
    parent: int | None,
    in_class: bool,
) -> None:
    start, end = _span(group)
    head = group[0]
    # Only a top-level class is read statement by statement, as before.
    split = len(group) == 1 and (parent is None or not isinstance(head, ast.ClassDef))
    blocks = _blocks(head, lines, start, end) if split else []
    first = next((block[0] for block in blocks if block), None)
    if first is None:
        units.append(_Unit(tuple(group), start, end, parent=parent, in_class=in_class))
        return
    header = len(units)
    units.append(
        _Unit(
            tuple(group),
            start,
            _span(first)[0],
            header_of=head,
            parent=parent,
            class_end=end,
            in_class=in_class,
        )
    )
    members_in_class = isinstance(head, ast.ClassDef)
    for block in blocks:
        for member in block:
            if members_in_class:
                body_start, body_end = _span(member)
                units.append(
                    _Unit(
                        tuple(member),
                        body_start,
                        body_end,
                        parent=header,
                        in_class=True,
                    )
                )
            else:
                _add(units, member, lines, header, False)


def _blocks(
    head: ast.stmt, lines: list[str], start: int, end: int
) -> list[list[list[ast.stmt]]]:
    """The blocks of a statement whose statements may be units of their own, as
    line groups; none when the statement is kept or blanked whole."""
    if isinstance(head, ast.ClassDef):
        blocks = [head.body]
    elif isinstance(head, _SPLIT_KINDS) and not _elif(head, lines):
        if _SPLIT_NOT.search("".join(lines[start:end])):
            return []
        blocks = [
            getattr(head, name, []) for name in ("body", "orelse", "finalbody")
        ] + [handler.body for handler in getattr(head, "handlers", ())]
    else:
        return []
    grouped = [_line_groups(block) for block in blocks if block]
    for block in grouped:
        for group in block:
            first_line = lines[_span(group)[0]]
            # A block on its clause's line (`for x in y: f(x)`) is no unit.
            if _indentation(first_line) != _column(group[0], first_line):
                return []
    return grouped


def _elif(node: ast.stmt, lines: list[str]) -> bool:
    """An `if` continued by `elif` (its else-block is that `if`, on the clause's line)."""
    orelse = getattr(node, "orelse", [])
    return (
        isinstance(node, ast.If)
        and len(orelse) == 1
        and isinstance(orelse[0], ast.If)
        and lines[orelse[0].lineno - 1].lstrip().startswith("elif")
    )


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip())


def _column(statement: ast.stmt, first_line: str) -> int:
    """Where the statement's first line starts: its decorator's `@`, or itself."""
    if getattr(statement, "decorator_list", None):
        return _indentation(first_line) if first_line.lstrip().startswith("@") else -1
    return statement.col_offset


def _texts(units: list[_Unit], lines: list[str]) -> list[str]:
    """Each unit's lines; a compound statement's clauses without its blocks."""
    texts = []
    for index, unit in enumerate(units):
        if unit.header_of is None or isinstance(unit.header_of, ast.ClassDef):
            texts.append("".join(lines[unit.start : unit.end]))
            continue
        inside: set[int] = set()
        for member in units[index + 1 :]:
            if member.start >= unit.class_end:
                break
            if member.parent == index:
                inside.update(range(member.start, _end(member)))
        texts.append(
            "".join(
                lines[line]
                for line in range(unit.start, unit.class_end)
                if line not in inside
            )
        )
    return texts


def _between(line: str) -> bool:
    """A line between two statements a run may take in: blank or a comment, not
    one naming Sequential (the checks that search text see it as the whole
    file shows it)."""
    stripped = line.strip()
    return (not stripped or stripped.startswith("#")) and "Sequential" not in line


_SPLIT_KINDS = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.If,
) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
# What keeps a compound statement whole: where a model may be built, completed,
# or read for its layers, the planner reads the blocks around it too (a `for`
# over `model.layers` is read for what its body does with each layer).
_SPLIT_NOT = re.compile(
    r"Sequential|InputLayer"
    r"|\.\s*(?:add|pop|build|layers|get_layer|save|to_json|to_yaml|get_config|export|_\w*)\b"
)


def _ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return ""


def _line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements that share a line (`a = 1; b = 2`) stand or fall together."""
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if groups and groups[-1][-1].end_lineno >= statement.lineno:
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups


def _span(group: list[ast.stmt]) -> tuple[int, int]:
    """0-based [start, end) lines of a group, decorators included."""
    first = group[0]
    start = min(
        [first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))]
    )
    return start - 1, max(s.end_lineno or s.lineno for s in group)


def _import_block(units: list[_Unit]) -> int:
    """Where the leading import block ends: the first unit after the first that
    is not all imports (`convert._fix_imports` reads the block so)."""
    for index, unit in enumerate(units[1:], 1):
        if not _imports(unit):
            return index
    return len(units)


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
