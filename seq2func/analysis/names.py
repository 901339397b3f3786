"""The names a file binds, found fast with Python's own parser."""

from __future__ import annotations

import ast
from collections.abc import Sequence


def module_binds(statements: Sequence[ast.stmt], text: str) -> frozenset[str] | None:
    """The names top-level statements bind in the module's scope, found without
    walking expressions; None when only a full walk can tell (`:=`, `global`,
    `match`, a statement of a kind not listed here).

    Names a comprehension or a class body binds live in their own scope, and
    a function's names are its own unless declared `global`.
    """
    if ":=" in text or "global" in text:
        return None
    found: set[str] = set()
    stack = list(statements)
    while stack:
        statement = stack.pop()
        kind = type(statement)
        if kind in _BINDING_TARGETS:
            targets = (
                statement.targets  # type: ignore[attr-defined]
                if kind in (ast.Assign, ast.Delete)
                else [statement.target]  # type: ignore[attr-defined]
            )
            for target in targets:
                target_names(target, found)
        elif kind in (ast.Import, ast.ImportFrom):
            for alias in statement.names:  # type: ignore[attr-defined]
                found.add(alias.asname or alias.name.split(".")[0])
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            found.add(statement.name)  # type: ignore[attr-defined]
        elif kind in (ast.With, ast.AsyncWith):
            for item in statement.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    target_names(item.optional_vars, found)
            stack.extend(statement.body)  # type: ignore[attr-defined]
        elif kind in _BLOCKS:
            if kind in (ast.For, ast.AsyncFor):
                target_names(statement.target, found)  # type: ignore[attr-defined]
            for name in ("body", "orelse", "finalbody"):
                stack.extend(getattr(statement, name, ()))
            for handler in getattr(statement, "handlers", ()):
                if handler.name:
                    found.add(handler.name)
                stack.extend(handler.body)
        elif kind not in _BINDING_NOTHING:
            return None
    return frozenset(found)


def target_names(target: ast.expr, found: set[str]) -> None:
    """The names an assignment target binds (`a`, `a, (b, *c)`; not `a.b` or `a[0]`)."""
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)


_BINDING_TARGETS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)
_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)
_BINDING_NOTHING = (
    ast.Expr,
    ast.Return,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Raise,
    ast.Assert,
    ast.Nonlocal,
)


def identifiers(tree: ast.AST) -> set[str]:
    """Every name the file binds or reads as a variable (not `obj.attr` or `f(key=...)`):
    what a new variable could shadow. Module paths count too, to stay clear of them."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.update(node.name.split("."))
            if node.asname:
                found.add(node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(node.module.split("."))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
    return found


def words(expressions: list[ast.expr]) -> set[str]:
    """Every identifier in the expressions: LibCST names attributes and keywords too."""
    found: set[str] = set()
    for expression in expressions:
        for node in ast.walk(expression):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                found.add(node.arg)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = node.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    found = [a.annotation for a in every if a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def function_locals(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
) -> set[str]:
    """Parameters and the names the function's own body binds, less `global`/`nonlocal` ones."""
    arguments = node.args
    found = {
        a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    }
    found |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    declared: set[str] = set()
    stack: list[ast.AST] = (
        list(node.body) if isinstance(node.body, list) else [node.body]
    )
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(current.name)
            # Their decorators and defaults run here; their bodies are another scope.
            stack.extend(getattr(current, "decorator_list", ()))
            continue
        elif isinstance(
            current,
            (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp),
        ):
            continue  # another scope; a name it binds there stays a mention here
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found |= {
                alias.asname or alias.name.split(".")[0] for alias in current.names
            }
        elif isinstance(current, ast.ExceptHandler) and current.name:
            found.add(current.name)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            declared.update(current.names)
        stack.extend(ast.iter_child_nodes(current))
    return found - declared
