"""The backward slice a module-level probe runs: the statements a model needs.

From the statement that completes the model back to the top of the module,
a statement is kept when it binds a name the kept ones read, builds the
model (its `add` calls between the constructor and the stop), configures
how models are built (`set_global_policy`, ...), defines a flag the kept
code reads, or calls a method on an object they need (`inner.build(shape)`,
`vectorizer.adapt(text)`). The kept statements are emitted at their own
lines, with blank lines for the rest, so the probe's line numbers are the
source's.
"""

from __future__ import annotations

import ast

from .flags import defines_flag, parsed_suffix
from .names import bound_names, outside_reads, read_names

# Calls whose side effects change how models are built: they stay in the probe.
_CONFIG_CALLS = (
    "set_global_policy",
    "set_dtype_policy",
    "set_floatx",
    "set_image_data_format",
)


# Statements whose bindings may not happen (a loop that never runs, a false `if`).
_MAYBE_BINDS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try)


def _is_config_call(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in _CONFIG_CALLS


def _changes(node: ast.stmt, needed: set[str], modules: set[str]) -> bool:
    """A method called on an object the model needs: it may change it
    (`inner.build(shape)` gives a model its input, `vectorizer.adapt(text)` its
    vocabulary). Calls on modules (`np.random.seed(0)`) are not on objects."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in needed
        and func.value.id not in modules
    )


def backward_slice(
    tree: ast.Module,
    lines: list[str],
    stop: int,
    needed: set[str],
    mutable_from: int | None,
    until: tuple[ast.AST, int] | None = None,
    stand_ins: dict[str, str] | None = None,
) -> str:
    """The statements up to `stop` that the needed names depend on, in order.

    `until` limits what the statement at `stop` reads (see `names.read_names`).
    `stand_ins` (name: expression) replaces the last statement that binds each
    such name, and what only it needed, by the expression (see `stand_ins`).
    """
    kept, replacements = _kept_statements(
        tree, stop, needed, mutable_from, until, stand_ins
    )
    return _emit(lines, kept, replacements)


def _kept_statements(
    tree: ast.Module,
    stop: int,
    needed: set[str],
    mutable_from: int | None,
    until: tuple[ast.AST, int] | None,
    stand_ins: dict[str, str] | None,
) -> tuple[list[ast.stmt], dict[int, str]]:
    """The kept statements in source order, and the stand-in text that replaces
    some of them (by `id` of the statement)."""
    body = tree.body[: stop + 1]
    modules = {
        name
        for statement in body
        if isinstance(statement, (ast.Import, ast.ImportFrom))
        for name in bound_names(statement)
    }
    kept: list[ast.stmt] = []
    replacements: dict[int, str] = {}
    model_root = next(iter(needed))
    needed = set(needed)
    for index in range(len(body) - 1, -1, -1):
        statement = body[index]
        defined = bound_names(statement)
        if until is not None and index == stop:
            reads = read_names(statement, until)
        else:
            reads = outside_reads(statement)
        # Between the constructor and the stop, statements that touch the model
        # (its add() calls, loops of them) are part of building it.
        mutates = (
            mutable_from is not None and index > mutable_from and model_root in reads
        )
        replaced = (defined & needed & (stand_ins or {}).keys()) - {model_root}
        if replaced and index != stop and not mutates and defined & needed <= replaced:
            kept.append(statement)
            replacements[id(statement)] = "; ".join(
                f"{name} = {stand_ins[name]}" for name in sorted(replaced)
            )
            needed -= replaced
            continue
        if (
            index == stop
            or defined & needed
            or mutates
            or _is_config_call(statement)
            or defines_flag(statement, needed)
            or _changes(statement, needed, modules)
        ):
            kept.append(statement)
            # A loop or a condition may not bind: what an earlier statement
            # bound stays needed.
            if not mutates and not isinstance(statement, _MAYBE_BINDS):
                needed -= defined
            needed |= reads
        elif isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            kept.append(statement)
    kept.reverse()
    return kept, replacements


def _emit(lines: list[str], kept: list[ast.stmt], replacements: dict[int, str]) -> str:
    """The kept statements' source lines, at the lines they had."""
    # Statements sharing a line (`a = 1; b = 2`) share one segment: emit each line once.
    emitted: list[str] = []
    last_line = 0
    for statement in kept:
        first = min(
            [
                statement.lineno,
                *(d.lineno for d in getattr(statement, "decorator_list", ())),
            ]
        )
        if statement.end_lineno <= last_line:
            continue
        start = max(first, last_line + 1)
        # Blank lines stand for the statements left out, so the probe's line
        # numbers are the source's: tracebacks point at the user's lines, and
        # the worker knows when a function has passed the end of the site.
        emitted.extend([""] * (start - 1 - last_line))
        if id(statement) in replacements:
            emitted.append(replacements[id(statement)])
            emitted.extend([""] * (statement.end_lineno - start))
        else:
            emitted.extend(lines[start - 1 : statement.end_lineno])
            emitted[-1] += parsed_suffix(statement)
        last_line = statement.end_lineno
    return "\n".join(emitted) + "\n"
