"""Command-line flags (absl) as the program sees them when run with none.

`flags.DEFINE_string("model", "EfficientNetV2B0", ...)` at module level, then
`FLAGS.model` in the function that builds the model: `app.run(main)` parses
the command line before `main` runs, and the probe never runs `app.run`. So
the probe keeps the definitions of the flags the model's code may read
(calls of `DEFINE_*` on a module it needs) and marks `FLAGS` parsed where it
is bound: every flag has its default, as when the program runs with no
arguments (`--bind` does not reach flags). The worker forgets them after
the job (`forget_probe_flags`).
"""

from __future__ import annotations

import ast
import contextlib
import sys


def defines_flag(statement: ast.stmt, needed: set[str]) -> bool:
    """`flags.DEFINE_x(...)` on a module the model needs."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    func = statement.value.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr.startswith("DEFINE")
        and isinstance(func.value, ast.Name)
        and func.value.id in needed
    )


def parsed_suffix(statement: ast.stmt) -> str:
    """`; FLAGS.mark_as_parsed()` for `FLAGS = flags.FLAGS`, else empty."""
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Attribute)
        and statement.value.attr == "FLAGS"
    ):
        return f"; {statement.targets[0].id}.mark_as_parsed()"
    return ""


def forget_probe_flags(runners: tuple[str, ...]) -> None:
    """Drop the flags a job's probe defined, so the next job's program can
    define its own (absl keeps one registry per process).

    absl files a flag under the module whose code defined it; the probe's
    code is no module, so its flags are filed under the module that ran it
    (`runners`: the worker's name, or `sys.argv[0]` when it is the main
    program). Flags of real modules (absl's own) stay.
    """
    module = sys.modules.get("absl.flags")
    if module is None:
        return
    values = module.FLAGS
    by_module = values.flags_by_module_dict()
    for runner in runners:
        for flag in list(by_module.get(runner, [])):
            with contextlib.suppress(AttributeError):
                delattr(values, flag.name)
