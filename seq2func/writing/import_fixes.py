"""The imports a rewrite needs: `Input`/`Model` added, `Sequential`/`InputLayer` dropped once unused."""

from __future__ import annotations

import re

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import is_docstring_line
from .imports import add_from_imports, is_import_line, remove_from_imports


def fix_imports(
    module: cst.Module,
    wanted: list[tuple[str, str]],
    index: TreeIndex,
    bindings,
    elided_text: str,
) -> cst.Module:
    """Add the imports the rewrite needs and drop the ones it left unused.

    The import edits run on the file's leading import block only: the rest of
    the file is searched for the names once, as text, which errs on the side
    of keeping an import.
    """
    body = list(module.body)
    # The leading block of imports (after a docstring); conditional imports
    # and ones further down are part of it only if the block reaches them.
    last = -1
    for position, statement in enumerate(body):
        if (
            is_import_line(statement)
            or (position == 0 and is_docstring_line(statement))
            or _is_future(statement)
        ):
            last = position
        elif last >= 0 or position > 0:
            break
    head, rest = body[: last + 1], body[last + 1 :]
    rest_code = "".join(module.code_for_node(s) for s in rest) + elided_text
    removals = _unused_imports(index, bindings, rest_code)
    whole = any(
        _imported_in(rest_code, module_name, obj) for module_name, obj, _ in removals
    )
    if whole:
        # The import to remove sits further down: use the whole file.
        head, rest = body, []
    if not wanted and not removals:
        return module
    block = module.with_changes(body=head, footer=())
    block = add_from_imports(block, wanted)
    block = remove_from_imports(
        block, removals, check_uses=whole, elided_text=elided_text
    )
    return module.with_changes(body=[*block.body, *rest])


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
