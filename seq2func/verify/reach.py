"""Reaching a model without running the program around it.

For a module-level site, the probe keeps only the statements the model needs
(a backward slice over names, `slicing.backward_slice`: imports, definitions,
constants, the constructor and its `add` calls, methods called on the objects
it needs: a `build()` of a model it is made from, an `adapt()` of a layer) and
drops everything else, so data loading, training and plotting never run; a
model made in a module-level loop is taken on the loop's first iteration,
which the worker stops once the site has run (`Probe.site_from`). For
a site in a function, the probe keeps what the function needs and calls it
with its defaults (or `--bind` values), watching its frame for the model.
Methods are reached through an instance made with no arguments; a
parameterized test gets its first case. Anything else is "unverifiable", with
the reason.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .parameters import first_case, without_case_decorators
from .slicing import backward_slice


class Unreachable(Exception):
    """The site cannot be reached safely; the message says why."""


@dataclass(frozen=True)
class Probe:
    """What a worker runs to get one model: code, then a call or a name to read."""

    code: str
    mode: str  # "module", "function", "method"
    target: str | None
    ordinal: int  # the k-th binding of the target in its scope (1-based)
    function: str | None = None
    class_name: str | None = None
    kwargs: dict = field(default_factory=dict)
    form: str = "list"
    # In a function or method: the line after which the k-th model bound to the
    # target is complete (the site's last add in the original, the assignment
    # of the Functional model in the converted code); the worker stops the
    # function there, so the code after the site (training, assertions,
    # exports) never runs. None: run the function to its end.
    complete_at: int | None = None
    # At module level, a site inside a loop (a `while` that makes and trains a
    # model until one fits): the site's first line. The worker stops the
    # top-level statement once it has run the site's lines, `site_from` to
    # `complete_at`, and goes past them, on the first iteration.
    site_from: int | None = None
    # The batch shape the original's first `fit`/call built it with (a traced or
    # first-build site): the worker builds a model it reaches unbuilt with it,
    # as a function's model returned to a caller that fits it (see deferred).
    build_shape: tuple[int | None, ...] | None = None
    # The program through that first build (a module-level site read from its
    # data): the worker runs it first to learn what Keras really builds the
    # original with, and builds it with that instead (`worker_first_build`).
    first_build: str | None = None
    first_build_target: str | None = None  # the model's name in that code


def _binds_target(node: ast.AST, target: str) -> bool:
    """An assignment statement whose target is exactly `target` (a name or `self.x`)."""
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    return any(ast.unparse(t) == target for t in targets)


def module_bindings(tree: ast.Module, target: str) -> list[tuple[int, ast.AST]]:
    """(top-level index, node) of each module-scope assignment to target, in order."""
    found = []
    for index, statement in enumerate(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if _binds_target(node, target):
                found.append((index, node))
    found.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    return found


def ordinal_of(source: str, scope: str, target: str | None, line: int) -> int:
    """Which binding of the target, counted in its scope, the site at `line` is."""
    if target is None:
        return 1
    tree = ast.parse(source)
    if scope == "<module>":
        bindings = [node for _, node in module_bindings(tree, target)]
    else:
        function = _find_function(tree, scope, line)
        if function is None:
            return 1
        bindings = [n for n in ast.walk(function) if _binds_target(n, target)]
        bindings.sort(key=lambda n: (n.lineno, n.col_offset))
    count = sum(1 for node in bindings if node.lineno <= line)
    return max(count, 1)


def _definitions(tree: ast.Module, name: str) -> list[tuple[int, ast.stmt]]:
    """(top-level index, node) of each module-level def or class called `name`."""
    return [
        (index, node)
        for index, node in enumerate(tree.body)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.name == name
    ]


def definition_of(source: str, scope: str, line: int) -> int:
    """Which definition of the scope's top-level name holds the site at `line`
    (0 for the first); the converted source has the same definitions."""
    if scope == "<module>":
        return 0
    definitions = _definitions(ast.parse(source), scope.split(".")[0])
    for position, (_, node) in enumerate(definitions):
        if node.lineno <= line <= node.end_lineno:
            return position
    return 0


def _find_function(tree: ast.Module, scope: str, line: int | None = None):
    """The def or class node of a dotted scope; at each level, the one that
    holds `line` when several share the name."""
    parts = scope.split(".")
    nodes = tree.body
    found = None
    for part in parts:
        matching = [
            n
            for n in nodes
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name == part
        ]
        holding = [
            n
            for n in matching
            if line is not None and n.lineno <= line <= (n.end_lineno or n.lineno)
        ]
        found = (holding or matching or [None])[0]
        if found is None:
            return None
        nodes = found.body
    return found


def probe_for(
    source: str,
    *,
    scope: str,
    target: str | None,
    ordinal: int,
    form: str,
    end_line: int | None,
    binds: dict | None = None,
    definition: int = 0,
    stand_ins: dict[str, str] | None = None,
    whole_body: bool = False,
) -> Probe:
    """How to reach the `ordinal`-th model bound to `target` in `scope` of `source`.

    `end_line` is the last line of the site in this source when known (the
    original); for the converted source the k-th binding marks the model.
    `definition` says which top-level definition named like the scope's first
    part holds the site (notebooks define `build_model` again and again; see
    `definition_of`). `stand_ins` replaces data a module-level model reads only
    the shape of (see `stand_ins`). `whole_body`: the function runs past its
    model's completion (to the first build that gives a converted model its
    input), so the globals it reads there are needed too.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    if scope == "<module>":
        return _module_probe(
            tree, lines, target, ordinal, form, end_line, stand_ins=stand_ins
        )
    top, code, complete_at = _function_slice(
        tree, lines, scope, definition, target, ordinal, end_line, stand_ins, whole_body
    )
    mode, called, class_name, kwargs = _call(top, scope, dict(binds or {}))
    return Probe(
        code,
        mode,
        target,
        ordinal,
        function=called,
        class_name=class_name,
        kwargs=kwargs,
        form=form,
        complete_at=complete_at,
    )


