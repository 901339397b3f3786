"""The units narrowing keeps or blanks whole, found with Python's own parser.

A unit is a top-level statement (statements sharing a line are one), a
class's header, or one statement of a top-level class's body; or, at module
level, a compound statement's clauses and one statement of its blocks (see
`units_of`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .facts import Facts


@dataclass(frozen=True)
class Unit:
    """What is kept or blanked as a whole: a top-level statement, a header (a
    class's, or a compound statement's clauses), or one statement of a block."""

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


def units_of(groups: list[list[ast.stmt]], lines: list[str]) -> list[Unit]:
    """The units of the file, in order.

    A top-level class is a header unit followed by one unit per statement of
    its body; a class not kept at all is blanked as one unit, its header's.
    So is a compound statement at module level (`for`, `while`, `with`,
    `try`, an `if` without `elif`) that holds nothing a model is built or
    read by there (see `_SPLIT_NOT`), block by block, at any depth: its
    blocks are the module's scope too.
    """
    units: list[Unit] = []
    for group in groups:
        _add(units, group, lines, None, False)
    return units


def _add(
    units: list[Unit],
    group: list[ast.stmt],
    lines: list[str],
    parent: int | None,
    in_class: bool,
) -> None:
    start, end = span(group)
    head = group[0]
    # Only a top-level class is read statement by statement, as before.
    split = len(group) == 1 and (parent is None or not isinstance(head, ast.ClassDef))
    blocks = _blocks(head, lines, start, end) if split else []
    first = next((block[0] for block in blocks if block), None)
    if first is None:
        units.append(Unit(tuple(group), start, end, parent=parent, in_class=in_class))
        return
    header = len(units)
    units.append(
        Unit(
            tuple(group),
            start,
            span(first)[0],
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
                body_start, body_end = span(member)
                units.append(
                    Unit(
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
    grouped = [line_groups(block) for block in blocks if block]
    for block in grouped:
        for group in block:
            first_line = lines[span(group)[0]]
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


def texts_of(units: list[Unit], lines: list[str]) -> list[str]:
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
                inside.update(range(member.start, span_end(member)))
        texts.append(
            "".join(
                lines[line]
                for line in range(unit.start, unit.class_end)
                if line not in inside
            )
        )
    return texts


def imports(unit: Unit) -> bool:
    return all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in unit.statements)


def span_end(unit: Unit) -> int:
    return unit.class_end if unit.header_of is not None else unit.end


def line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements that share a line (`a = 1; b = 2`) stand or fall together."""
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if groups and groups[-1][-1].end_lineno >= statement.lineno:
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups


def span(group: list[ast.stmt]) -> tuple[int, int]:
    """0-based [start, end) lines of a group, decorators included."""
    first = group[0]
    start = min(
        [first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))]
    )
    return start - 1, max(s.end_lineno or s.lineno for s in group)


def import_block(units: list[Unit]) -> int:
    """Where the leading import block ends: the first top-level unit after the
    first that is not all imports (`convert._fix_imports` reads the block so)."""
    top = [index for index, unit in enumerate(units) if unit.parent is None]
    for index in top[1:]:
        if not imports(units[index]):
            return index
    return len(units)


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
