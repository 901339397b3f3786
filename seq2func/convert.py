"""`convert_source`: source in, sites found, rewrite planned, code out.

Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from collections.abc import Callable

import libcst as cst
from libcst.metadata import ExpressionContext

from . import diagnostics
from .collection import collector_paused
from .diagnostics import INTERNAL_ERROR, NAME_CONFLICT, SYNTAX_ERROR, UNPROVEN_KEPT
from .writing.formatting import black_settings
from .writing.import_fixes import fix_imports
from .writing.naming import HelperNames, TakenNames, helper_names
from .analysis.index import TreeIndex, WholeFileNeeded
from .analysis.narrowing import Narrowed, narrow
from .analysis.traces import SiteTraces
from .planning import find_sites
from .planning.plan import Plan
from .results import ConversionError, ConversionResult, Site
from .trace.lookup import TraceIndex
from .writing.rewrite import Edits, render, rewrite_module
from .writing.spelling import (
    Spelling,
    SpellingConflict,
    bindings_before,
    import_history,
    spell,
)

# Every spelling of the class contains this word, so a file without it has no site.
_MARKER = "Sequential"


@collector_paused
def convert_source(
    source: str,
    path: str | None = None,
    *,
    line_length: int | None = None,
    keep_lines: frozenset[int] | set[int] = frozenset(),
    traces: TraceIndex | SiteTraces | None = None,
    parsed: ast.Module | None = None,
) -> ConversionResult:
    """Rewrite every Sequential model in `source` that can be rewritten safely.

    Returns the new code and one `Site` per `Sequential(...)` found, each
    converted or skipped with diagnostics. Sites starting on a line in
    `keep_lines` are left as they are (verification could not prove them).
    With `traces` (a store opened with `TraceIndex.open`), a model whose
    code gives no input takes the one runs of the program recorded.
    `parsed` is `ast.parse(source)` where the caller has it already (a
    notebook's joined cells), so that it is not parsed again.
    Raises `ConversionError` (S2F001) when the source does not parse.
    """
    site_traces = _site_traces(traces, source, path)
    return _convert_file(
        source, path, line_length, keep_lines, traces=site_traces, parsed=parsed
    )


@collector_paused
def plan_source(
    source: str,
    path: str | None = None,
    *,
    traces: TraceIndex | SiteTraces | None = None,
) -> tuple[Site, ...]:
    """The sites `convert_source` reports, decided without writing any code.

    Every check that decides whether a site is converted or skipped runs
    (spelling `Model` included); only the rewrite and its formatting do not.
    A file changes under `convert_source` exactly when a site here is
    converted, which is all `convert --check` needs to know.
    Raises `ConversionError` (S2F001) when the source does not parse.
    """
    site_traces = _site_traces(traces, source, path)
    return _convert_file(
        source, path, None, frozenset(), plan_only=True, traces=site_traces
    ).sites


def _site_traces(
    traces: TraceIndex | SiteTraces | None, source: str, path: str | None
) -> SiteTraces | None:
    if isinstance(traces, TraceIndex):
        return SiteTraces.for_file(traces, source, path)
    return traces


def _convert_file(
    source: str,
    path: str | None,
    line_length: int | None,
    keep_lines: frozenset[int] | set[int],
    *,
    plan_only: bool = False,
    traces: SiteTraces | None = None,
    parsed: ast.Module | None = None,
) -> ConversionResult:
    """The narrowed file when narrowing applies, else the whole file."""
    if _MARKER not in source:
        return ConversionResult(source=source, code=source, sites=(), path=path)
    narrowed = narrow(source, parsed)
    if narrowed is not None and not narrowed.mentions_sequential:
        # The word is only in strings or comments: nothing can be a site.
        return ConversionResult(source=source, code=source, sites=(), path=path)
    if narrowed is not None:
        result = convert_narrowed(
            narrowed,
            path,
            line_length=line_length,
            keep_lines=keep_lines,
            plan_only=plan_only,
            traces=traces,
        )
        if result is not None:
            return result
    return _convert(
        source, path, line_length, keep_lines, plan_only=plan_only, traces=traces
    )


def convert_narrowed(
    narrowed: Narrowed,
    path: str | None = None,
    *,
    line_length: int | None = None,
    keep_lines: frozenset[int] | set[int] = frozenset(),
    plan_only: bool = False,
    traces: SiteTraces | None = None,
) -> ConversionResult | None:
    """The conversion of a narrowed file, spliced back; None when the whole file must be converted."""
    source = "".join(narrowed.original_lines)
    try:
        result = _convert(
            narrowed.source,
            path,
            line_length,
            keep_lines,
            narrowed.has_name,
            elided_text=narrowed.elided_text,
            may_bind_elided=narrowed.may_bind_elided,
            may_read_elided_between=narrowed.may_read_elided_between,
            plan_only=plan_only,
            traces=traces,
        )
    except (ConversionError, WholeFileNeeded):
        # The whole file says it better, with its own positions, or a check
        # needs a statement narrowing left out.
        return None
    # The edits were compiled where they were made; the splice puts them back
    # line for line, among statements it copies as they were.
    code = narrowed.splice(result.code) if result.changed else source
    if code is None:
        return None
    return dataclasses.replace(result, source=source, code=code)


def syntax_error_at(source: str) -> tuple[str, int, int] | None:
    """Why `source` does not parse, and where (line, 0-based column); None when it parses.

    Python's own parser says it best (`print "x"` gets "Missing parentheses in
    call to 'print'"); LibCST's grammar speaks only for what Python accepts.
    """
    try:
        ast.parse(source)
    except SyntaxError as error:
        return error.msg, error.lineno or 1, max((error.offset or 1) - 1, 0)
    except ValueError as error:  # a null byte, before Python 3.12
        line = source[: source.find("\0")].count("\n") + 1 if "\0" in source else 1
        return str(error), line, 0
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return (
            re.sub(r"^error at \d+:\d+: ", "", error.message),
            error.raw_line,
            error.raw_column,
        )
    return None


def _convert(
    source: str,
    path: str | None,
    line_length: int | None,
    keep_lines: frozenset[int] | set[int],
    file_has_name: Callable[[str], bool] = lambda name: False,
    *,
    elided_text: str = "",
    may_bind_elided: Callable[[str], bool] | None = None,
    may_read_elided_between: Callable[[str, int, int], bool] | None = None,
    plan_only: bool = False,
    traces: SiteTraces | None = None,
) -> ConversionResult:
    """`convert_source` on `source` as given.

    `file_has_name` (asked only if a rewrite needs a name) and `elided_text` are what only the whole file shows when
    `source` is narrowed: its identifiers, and the text of its blanked
    statements for the checks that read text (imports still named somewhere,
    a mixed-precision policy). With `plan_only` the sites are decided and no
    code is written: the result's code is the source.
    """
    module = _parse(source, path)
    index = TreeIndex(
        module,
        path,
        source,
        elided_text,
        traces,
        may_bind_elided,
        may_read_elided_between,
    )
    try:
        return _convert_indexed(
            index,
            source,
            line_length,
            keep_lines,
            file_has_name,
            elided_text,
            plan_only,
        )
    finally:
        index.release()


def _convert_indexed(
    index: TreeIndex,
    source: str,
    line_length: int | None,
    keep_lines: frozenset[int] | set[int],
    file_has_name: Callable[[str], bool],
    elided_text: str,
    plan_only: bool,
) -> ConversionResult:
    """`_convert`, once the module is parsed and indexed."""
    module, path = index.module, index.path
    plans = find_sites(index)
    for plan in plans:
        if plan.line in keep_lines and plan.converted:
            _skip(plan, UNPROVEN_KEPT, path)
    unchanged = ConversionResult(source, source, (), path)
    history = import_history(module, index.line)
    bindings = {name: found[-1] for name, found in history.items()}
    names = TakenNames(index, file_has_name)
    spelled = (
        []
        if not any(p.converted for p in plans)
        else _spell(plans, index, history, names, path)
    )
    if not spelled or plan_only:
        return dataclasses.replace(unchanged, sites=_sites(plans, path))
    edits = Edits()
    chosen: list[tuple[Plan, HelperNames]] = []
    for plan, spelling in spelled:
        chosen.append((plan, helper_names(plan, names, chosen)))
        render(plan, spelling, chosen[-1][1], module, edits)
    wanted = [pair for _, spelling in spelled for pair in spelling.imports]
    settings = black_settings(path, line_length)
    new_module = rewrite_module(module, index, edits, settings)
    fresh: list[str] = []
    code = fix_imports(new_module, wanted, index, bindings, elided_text, fresh)
    error = _compile_error(fresh, path)
    if error is not None:  # a bug of ours must never reach the user's file
        for plan, _ in spelled:
            _skip(plan, INTERNAL_ERROR, path, f": {error}")
        return dataclasses.replace(unchanged, sites=_sites(plans, path))
    return ConversionResult(source, code, _sites(plans, path), path)


def _parse(source: str, path: str | None) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        message, line, column = syntax_error_at(source) or ("invalid syntax", 1, 0)
        raise ConversionError(
            SYNTAX_ERROR,
            f"cannot parse: {message} (line {line}, column {column + 1})",
            path,
            line,
        ) from None


def _spell(
    plans: list[Plan], index: TreeIndex, history, names: TakenNames, path: str | None
) -> list[tuple[Plan, Spelling]]:
    """How each converted site spells `Input`/`Model`; a site that cannot is skipped (S2F114)."""
    spelled = []
    for plan in plans:
        if not plan.converted:
            continue
        above = _imports_in_force(index, plan, history)
        try:
            spelling = spell(
                plan.call.func,
                plan.family,
                above,
                names,
                index.module.code_for_node,
                usable=functools.partial(_usable, index, plan.call),
            )
        except SpellingConflict as conflict:
            _skip(plan, NAME_CONFLICT, path, f"{conflict}")
            continue
        spec = plan.input
        if spec is not None and (spec.variable or spec.verbatim):
            # The code's own input is used (`base.input`, its `keras.Input(...)`):
            # `Input` is not written, so it is not imported.
            kept = tuple(pair for pair in spelling.imports if pair[1] != "Input")
            spelling = dataclasses.replace(spelling, imports=kept)
        spelled.append((plan, spelling))
    return spelled


def _imports_in_force(index: TreeIndex, plan: Plan, history) -> dict:
    """The imports the site's code can rely on to spell `Input`/`Model`.

    At module level, the last import of a name above the site. A site in a
    function or a class runs when it is called, maybe after a later import of
    the name: there only a name every import of which binds the same object.
    A name the file also binds another way (`Model = dict`, a `def`, a
    parameter) spells nothing: `spell` asks `_bound_otherwise` of the names
    it would write.
    """
    above = bindings_before(history, index.line(_top_level(index, plan.call)))
    nested = any(
        isinstance(a, (cst.FunctionDef, cst.ClassDef, cst.Lambda))
        for a in index.ancestors(plan.call)
    )
    if not nested:
        return above
    return {
        name: binding
        for name, binding in above.items()
        if all(b.qualified == binding.qualified for b in history[name])
    }


def _usable(index: TreeIndex, site: cst.CSTNode, name: str) -> bool:
    return not _bound_otherwise(index, name, site)


def _bound_otherwise(index: TreeIndex, name: str, site: cst.CSTNode) -> bool:
    """Whether the file binds the name other than by an import, in the module
    or in a function or class around the site (a parameter of another
    function does not count)."""
    if index.may_be_bound_elided(name):
        raise WholeFileNeeded  # a blanked statement may bind it
    around = {id(a) for a in index.ancestors(site)}
    for node in index.names.get(name, ()):
        parent = index.parent(node)
        own_name = isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and (
            parent.name is node
        )
        stored = (
            index.context(node) is not ExpressionContext.LOAD
            or own_name
            or (isinstance(parent, cst.Param) and parent.name is node)
            or isinstance(parent, (cst.Global, cst.Nonlocal, cst.NameItem))
        )
        if not stored:
            continue
        scopes = [
            a
            for a in index.ancestors(parent if own_name else node)
            if isinstance(a, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Import))
            or isinstance(a, cst.ImportFrom)
        ]
        if scopes and isinstance(scopes[0], (cst.Import, cst.ImportFrom)):
            continue  # an import
        if not scopes or id(scopes[0]) in around:
            return True
    return False


def _top_level(index: TreeIndex, node: cst.CSTNode) -> cst.CSTNode:
    """The statement of the module that holds the node."""
    for ancestor in index.ancestors(node):
        if isinstance(index.parent(ancestor), cst.Module):
            return ancestor
    return node


def _skip(plan: Plan, code: str, path: str | None, detail: str = "") -> None:
    plan.skips.append(
        diagnostics.make(
            code,
            model=plan.label,
            line=plan.line,
            column=plan.column,
            detail=detail,
            path=path,
        )
    )


def _compile_error(statements: list[str], path: str | None) -> str | None:
    """Why one of the top-level statements the rewrite wrote does not compile.

    Only what the rewrite wrote is compiled, each statement on its own (a
    statement of the module compiles alone as it does in its file, and a
    `from __future__` import must come first in its chunk): Python's
    compiler then costs what the edits are worth, not what the file is, and
    a statement the user's file already could not compile (a notebook's
    top-level `await`) is no bug of ours unless the rewrite touched it.
    """
    for code in statements:
        try:
            compile(code, path or "<string>", "exec", dont_inherit=True)
        except SyntaxError as error:
            return error.msg
        except ValueError as error:  # a null byte, before Python 3.12
            return str(error)
    return None


def _sites(plans: list[Plan], path: str | None) -> tuple[Site, ...]:
    return tuple(
        Site(
            target=plan.target,
            scope=plan.scope,
            line=plan.line,
            column=plan.column,
            end_line=plan.end_line,
            status="converted" if plan.converted else "skipped",
            form=plan.form.value,
            diagnostics=tuple(plan.skips if plan.skips else plan.notes),
            model_name=plan.model_name,
            path=path,
        )
        for plan in plans
    )
