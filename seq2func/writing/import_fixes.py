"""The imports a rewrite needs: `Input`/`Model` added, `Sequential`/`InputLayer` dropped once unused."""

from __future__ import annotations

import re

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import dotted, is_docstring_line
from .imports import (
    add_from_imports,
    is_import_line,
    remove_from_imports,
    still_unused,
)


def fix_imports(
    module: cst.Module,
    wanted: list[tuple[str, str]],
    index: TreeIndex,
    bindings,
    elided_text: str,
    fresh: list[str] | None = None,
) -> str:
    """The code with the imports the rewrite needs added and the ones it left unused dropped.

    The import edits run on the block of import lines that holds the file's
    Keras imports (`_keras_block`), and new lines go right after its last
    Keras import: in a notebook, that is the cell that imports Keras, not
    cell 0. The rest of the file is searched for the names once, as text,
    which errs on the side of keeping an import. A line left with no name is
    removed, but its comments stay (in a notebook, a cell's first line
    carries the cell's boundary). `fresh`, when given, receives the code of
    every top-level statement written anew rather than as parsed: all that
    the rewrite changed.
    """
    body = list(module.body)
    first, last = _keras_block(body, wanted, bindings)
    # The code of the statements outside the block is written once, for the
    # search and for the file (most of them are the file's code).
    written = {}
    for statement in body[:first] + body[last:]:
        code = index.statement_code(statement)
        if code is None:  # not as parsed: the rewrite wrote it
            code = module.code_for_node(statement)
            if fresh is not None:
                fresh.append(code)
        written[id(statement)] = (statement, code)
    rest_code = "".join(code for _, code in written.values()) + elided_text
    removals = _unused_imports(index, bindings, rest_code)
    if not wanted and not removals:
        return module_code(module, written, fresh)
    whole = any(
        _imported_in(rest_code, module_name, obj) for module_name, obj, _ in removals
    )
    block = module.with_changes(body=body[first:last], header=(), footer=())
    block = add_from_imports(block, wanted)
    body = [*body[:first], *block.body, *body[last:]]
    last = first + len(block.body)
    if not removals:
        return module_code(module.with_changes(body=body), written, fresh)
    if whole:  # an import to remove sits outside the block: the whole file, checked
        removals = still_unused(module.with_changes(body=body), removals, elided_text)
        first, last = 0, len(body)
    return module_code(_remove(module, body, removals, first, last), written, fresh)


def module_code(
    module: cst.Module,
    written: dict[int, tuple[cst.CSTNode, str]],
    fresh: list[str] | None = None,
) -> str:
    """`module.code`, taking the code of statements already written from `written`
    (by identity: the node is held there, so its id is not reused); as
    LibCST's `Module._codegen_impl` writes it. `fresh` receives the code of
    the statements written here."""
    if not module.has_trailing_newline or not module.body:
        code = module.code  # the last newline goes, or the file is empty
        if fresh is not None:
            fresh.append(code)
        return code
    parts = [module.code_for_node(node) for node in module.header]
    for statement in module.body:
        known = written.get(id(statement))
        if known is not None and known[0] is statement:
            parts.append(known[1])
            continue
        parts.append(module.code_for_node(statement))
        if fresh is not None:
            fresh.append(parts[-1])
    parts.extend(module.code_for_node(node) for node in module.footer)
    return "".join(parts)


def _remove(
    module: cst.Module,
    body: list[cst.BaseStatement],
    removals: list[tuple[str, str, str | None]],
    first: int,
    last: int,
) -> cst.Module:
    """Remove the imports from `body[first:last]`; a line that goes hands its
    comments (and the blank lines among them) to the statement after it."""
    kept: list[cst.BaseStatement] = body[:first]
    pending: list[cst.EmptyLine] = []
    for position, statement in enumerate(body[first:], start=first):
        if position < last and removals:
            alone = module.with_changes(body=[statement], header=(), footer=())
            edited = remove_from_imports(alone, removals, check_uses=False).body
            if not edited:
                if any(line.comment is not None for line in statement.leading_lines):
                    pending.extend(statement.leading_lines)
                continue
            statement = edited[0]
        if pending:
            statement = statement.with_changes(
                leading_lines=[*pending, *statement.leading_lines]
            )
            pending = []
        kept.append(statement)
    return module.with_changes(body=kept, footer=[*pending, *module.footer])


