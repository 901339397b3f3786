"""The names a top-level statement binds and reads: what the probe's slice follows."""

from __future__ import annotations

import ast


def bound_names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            names.add((alias.asname or alias.name).split(".")[0])
        return names
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif (
            isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and sub is not node
        ):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def read_names(node: ast.AST, until: tuple[ast.AST, int] | None = None) -> set[str]:
    """Names the statement reads from outside: loop and comprehension variables,
    parameters and lambda arguments it binds for itself do not count, nor the
    local variables of a function it defines (a converted function's `x` and
    `inputs` are its own, not the module's).

    `until=(function, line)`: reads inside that function after `line` do not
    count (the worker stops the function there, see `reach.Probe.complete_at`).
    """
    after: set[int] = set()
    if until is not None:
        function, line = until
        after = {
            id(sub) for sub in ast.walk(function) if getattr(sub, "lineno", 0) > line
        }
    reads = {
        sub.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name)
        and isinstance(sub.ctx, ast.Load)
        and id(sub) not in after
    }
    # `notes |= set(chord)` reads `notes` before it binds it again.
    reads |= {
        sub.target.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.AugAssign)
        and isinstance(sub.target, ast.Name)
        and id(sub) not in after
    }
    own: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.For, ast.AsyncFor, ast.comprehension)):
            own |= {n.id for n in ast.walk(sub.target) if isinstance(n, ast.Name)}
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = sub.args
            own |= {
                a.arg
                for a in (
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                )
            }
            own |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
            if not isinstance(sub, ast.Lambda):
                declared = {
                    name
                    for inner in ast.walk(sub)
                    if isinstance(inner, (ast.Global, ast.Nonlocal))
                    for name in inner.names
                }
                own |= {
                    inner.id
                    for statement in sub.body
                    for inner in ast.walk(statement)
                    if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store)
                } - declared
    return reads - own


# Statements whose bindings may not happen (a loop that never runs, a false `if`).
_MAYBE_BINDS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try)


def outside_reads(node: ast.stmt) -> set[str]:
    """`read_names`, with the body of a `with` or an `if` read in order: a name
    one of its straight-line statements binds before another reads it is the
    block's own. A model converted inside `with strategy.scope():` reads the
    `inputs` it has just bound, not an `inputs` bound further up."""
    if isinstance(node, (ast.With, ast.AsyncWith)):
        reads: set[str] = set()
        bound: set[str] = set()
        for item in node.items:
            reads |= read_names(item.context_expr)
            if item.optional_vars is not None:
                bound |= bound_names(item.optional_vars)
        return reads | _block_reads(node.body, bound)
    if isinstance(node, ast.If):
        return (
            read_names(node.test)
            | _block_reads(node.body, set())
            | _block_reads(node.orelse, set())
        )
    return read_names(node)


def _block_reads(body: list[ast.stmt], bound: set[str]) -> set[str]:
    reads: set[str] = set()
    bound = set(bound)
    for statement in body:
        reads |= outside_reads(statement) - bound
        if not isinstance(statement, _MAYBE_BINDS):
            bound |= bound_names(statement)
    return reads
