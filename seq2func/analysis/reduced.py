"""The part of a module that needs scope metadata, when that part is smaller than the module.

Scope metadata is the costly pass. When every model lives inside a function
or a class, only those statements and the imports need it: a model there
cannot be reached from the other statements by name.
"""

from __future__ import annotations

import ast
import re

from typing import TYPE_CHECKING

import libcst as cst

from .nodes import line_groups

if TYPE_CHECKING:
    from .metadata import Walk

# `self.model = ...Sequential(` and the like: other methods, or any object's
# attribute of that name anywhere in the file, may read the model.
_ATTRIBUTE_SITE = re.compile(r"\w\.\w+\s*(:[^=]*)?=[^=\n]*Sequential")


def reduced_module(
    module: cst.Module, source: str, walked: Walk
) -> tuple[cst.Module | None, frozenset[cst.CSTNode]]:
    """The imports and the definitions that mention Sequential, or None for the whole module.

    Classes keep only their statements that mention Sequential. None when a
    model may live where any statement of the file can use it: at module
    level, or on an attribute (`self.model`) that other methods read. Also
    returns the kept units (top-level statements, or statements of a kept
    class), grouped with Python's own (fast) parser. `walked` is the
    module's walk (`metadata.walk`).
    """
    if _ATTRIBUTE_SITE.search(source) or _named_at_module_level(module, walked):
        return None, frozenset()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None, frozenset()
    lines = source.splitlines()
    top = line_groups(tree.body)
    if len(top) != len(module.body):
        return None, frozenset()

    def text(group) -> str:
        decorators = getattr(group[0], "decorator_list", ())
        first = min([group[0].lineno, *(d.lineno for d in decorators)])
        return "\n".join(lines[first - 1 : group[-1].end_lineno])

    kept_units: set[cst.CSTNode] = set()
    kept: list[cst.BaseStatement] = []
    for statement, group in zip(module.body, top):
        code = text(group)
        if "Sequential" not in code:
            if "import" in code:
                kept.append(statement)
                kept_units.add(statement)
            continue
        if isinstance(statement, cst.FunctionDef):
            if _called_elsewhere(statement.name.value, source):
                # `model = get_model()`, `return get_model()`, `f = get_model`:
                # a model the function returns is built
                # (planning/returned_model.py) and used
                # (planning/uses/returned.py) by its callers.
                return None, frozenset()
            kept.append(statement)
            kept_units.add(statement)
        elif isinstance(statement, cst.ClassDef):
            if _method_called(statement, source):
                # `builder.build_model()`, `builder.model` (a property): a
                # model a method returns is used by its callers
                # (planning/uses/returned.py) wherever they are.
                return None, frozenset()
            kept.append(_reduced_class(statement, group, code, text, kept_units))
        else:
            return None, frozenset()
    return module.with_changes(body=kept), frozenset(kept_units)


def _named_at_module_level(module: cst.Module, walked: Walk) -> bool:
    """Whether a module-level statement other than a def or class spells the
    name `Sequential`: the whole module is needed, as the loop below would
    find, but without a parse (a notebook's models are mostly there)."""
    parents = walked.parents
    for name in walked.names.get("Sequential", ()):
        node: cst.CSTNode = name
        parent = parents.get(node)
        while parent is not None and parent is not module:
            node, parent = parent, parents.get(parent)
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return True
    return False


def _called_elsewhere(name: str, source: str) -> bool:
    """Whether the source spells `name` anywhere but in `def name(`: a call, or
    the function bound to another name (`f = name`), whose calls return the
    model too."""
    calls = re.findall(rf"(?<![\w.])(def\s+)?{re.escape(name)}\b", source)
    return any(not definition for definition in calls)


def _method_called(statement: cst.ClassDef, source: str) -> bool:
    """Whether the source reads `.name` (a call, a bound method, a property) for a
    method of the class that names Sequential, or calls getattr at all."""
    methods = _methods_naming_sequential(statement)
    if methods and re.search(r"\bgetattr\s*\(", source):
        return True
    return any(
        re.search(rf"\.\s*{re.escape(name)}\b", source) is not None for name in methods
    )


def _methods_naming_sequential(statement: cst.ClassDef) -> list[str]:
    """The names of the class's methods that name Sequential, and of its nested
    classes' (`self.Inner().make()` calls one)."""
    body = statement.body
    if not isinstance(body, cst.IndentedBlock):
        return []
    code = cst.Module([]).code_for_node
    names = []
    for item in body.body:
        if isinstance(item, cst.ClassDef):
            names.extend(_methods_naming_sequential(item))
        elif isinstance(item, cst.FunctionDef) and "Sequential" in code(item):
            names.append(item.name.value)
    return names


def _reduced_class(statement, group, code, text, kept_units) -> cst.ClassDef:
    """The class with only its statements that mention Sequential or import, and its setUp."""
    inner = line_groups(group[0].body)
    whole = _ATTRIBUTE_SITE.search(code) or "Sequential" in code.split(":", 1)[0]
    if whole or len(inner) != len(statement.body.body):
        kept_units.add(statement)
        return statement
    units = []
    for unit, unit_group in zip(statement.body.body, inner):
        unit_code = text(unit_group)
        if "Sequential" in unit_code or "import" in unit_code or _is_set_up(unit):
            units.append(unit)
            kept_units.add(unit)
    return statement.with_changes(body=statement.body.with_changes(body=units))


def _is_set_up(unit: cst.BaseStatement) -> bool:
    """A test class's `setUp`: the data a test method fits a model on may come from it."""
    return isinstance(unit, cst.FunctionDef) and unit.name.value in (
        "setUp",
        "setup_method",
    )