def _keras_block(body: list[cst.BaseStatement], wanted, bindings) -> tuple[int, int]:
    """`body[first:last]`: the import lines to edit.

    The run of import lines that holds the import of `Sequential` (else of
    another name from Keras), up to its last Keras import; without one, the
    leading block of imports (after a docstring).
    """
    keras_lines = [
        position
        for position, statement in enumerate(body)
        if is_import_line(statement) and _imports_keras(statement)
    ]
    if not keras_lines:
        return _leading_block(body)
    sequential = [p for p in keras_lines if _binds_sequential(body[p], bindings)]
    anchor = (sequential or keras_lines)[0]
    first = anchor
    while first > 0 and is_import_line(body[first - 1]):
        first -= 1
    last = anchor
    while last + 1 < len(body) and is_import_line(body[last + 1]):
        last += 1
    return first, max(p for p in keras_lines if p <= last) + 1


def _leading_block(body: list[cst.BaseStatement]) -> tuple[int, int]:
    """The imports at the top of the file, after a docstring."""
    first = 1 if body and is_docstring_line(body[0]) else 0
    last = first
    while last < len(body) and (is_import_line(body[last]) or _is_future(body[last])):
        last += 1
    return first, last


def _imports_keras(statement: cst.BaseStatement) -> bool:
    for small in statement.body:  # type: ignore[attr-defined]
        if isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None:
                continue
            module = dotted(small.module)
            names = [] if isinstance(small.names, cst.ImportStar) else small.names
            if any(
                keras_names.split_family(name) is not None
                for name in [module, *(f"{module}.{a.evaluated_name}" for a in names)]
            ):
                return True
        elif isinstance(small, cst.Import):
            if any(
                keras_names.split_family(dotted(a.name)) is not None
                for a in small.names
            ):
                return True
    return False


def _binds_sequential(statement: cst.BaseStatement, bindings) -> bool:
    for small in statement.body:  # type: ignore[attr-defined]
        if isinstance(small, cst.ImportFrom) and not isinstance(
            small.names, cst.ImportStar
        ):
            for alias in small.names:
                name = alias.evaluated_alias or alias.evaluated_name
                binding = bindings.get(name)
                if binding is not None and keras_names.sequential_family(
                    {binding.qualified}
                ):
                    return True
    return False


def _is_future(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, cst.ImportFrom)
        and isinstance(small.module, cst.Name)
        and small.module.value == "__future__"
        for small in statement.body
    )


def _imported_in(code: str, module_name: str, obj: str) -> bool:
    return (
        re.search(
            rf"from\s+{re.escape(module_name)}\s+import\b[^\n]*\b{re.escape(obj)}\b",
            code,
        )
        is not None
    )


def _unused_imports(
    index: TreeIndex, bindings, rest_code: str
) -> list[tuple[str, str, str | None]]:
    """Imports of Sequential/InputLayer that the original used and the rewrite no longer does.

    An import that was already unused is not ours to remove.
    """
    found = []
    for binding in bindings.values():
        if binding.from_module is None:
            continue
        qualified = {binding.qualified}
        if not (
            keras_names.sequential_family(qualified)
            or keras_names.is_input_layer(qualified)
        ):
            continue
        if not any(not _in_import(index, n) for n in index.names.get(binding.name, [])):
            continue
        if re.search(rf"\b{re.escape(binding.name)}\b", rest_code):
            continue
        obj = binding.qualified.rsplit(".", 1)[1]
        found.append(
            (binding.from_module, obj, binding.name if binding.name != obj else None)
        )
    return found


def _in_import(index: TreeIndex, node: cst.CSTNode) -> bool:
    return any(
        isinstance(a, (cst.Import, cst.ImportFrom)) for a in index.ancestors(node)
    )
