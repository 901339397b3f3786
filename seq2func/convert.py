"""`convert_source`: source in, sites found, rewrite planned, code out.

Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable
from functools import cached_property

import libcst as cst

from . import diagnostics
from .analysis import keras_names
from .writing.formatting import black_settings
from .writing.imports import add_from_imports, is_import_line, remove_from_imports
from .writing.naming import fresh
from .analysis.narrowing import Narrowed, narrow
from .results import ConversionError, ConversionResult, Site
from .writing.rewrite import Edits, HelperNames, Rewriter, render
from .sites import Analyzer, Plan
from .writing.spelling import SpellingConflict, import_bindings, spell

# Every spelling of the class contains this word, so a file without it has no site.
_MARKER = "Sequential"


def convert_source(
    source: str,
    path: str | None = None,
    *,
    line_length: int | None = None,
    keep_lines: frozenset[int] | set[int] = frozenset(),
) -> ConversionResult:
    """Rewrite every Sequential model in `source` that can be rewritten safely.

    Returns the new code and one `Site` per `Sequential(...)` found, each
    converted or skipped with diagnostics. Sites starting on a line in
    `keep_lines` are left as they are (verification could not prove them).
    Raises `ConversionError` (S2F001) when the source does not parse.
    """
    return _convert_file(source, path, line_length, keep_lines)


def plan_source(source: str, path: str | None = None) -> tuple[Site, ...]:
    """The sites `convert_source` reports, decided without writing any code.

    Every check that decides whether a site is converted or skipped runs
    (spelling `Model` included); only the rewrite and its formatting do not.
    A file changes under `convert_source` exactly when a site here is
    converted, which is all `convert --check` needs to know.
    Raises `ConversionError` (S2F001) when the source does not parse.
    """
    return _convert_file(source, path, None, frozenset(), plan_only=True).sites


def _convert_file(
    source: str,
    path: str | None,
    line_length: int | None,
    keep_lines: frozenset[int] | set[int],
    *,
    plan_only: bool = False,
) -> ConversionResult:
    """The narrowed file when narrowing applies, else the whole file."""
    if _MARKER not in source:
        return ConversionResult(source=source, code=source, sites=(), path=path)
    narrowed = narrow(source)
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
        )
        if result is not None:
            return result
    return _convert(source, path, line_length, keep_lines, plan_only=plan_only)


def convert_narrowed(
    narrowed: Narrowed,
    path: str | None = None,
    *,
    line_length: int | None = None,
    keep_lines: frozenset[int] | set[int] = frozenset(),
    plan_only: bool = False,
) -> ConversionResult | None:
    """The conversion of a narrowed file, spliced back; None when the whole file must be converted."""
    source = "".join(narrowed.original_lines)
    try:
        # The spliced file is compiled below; a failure there converts the whole file.
        result = _convert(
            narrowed.source,
            path,
            line_length,
            keep_lines,
            narrowed.has_name,
            elided_text=narrowed.elided_text,
            safety_net=False,
            plan_only=plan_only,
        )
    except ConversionError:
        return None  # the whole file says it better, with its own positions
    code = narrowed.splice(result.code) if result.changed else source
    if code is None or (code != source and not _compiles(code, path)):
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


def _compiles(code: str, path: str | None) -> bool:
    try:
        compile(code, path or "<string>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _convert(
    source: str,
    path: str | None,
    line_length: int | None,
    keep_lines: frozenset[int] | set[int],
    file_has_name: Callable[[str], bool] = lambda name: False,
    *,
    elided_text: str = "",
    safety_net: bool = True,
    plan_only: bool = False,
) -> ConversionResult:
    """`convert_source` on `source` as given.

    `file_has_name` (asked only if a rewrite needs a name) and `elided_text` are what only the whole file shows when
    `source` is narrowed: its identifiers, and the text of its blanked
    statements for the checks that read text (imports still named somewhere,
    a mixed-precision policy). With `plan_only` the sites are decided and no
    code is written: the result's code is the source.
    """
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        message, line, column = syntax_error_at(source) or ("invalid syntax", 1, 0)
        raise ConversionError(
            "S2F001",
            f"cannot parse: {message} (line {line}, column {column + 1})",
            path,
            line,
        ) from None
    analyzer = Analyzer(module, path, source, elided_text)
    plans = analyzer.plans()
    for plan in plans:
        if plan.line in keep_lines and plan.converted:
            plan.skips.append(
                diagnostics.make(
                    "S2F307",
                    model=plan.target or "model",
                    line=plan.line,
                    column=plan.column,
                    path=path,
                )
            )
    if not any(p.converted for p in plans):
        return ConversionResult(
            source=source, code=source, sites=_sites(plans, path), path=path
        )

    wanted: list[tuple[str, str]] = []
    edits = Edits()
    bindings = import_bindings(module)
    module_names = _TakenNames(analyzer, file_has_name)
    chosen: list[tuple[Plan, HelperNames]] = []
    for plan in plans:
        if not plan.converted:
            continue
        try:
            spelling = spell(
                plan.call.func,
                plan.family,
                bindings,
                module_names,
                module.code_for_node,
            )
        except SpellingConflict as conflict:
            plan.skips.append(
                diagnostics.make(
                    "S2F114",
                    model=plan.target or "model",
                    line=plan.line,
                    column=plan.column,
                    detail=f"{conflict}",
                    path=path,
                )
            )
            continue
        if plan_only:
            continue  # the site is decided; naming and rendering write code
        names = _helper_names(plan, module_names, chosen)
        chosen.append((plan, names))
        render(plan, spelling, names, module, edits)
        wanted.extend(spelling.imports)

    if not chosen or plan_only:
        return ConversionResult(
            source=source, code=source, sites=_sites(plans, path), path=path
        )
    settings = black_settings(path, line_length)
    new_module = _rewrite(module, analyzer, edits, settings)
    code = _fix_imports(new_module, wanted, analyzer, bindings, elided_text)
    try:
        if safety_net:
            compile(code, path or "<string>", "exec", dont_inherit=True)
    except SyntaxError as error:  # a bug of ours must never reach the user's file
        for plan, _ in chosen:
            plan.skips.append(
                diagnostics.make(
                    "S2F199",
                    model=plan.target or "model",
                    line=plan.line,
                    column=plan.column,
                    detail=f": {error.msg}",
                    path=path,
                )
            )
        return ConversionResult(
            source=source, code=source, sites=_sites(plans, path), path=path
        )
    return ConversionResult(
        source=source, code=code, sites=_sites(plans, path), path=path
    )


class _TakenNames:
    """The names a new variable must not rebind, worked out the first time one is asked for.

    Most sites need none: their file already spells Input and Model.
    """

    def __init__(
        self, analyzer: Analyzer, file_has_name: Callable[[str], bool]
    ) -> None:
        self._analyzer = analyzer
        self._file_has_name = file_has_name

    @cached_property
    def _names(self) -> frozenset[str]:
        return self._analyzer.variable_names()

    def __contains__(self, name: object) -> bool:
        return name in self._names or (
            isinstance(name, str) and self._file_has_name(name)
        )


class _Busy:
    """The taken names, and the helper names other sites already use."""

    def __init__(self, taken: _TakenNames, extra: set[str]) -> None:
        self._taken = taken
        self.extra = extra

    def __contains__(self, name: object) -> bool:
        return name in self.extra or name in self._taken


def _helper_names(
    plan: Plan, taken: _TakenNames, chosen: list[tuple[Plan, HelperNames]]
) -> HelperNames:
    """`inputs`, `x`, `outputs`, unless the program uses them or an overlapping site does."""
    busy = _Busy(taken, set())
    for other, names in chosen:
        if other.scope_node is plan.scope_node and other.end_line >= plan.line:
            busy.extra.update(dataclasses.astuple(names))
    inputs = fresh("inputs", busy)
    busy.extra.add(inputs)
    x = fresh("x", busy)
    busy.extra.add(x)
    outputs = fresh("outputs", busy)
    busy.extra.add(outputs)
    return HelperNames(
        inputs=inputs, x=x, outputs=outputs, base=fresh("base_model", busy)
    )


def _rewrite(
    module: cst.Module, analyzer: Analyzer, edits: Edits, settings
) -> cst.Module:
    """Visit only the top-level statements that hold an edit; the rest stay as parsed."""
    edited = [*edits.replace, *edits.after, *edits.nodes]
    touched = {analyzer.top_level(node) for node in edited}
    # Within those, only the way down to an edit: the rest stays as parsed too.
    holding: set[cst.CSTNode] = set()
    for node in edited:
        while node is not None and node not in holding:
            holding.add(node)
            node = analyzer.parent(node)
    rewriter = Rewriter(module, edits, settings, holding)
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        if statement not in touched:
            body.append(statement)
            continue
        result = statement.visit(rewriter)
        if isinstance(result, cst.FlattenSentinel):
            body.extend(result.nodes)
        elif isinstance(result, cst.BaseStatement):
            body.append(result)
    body, pending = rewriter.settle_markers(body)
    return module.with_changes(body=body, footer=[*pending, *module.footer])


def _fix_imports(
    module: cst.Module,
    wanted: list[tuple[str, str]],
    analyzer: Analyzer,
    bindings,
    elided_text: str,
) -> str:
    """The code with the imports the rewrite needs added and the ones it left unused dropped.

    The import edits run on the file's leading import block only: the rest of
    the file is searched for the names once, as text, which errs on the side
    of keeping an import.
    """
    body = list(module.body)
    # The leading block of imports (after a docstring); conditional imports
    # and ones further down are part of it only if the block reaches them.
    last = -1
    for index, statement in enumerate(body):
        if (
            is_import_line(statement)
            or _is_docstring(statement, index)
            or _is_future(statement)
        ):
            last = index
        elif last >= 0 or index > 0:
            break
    head, rest = body[: last + 1], body[last + 1 :]
    # The code of the rest is written once, for the search and for the file.
    rest_codes = [module.code_for_node(s) for s in rest]
    rest_code = "".join(rest_codes) + elided_text
    removals = _unused_imports(analyzer, bindings, rest_code)
    whole = any(
        _imported_in(rest_code, module_name, obj) for module_name, obj, _ in removals
    )
    if whole:
        head, rest, rest_codes = (
            body,
            [],
            [],
        )  # the import to remove sits further down: use the whole file
    if not wanted and not removals:
        return _code(module, rest_codes)
    block = module.with_changes(body=head, footer=())
    block = add_from_imports(block, wanted)
    block = remove_from_imports(
        block, removals, check_uses=whole, elided_text=elided_text
    )
    return _code(module.with_changes(body=[*block.body, *rest]), rest_codes)


def _code(module: cst.Module, tail: list[str]) -> str:
    """`module.code`, the code of its last statements given (`Module._codegen_impl`)."""
    if not module.has_trailing_newline or not module.body:
        return module.code  # the last newline goes, or the file is empty
    head = module.body[: len(module.body) - len(tail)]
    nodes = [*module.header, *head]
    return "".join(
        [
            *(module.code_for_node(node) for node in nodes),
            *tail,
            *(module.code_for_node(node) for node in module.footer),
        ]
    )


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


def _is_docstring(statement: cst.BaseStatement, index: int) -> bool:
    return (
        index == 0
        and isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(
            statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
        )
    )


def _unused_imports(
    analyzer: Analyzer, bindings, rest_code: str
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
        if not any(
            not _in_import(analyzer, n) for n in analyzer.names.get(binding.name, [])
        ):
            continue
        if re.search(rf"\b{re.escape(binding.name)}\b", rest_code):
            continue
        obj = binding.qualified.rsplit(".", 1)[1]
        found.append(
            (binding.from_module, obj, binding.name if binding.name != obj else None)
        )
    return found


def _in_import(analyzer: Analyzer, node: cst.CSTNode) -> bool:
    return any(
        isinstance(a, (cst.Import, cst.ImportFrom)) for a in analyzer.ancestors(node)
    )


def _sites(plans: list[Plan], path: str | None) -> tuple[Site, ...]:
    return tuple(
        Site(
            target=plan.target,
            scope=plan.scope,
            line=plan.line,
            column=plan.column,
            end_line=plan.end_line,
            status="converted" if plan.converted else "skipped",
            form=plan.form,
            diagnostics=tuple(plan.skips if plan.skips else plan.notes),
            model_name=plan.model_name,
            path=path,
        )
        for plan in plans
    )
