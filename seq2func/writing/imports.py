"""The two import edits a conversion makes: add `Input`/`Model`, drop an unused `Sequential`.

They are made exactly as LibCST's `AddImportsVisitor` and
`RemoveImportsVisitor` make them (tests/test_imports.py holds the two side by
side on every import layout the fixtures use), but without those visitors'
setup: each builds matcher tables and runs scope analysis, some 25 to 55 ms a
file even on a two-line import block, which was most of the time a file with a
model took to convert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst

from ..analysis.nodes import dotted


def add_from_imports(
    module: cst.Module, wanted: Iterable[tuple[str, str]]
) -> cst.Module:
    """Ensure `from <module> import <name>` for each pair, merging into the leading imports."""
    start = 1 if _skip_first(module) else 0
    end = start
    while end < len(module.body) and _is_single_import(module.body[end]):
        end += 1
    mapping = _not_imported(module.body[start:end], wanted)
    if not mapping:
        return module
    body = list(module.body)
    _merge_into(body, start, end, mapping)
    if not mapping:
        return module.with_changes(body=body)
    return module.with_changes(body=_with_new_imports(module, body, end, mapping))


def _not_imported(
    leading: Sequence[cst.BaseStatement], wanted: Iterable[tuple[str, str]]
) -> dict[str, set[str]]:
    """The names the leading imports do not bring in yet, by module."""
    mapping: dict[str, set[str]] = {}
    for module_name, name in wanted:
        mapping.setdefault(module_name, set()).add(name)
    for statement in leading:
        node = statement.body[0]  # type: ignore[attr-defined]
        if isinstance(node, cst.ImportFrom):
            imported = _absolute(node)
            if imported in mapping:
                if isinstance(node.names, cst.ImportStar):
                    del mapping[imported]
                else:
                    mapping[imported] -= {
                        a.evaluated_name for a in node.names if a.asname is None
                    }
                    if not mapping[imported]:
                        del mapping[imported]
    return mapping


def _merge_into(
    body: list[cst.BaseStatement], start: int, end: int, mapping: dict[str, set[str]]
) -> None:
    """Add names to the `from` imports of their module in body[start:end], in place;
    the modules merged leave `mapping`."""
    for index in range(start, end):
        node = body[index].body[0]  # type: ignore[attr-defined]
        if not isinstance(node, cst.ImportFrom) or isinstance(
            node.names, cst.ImportStar
        ):
            continue
        imported = _absolute(node)
        if imported not in mapping:
            continue
        added = [
            cst.ImportAlias(name=cst.Name(name))
            for name in sorted(mapping.pop(imported))
        ]
        body[index] = body[index].with_changes(
            body=[node.with_changes(names=[*added, *node.names])]
        )


def _with_new_imports(
    module: cst.Module,
    body: list[cst.BaseStatement],
    end: int,
    mapping: dict[str, set[str]],
) -> list[cst.BaseStatement]:
    """`body` with a new `from` import per module after the leading imports (at `end`)."""
    new = [
        cst.parse_statement(
            f"from {name} import {', '.join(sorted(objects))}",
            config=module.config_for_parsing,
        )
        for name, objects in sorted(mapping.items())
    ]
    after = body[end:]
    if after:
        first = after[0]
        if not first.leading_lines:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(),))
        elif first.leading_lines[0].comment is not None:
            after[0] = first.with_changes(
                leading_lines=(cst.EmptyLine(), *first.leading_lines)
            )
    return [*body[:end], *new, *after]


def remove_from_imports(
    module: cst.Module,
    removals: Sequence[tuple[str, str, str | None]],
    *,
    check_uses: bool,
    elided_text: str = "",
) -> cst.Module:
    """Drop `from <module> import <name> [as <alias>]` for each triple.

    With `check_uses`, a name still written anywhere outside the imports (or
    in `elided_text`, code the module stands in for) is kept: a text search,
    so it errs on the side of keeping an import.
    """
    if not removals:
        return module
    unused = removals
    if check_uses:
        unused = still_unused(module, removals, elided_text)
    if not unused:
        return module
    return module.visit(_RemoveFromImports(unused))


def still_unused(
    module: cst.Module,
    removals: Sequence[tuple[str, str, str | None]],
    elided_text: str = "",
) -> list[tuple[str, str, str | None]]:
    """The removals whose name is written nowhere outside the imports (text search)."""
    code = (
        "".join(module.code_for_node(s) for s in module.body if not is_import_line(s))
        + elided_text
    )
    return [
        r for r in removals if not re.search(rf"\b{re.escape(r[2] or r[1])}\b", code)
    ]


class _RemoveFromImports(cst.CSTTransformer):
    def __init__(self, removals: Sequence[tuple[str, str, str | None]]) -> None:
        super().__init__()
        self.removals: dict[str, set[tuple[str, str | None]]] = {}
        for module_name, name, alias in removals:
            self.removals.setdefault(module_name, set()).add((name, alias))

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        names = original_node.names
        if isinstance(names, cst.ImportStar):
            return updated_node
        targets = self.removals.get(_absolute(updated_node) or "")
        if not targets:
            return updated_node
        updates: dict[str, object] = {}
        keep: list[cst.ImportAlias] = []
        for alias in names:
            if (alias.evaluated_name, alias.evaluated_alias) not in targets:
                keep.append(alias)
                continue
            # The removed name's comma carries the line break and comments that follow it.
            comma = alias.comma
            if isinstance(comma, cst.Comma):
                if keep:
                    previous = keep[-1]
                    if isinstance(previous.comma, cst.Comma):
                        previous = previous.with_deep_changes(
                            previous.comma,
                            whitespace_after=_merge_whitespace(
                                previous.comma.whitespace_after, comma.whitespace_after
                            ),
                        )
                    else:
                        previous = previous.with_changes(comma=comma)
                    keep[-1] = previous
                elif isinstance(updated_node.lpar, cst.LeftParen):
                    updates["lpar"] = updated_node.lpar.with_changes(
                        whitespace_after=_merge_whitespace(
                            updated_node.lpar.whitespace_after, comma.whitespace_after
                        )
                    )
        if keep == list(names):
            return updated_node
        if not keep:
            return cst.RemoveFromParent()
        if keep[-1] is not names[-1]:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=keep, **updates)


def _merge_whitespace(left, right):
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(
        empty_lines=tuple(
            line for line in right.empty_lines if line.comment is not None
        )
    )


def _absolute(node: cst.ImportFrom) -> str | None:
    """The module a `from` import names; None for relative imports, as LibCST has it without a package."""
    if node.relative or node.module is None:
        return None
    return dotted(node.module)


def _is_single_import(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


def is_import_line(statement: cst.BaseStatement) -> bool:
    """A line of imports only (`import a; from b import c` counts)."""
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _skip_first(module: cst.Module) -> bool:
    """A docstring or `__strict__ = ...` first: imports go after it."""
    if not module.body:
        return False
    first = module.body[0]
    if not isinstance(first, cst.SimpleStatementLine) or len(first.body) != 1:
        return False
    small = first.body[0]
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.SimpleString)
    return (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and small.targets[0].target.value == "__strict__"
    )
