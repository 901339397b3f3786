"""Converted sites that IPython syntax may use or feed: they are kept as they were.

A `%magic` or `!shell` line is masked as `pass` while converting, so what it
does is not seen: `%time model.fit(x2, y)` fits the model (the first build
may be there, on other data), `!echo {model.layers[0]}` reads a layer, and
`%run script.py` or `%store -r x` can bind any name, the data a model's
input was read from included. So a converted site is kept, with S2F105,
when a masked line after it names the model, and a site whose input was
read from the data of its first build (S2F210) is kept, with S2F101, when
the notebook runs a magic that binds names it does not show.
Pinned by tests/test_notebook.py (`test_a_magic_*`).
"""

from __future__ import annotations

import ast
import re

from .. import diagnostics
from ..diagnostics import ESCAPES, INPUT_FROM_FIRST_BUILD, NO_INPUT
from ..results import Diagnostic, Site
from .cells import JoinedSource
from .dead_cells import DeadCell
from .ipython_syntax import BINDING_MAGICS, PLACEHOLDER_LINE, command

_WORD = re.compile(r"[A-Za-z_]\w*")
# A cell whose Python runs in a function of its own (`cells`): it may still
# change the data in place, or bind it by `global`.
_TIMED_CELL = re.compile(r"^%%\s*timeit\b")
# Line magics whose argument is Python code that runs (`%lprun -f f stmt`:
# line_profiler's, which runs `stmt`; `%pyinstrument stmt`, `%snakeviz stmt`).
_PYTHON_MAGICS = re.compile(
    r"^%%?\s*(time|timeit|prun|memit|mprun|debug|lprun|pyinstrument|snakeviz)\b"
)
# What IPython expands in any other magic or shell line: `{expression}`, `$name`.
_EXPANDED = re.compile(r"\{([^{}]*)\}|\$\$?([A-Za-z_]\w*)")


def hidden_uses(
    sites: tuple[Site, ...],
    joined: JoinedSource,
    path: str | None,
    dead: tuple[DeadCell, ...] = (),
) -> dict[int, Diagnostic]:
    """The converted sites to keep, by line in the joined source, and why.

    A cell that does not parse (`dead_cells`) keeps every site it names,
    wherever it stands: what it will say once fixed is unknown (a `def`
    there runs later), and IPython syntax the masks miss may run now.
    """
    python = {cell.index for cell in joined.cells if cell.python}
    masked = []  # (line in the joined source, text as IPython reads it)
    for number, line in enumerate(joined.code.split("\n"), start=1):
        found = PLACEHOLDER_LINE.match(line)
        if found is not None:
            mask = joined.masks[int(found.group(2))]
            if mask.cell not in python:
                if _TIMED_CELL.match(mask.text):
                    # Its Python runs, in a function: it may use the model.
                    masked.append((number, " ".join(mask.text.split())))
                continue
            text = mask.text.strip()
            if masked and masked[-1][0] == number - 1 and masked[-1][1][-1:] == "\\":
                # `%time \` continued: IPython runs the lines as one command.
                masked[-1] = (number, f"{masked[-1][1][:-1]} {text}")
            else:
                masked.append((number, text))
    masked = [(number, command(text)) for number, text in masked]
    binding = next(
        (
            text
            for _, text in masked
            if BINDING_MAGICS.match(text) or _TIMED_CELL.match(text)
        ),
        None,
    )
    kept: dict[int, Diagnostic] = {}
    flows = _flows(joined.code) if dead else None
    for site in sites:
        if site.status != "converted":
            continue
        name = site.target.rsplit(".", 1)[-1] if site.target else None
        use = next(
            (
                text
                for number, text in masked
                if number > site.line and name in _python_words(text)
            ),
            None,
        )
        holders = _holders(flows, name) if dead and name else set()
        naming = next((cell for cell in dead if holders & set(cell.reads)), None)
        if use is not None:
            detail = f" (IPython syntax the converter cannot read: `{use}`)"
            kept[site.line] = _diagnostic(ESCAPES, site, detail, path)
        elif naming is not None:
            alias = next((n for n in naming.reads if n in holders and n != name), None)
            what = "it" if name in naming.reads else f"{alias}, which may hold it"
            detail = f" (cell {naming.index} names {what}, and does not parse)"
            kept[site.line] = _diagnostic(ESCAPES, site, detail, path)
        elif binding is not None and any(
            d.code == INPUT_FROM_FIRST_BUILD for d in site.diagnostics
        ):
            detail = f" (`{binding}` may bind the data its first build reads)"
            kept[site.line] = _diagnostic(NO_INPUT, site, detail, path)
    return kept


def _diagnostic(code: str, site: Site, detail: str, path: str | None) -> Diagnostic:
    return diagnostics.make(
        code, model=site.label, line=site.line, detail=detail, path=path
    )


def _python_words(text: str) -> list[str]:
    """The names a masked line's Python may read: the whole argument of
    `%time`-like magics, else what IPython expands (`!echo {model.name}`);
    `obj?` only looks an object up."""
    if _PYTHON_MAGICS.match(text):
        return _WORD.findall(text)
    if text.endswith("?"):
        return []
    return [
        word
        for found in _EXPANDED.finditer(text)
        for word in _WORD.findall(found.group(1) or found.group(2))
    ]


_Flows = list[tuple[set[str], set[str]]]  # (names bound, names passed on to them)


def _holders(flows: _Flows | None, name: str) -> set[str]:
    """`name` and the names the code binds to what it holds (`m = name`,
    `a, b = name, x`, `for m in [name]`, `m = f()` where f returns it),
    however many times over; scopes are not told apart (more is kept)."""
    if flows is None:  # syntax newer than this Python
        return {name}
    holders = {name}
    while True:
        more = {n for bound, passed in flows if passed & holders for n in bound}
        if more <= holders:
            return holders
        holders |= more


def _flows(code: str) -> _Flows | None:
    """Where the code hands an object from one name to another, read once per notebook."""
    flows: _Flows = []
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flows.append((_stored(targets), _passed(node.value)))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            flows.append((_stored([node.target]), _passed(node.iter)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            returned = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
            for found in returned:  # `f()` stands for what f returns
                flows.append(({f"{node.name}()"}, _passed(found.value)))
        elif isinstance(node, ast.withitem):
            flows.append((_stored([node.optional_vars]), _passed(node.context_expr)))
    return flows


def _stored(targets) -> set[str]:
    return {
        node.id
        for target in targets
        if target is not None
        for node in ast.walk(target)
        if isinstance(node, ast.Name)
    }


def _passed(value) -> set[str]:
    """The names whose object itself `value` may be (not what it computes)."""
    if isinstance(value, ast.Name):
        return {value.id}
    if isinstance(value, (ast.Tuple, ast.List, ast.Set, ast.Starred)):
        items = value.elts if not isinstance(value, ast.Starred) else [value.value]
        return {n for item in items for n in _passed(item)}
    if isinstance(value, ast.IfExp):
        return _passed(value.body) | _passed(value.orelse)
    if isinstance(value, ast.NamedExpr):
        return _passed(value.value)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return {f"{value.func.id}()"}
    return set()