def _module_probe(
    tree: ast.Module,
    lines: list[str],
    target: str | None,
    ordinal: int,
    form: str,
    end_line: int | None,
    stand_ins: dict[str, str] | None,
) -> Probe:
    """The probe of a module-level site: the slice up to the statement that
    completes the model (its last line, when known), read by name."""
    if target is None:
        raise Unreachable("the model is not bound to a name")
    bindings = module_bindings(tree, target)
    if len(bindings) < ordinal:
        raise Unreachable(f"no assignment to {target} found at module level")
    start, binding = bindings[ordinal - 1]
    stop = start
    if end_line is not None:
        stop = max(
            (i for i, s in enumerate(tree.body) if s.lineno <= end_line and i >= start),
            default=start,
        )
    site = None
    if stop == start and _in_loop(tree.body[start], binding):
        site = (binding.lineno, end_line or binding.end_lineno)
    code = backward_slice(
        tree,
        lines,
        stop,
        {target.split(".")[0]},
        mutable_from=start,
        # The loop stops after the site: what it reads only later is not needed.
        until=(tree.body[stop], site[1]) if site else None,
        stand_ins=stand_ins,
    )
    return Probe(
        code=code,
        mode="module",
        target=target,
        ordinal=ordinal,
        form=form,
        complete_at=site[1] if site else None,
        site_from=site[0] if site else None,
    )


_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def _in_loop(statement: ast.stmt, binding: ast.AST) -> bool:
    """Whether `binding` is in the body of a loop within the top-level `statement`."""
    return any(
        isinstance(loop, _LOOPS)
        and any(binding in ast.walk(inner) for inner in loop.body)
        for loop in ast.walk(statement)
    )


