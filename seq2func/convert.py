"""`convert_source`: source in, sites found, rewrite planned, code out.

Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import dataclasses

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from . import diagnostics, keras_names
from .formatting import black_settings
from .naming import fresh
from .results import ConversionError, ConversionResult, Site
from .rewrite import Edits, HelperNames, Rewriter, render
from .sites import Analyzer, Plan
from .spelling import SpellingConflict, import_bindings, spell

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
    if _MARKER not in source:
        return ConversionResult(source=source, code=source, sites=(), path=path)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise ConversionError(
            "S2F001", f"{error.message} (line {error.raw_line}, column {error.raw_column})", path, error.raw_line
        ) from None
    analyzer = Analyzer(module, path, source)
    plans = analyzer.plans()
    for plan in plans:
        if plan.line in keep_lines and plan.converted:
            plan.skips.append(
                diagnostics.make(
                    "S2F307", model=plan.target or "model", line=plan.line, column=plan.column, path=path
                )
            )
    if not any(p.converted for p in plans):
        return ConversionResult(source=source, code=source, sites=_sites(plans, path), path=path)

    context = CodemodContext(filename=path)
    edits = Edits()
    bindings = import_bindings(module)
    module_names = frozenset(analyzer.names)
    chosen: list[tuple[Plan, HelperNames]] = []
    for plan in plans:
        if not plan.converted:
            continue
        try:
            spelling = spell(plan.call.func, plan.family, bindings, module_names, module.code_for_node)
        except SpellingConflict as conflict:
            plan.skips.append(
                diagnostics.make(
                    "S2F114", model=plan.target or "model", line=plan.line, column=plan.column,
                    detail=f"{conflict}", path=path,
                )
            )
            continue
        names = _helper_names(plan, module_names, chosen)
        chosen.append((plan, names))
        render(plan, spelling, names, module, edits)
        for module_name, obj in spelling.imports:
            AddImportsVisitor.add_needed_import(context, module_name, obj)

    if not chosen:
        return ConversionResult(source=source, code=source, sites=_sites(plans, path), path=path)
    settings = black_settings(path, line_length)
    new_module = module.visit(Rewriter(module, edits, settings))
    # Each import visitor re-reads the whole module: run them only when needed.
    if context.scratch.get(AddImportsVisitor.CONTEXT_KEY):
        new_module = AddImportsVisitor(context).transform_module(new_module)
    if _request_unused_import_removal(context, analyzer, bindings):
        new_module = RemoveImportsVisitor(context).transform_module(new_module)
    code = new_module.code
    try:
        compile(code, path or "<string>", "exec")
    except SyntaxError as error:  # a bug of ours must never reach the user's file
        for plan, _ in chosen:
            plan.skips.append(
                diagnostics.make(
                    "S2F199", model=plan.target or "model", line=plan.line, column=plan.column,
                    detail=f": {error.msg}", path=path,
                )
            )
        return ConversionResult(source=source, code=source, sites=_sites(plans, path), path=path)
    return ConversionResult(source=source, code=code, sites=_sites(plans, path), path=path)


def _helper_names(plan: Plan, taken: frozenset[str], chosen: list[tuple[Plan, HelperNames]]) -> HelperNames:
    """`inputs`, `x`, `outputs`, unless the program uses them or an overlapping site does."""
    busy = set(taken)
    for other, names in chosen:
        if other.scope_node is plan.scope_node and other.end_line >= plan.line:
            busy.update(dataclasses.astuple(names))
    inputs = fresh("inputs", busy)
    busy.add(inputs)
    x = fresh("x", busy)
    busy.add(x)
    outputs = fresh("outputs", busy)
    busy.add(outputs)
    return HelperNames(inputs=inputs, x=x, outputs=outputs, base=fresh("base_model", busy))


def _request_unused_import_removal(context: CodemodContext, analyzer: Analyzer, bindings) -> bool:
    """Ask to remove imports of Sequential/InputLayer the rewrite may leave unused.

    Only names the original used: an import that was already unused is not
    ours to remove. Returns whether anything was asked.
    """
    asked = False
    for binding in bindings.values():
        if binding.from_module is None:
            continue
        qualified = {binding.qualified}
        if not (keras_names.sequential_family(qualified) or keras_names.is_input_layer(qualified)):
            continue
        if not any(not _in_import(analyzer, n) for n in analyzer.names.get(binding.name, [])):
            continue
        obj = binding.qualified.rsplit(".", 1)[1]
        asname = binding.name if binding.name != obj else None
        RemoveImportsVisitor.remove_unused_import(context, binding.from_module, obj, asname)
        asked = True
    return asked


def _in_import(analyzer: Analyzer, node: cst.CSTNode) -> bool:
    return any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in analyzer.ancestors(node))


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