def _function_slice(
    tree: ast.Module,
    lines: list[str],
    scope: str,
    definition: int,
    target: str | None,
    ordinal: int,
    end_line: int | None,
    stand_ins: dict[str, str] | None,
    whole_body: bool = False,
) -> tuple[ast.stmt, str, int | None]:
    """The top-level definition that holds a site in a function or method,
    the slice that defines it, and the line after which its model is complete."""
    parts = scope.split(".")
    definitions = _definitions(tree, parts[0])
    if len(definitions) <= definition:
        raise Unreachable(f"{scope} is not a module-level function or method")
    anchor, top = definitions[definition]
    # The slice ends at the definition that holds the site: the program after
    # it (training, a later definition under the same name, the notebook's
    # last cell) is not what builds this model.
    function = top
    if isinstance(top, ast.ClassDef) and len(parts) == 2:
        function = _method(top, parts[1])
    complete_at = (
        _complete_at(function, target, ordinal, end_line)
        if function is not None
        else None
    )
    # Globals the function reads only after its model is complete (the data a
    # training loop reads, say) are not needed: the function stops before.
    code = backward_slice(
        tree,
        lines,
        anchor,
        {parts[0]},
        mutable_from=None,
        until=(
            (function, complete_at)
            if complete_at is not None and not whole_body
            else None
        ),
        stand_ins=stand_ins,
    )
    if isinstance(function, ast.FunctionDef):
        code = without_case_decorators(code, function)
    return top, code, complete_at


def _method(class_def: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    return next(
        (
            n
            for n in class_def.body
            if isinstance(n, ast.FunctionDef) and n.name == name
        ),
        None,
    )


def _call(top: ast.stmt, scope: str, binds: dict) -> tuple[str, str, str | None, dict]:
    """How the worker calls the site's function: (mode, function, class, kwargs).
    A method is called on an instance made with `__init__`'s arguments, which
    must be bound or defaulted too."""
    parts = scope.split(".")
    if isinstance(top, ast.FunctionDef) and len(parts) == 1:
        return "function", parts[0], None, _arguments(top, binds, scope)
    if isinstance(top, ast.ClassDef) and len(parts) == 2:
        method = _method(top, parts[1])
        if method is None:
            raise Unreachable(f"{scope} is not a method")
        init = _method(top, "__init__")
        if init is not None:
            _arguments(init, binds, f"{parts[0]}.__init__", skip_self=True)
        kwargs = _arguments(method, binds, scope, skip_self=True)
        return "method", parts[1], parts[0], kwargs
    raise Unreachable(f"{scope} is nested inside another function")


def _complete_at(
    function: ast.AST, target: str | None, ordinal: int, end_line: int | None
) -> int | None:
    """The line after which the site's model is complete in `function` (see
    `Probe.complete_at`); None where the frame cannot be watched for it."""
    if target is None or "." in target:
        return None  # a returned model, or an attribute read after the call
    if end_line is not None:
        return end_line
    bindings = sorted(
        (n for n in ast.walk(function) if _binds_target(n, target)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    if len(bindings) < ordinal:
        return None
    return bindings[ordinal - 1].end_lineno


def _arguments(
    function: ast.FunctionDef, binds: dict, scope: str, skip_self: bool = False
) -> dict:
    """Keyword arguments for a call: the binds it takes, else its first
    parameterized case (`parameters.first_case`); every other parameter needs
    a default."""
    args = function.args
    positional = args.posonlyargs + args.args
    if skip_self and positional:
        positional = positional[1:]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    # A parameterized test is called with its cases: the first one, unless bound.
    case = first_case(function, [a.arg for a in (*positional, *args.kwonlyargs)])
    binds = {**case, **binds}
    kwargs = {}
    for arg, default in zip(positional, defaults):
        if arg.arg in binds:
            kwargs[arg.arg] = binds[arg.arg]
        elif default is None:
            raise Unreachable(
                f"{scope}() needs argument `{arg.arg}`: pass --bind {arg.arg}=VALUE"
            )
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if arg.arg in binds:
            kwargs[arg.arg] = binds[arg.arg]
        elif default is None:
            raise Unreachable(
                f"{scope}() needs argument `{arg.arg}`: pass --bind {arg.arg}=VALUE"
            )
    return kwargs


def parse_binds(pairs: list[str]) -> dict:
    """`NAME=VALUE` pairs; values are Python literals when they parse as one, else strings."""
    binds = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            binds[name.strip()] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            binds[name.strip()] = value
    return binds
