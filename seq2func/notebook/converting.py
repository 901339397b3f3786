"""Converting a notebook: its joined cells through `convert_source`, its sites
located by cell, and the changed cells written back into the JSON as it was."""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import json
import re
from dataclasses import dataclass

from ..diagnostics import (
    INTERNAL_ERROR,
    SYNTAX_ERROR,
    UNPARSED_CELL,
    UNPARSED_CELLS_LEFT,
)
from .. import diagnostics
from ..collection import collector_paused
from ..analysis.traces import SiteTraces
from ..convert import convert_source, syntax_error_at
from .jsonfile import cell_source, dump, load, set_source
from ..results import (
    ConversionError,
    ConversionResult,
    Diagnostic,
    Site,
    model_label,
)
from ..trace.lookup import TraceIndex

from .cells import CodeCell, JoinedSource, join_cells, rebuild_cell, split_joined
from .dead_cells import DeadCell, join_notebook, parsed_by_cell, without_dead_cells
from .hidden_uses import hidden_uses
from .ipython_syntax import PLACEHOLDER_LINE


@dataclass(frozen=True)
class NotebookResult:
    text: str
    sites: tuple[Site, ...]
    cells_changed: tuple[int, ...]
    path: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.cells_changed)


def _syntax_error(
    joined: JoinedSource, path: str | None, error: ConversionError
) -> ConversionError:
    """S2F001 naming the cell that does not parse, and the line and column in it."""
    for cell in joined.cells:
        if cell.python:
            found = syntax_error_at("\n".join(cell.body) + "\n")
            if found is not None:
                return _cell_error(cell, *found, path)
    cell, line = joined.locate(error.line or 1)
    reason = re.sub(
        r"\(line \d+, column \d+\)$", f"(cell {cell}, line {line})", error.reason
    )
    return ConversionError(error.code, reason, path)


def _cell_error(
    cell: CodeCell, message: str, line: int, column: int, path: str | None
) -> ConversionError:
    """`column` is 0-based in the dedented line; the message counts from 1 in the cell as written."""
    line = max(1, min(line, len(cell.lines)))
    if cell.prefix and cell.lines and cell.lines[line - 1].startswith(cell.prefix):
        column += len(cell.prefix)
    return ConversionError(
        SYNTAX_ERROR,
        f"cannot parse: {message} (cell {cell.index}, line {line}, column {column + 1})",
        path,
    )


def _relocate(site: Site, joined: JoinedSource) -> Site:
    cell, line = joined.locate(site.line)
    _, end_line = joined.locate(site.end_line)
    return dataclasses.replace(
        site,
        line=line,
        end_line=max(end_line, line),
        cell=cell,
        column=site.column + joined.indent(cell),
        diagnostics=tuple(_relocate_diagnostic(d, joined) for d in site.diagnostics),
    )


def _relocate_diagnostic(diagnostic: Diagnostic, joined: JoinedSource) -> Diagnostic:
    cell, line = joined.locate(diagnostic.line)
    message = re.sub(
        r"\(line \d+\)$", f"(cell {cell}, line {line})", diagnostic.message
    )
    lines: list[str] = []  # split only when a message names a line

    def where(found: re.Match) -> str:
        number = int(found.group(2))
        cell, line = joined.locate(number)
        lines[:] = lines or joined.code.split("\n")
        text = lines[number - 1] if 0 < number <= len(lines) else ""
        if "get_ipython().run_cell(" in text and PLACEHOLDER_LINE.match(text):
            return f"{found.group(1)}cell {cell}, which does not parse,"
        return f"{found.group(1)}cell {cell}, line {line}"

    # A cell that does not parse is quoted as the statement that stands for
    # it: `where` names the cell instead.
    placeholder = r"`(?:if )?get_ipython\(\)\.run_cell\([^`]*`"
    message = re.sub(placeholder + r" on (line \d+)", r"\1", message)
    message = re.sub(placeholder, "a cell that does not parse", message)
    message = re.sub(r"(on |\(|^)line (\d+)(?!\)$)", where, message)
    return dataclasses.replace(
        diagnostic,
        line=line,
        cell=cell,
        message=message,
        column=diagnostic.column + joined.indent(cell),
    )


@collector_paused
def convert_notebook(
    text: str,
    path: str | None = None,
    *,
    line_length: int | None = None,
    keep_lines=frozenset(),
    traces: TraceIndex | None = None,
) -> NotebookResult:
    """Convert the Sequential models of a notebook; see the module docstring.

    With `traces`, a model whose code gives no input takes the one recorded
    for its cell as the notebook holds it (`seq2func trace`).
    """
    notebook = load(text, path)
    joined = join_cells(notebook)
    if "Sequential" not in joined.code:
        return NotebookResult(text, (), (), path)
    convert = functools.partial(
        _convert_joined,
        notebook,
        path=path,
        line_length=line_length,
        keep_lines=keep_lines,
        traces=traces,
    )
    dead: tuple[DeadCell, ...] = ()
    parsed = parsed_by_cell(joined)
    if parsed is None:
        # IPython runs none of a cell that does not parse, even where the
        # joined code parses: the other cells are converted, unless one may
        # bind names unseen.
        rejoined = without_dead_cells(notebook, joined)
        if rejoined is None:
            unparsed = ConversionError(SYNTAX_ERROR, "cannot parse", path)
            raise _syntax_error(joined, path, unparsed)
        joined, dead = rejoined.joined, rejoined.dead
    try:
        result = convert(joined, dead, parsed=parsed)
    except ConversionError as error:
        if error.code != SYNTAX_ERROR:
            raise
        raise _syntax_error(joined, path, error) from None
    sites = tuple(_relocate(site, joined) for site in result.sites)
    if dead:
        sites = _noted(sites, dead, path) + _dead_sites(dead, path)
    if not result.changed:
        return NotebookResult(text, sites, (), path)
    bodies = split_joined(result.code)
    if bodies is None or set(bodies) != {cell.index for cell in joined.cells}:
        return _unchanged(
            text, sites, path, "the cell boundaries did not survive the rewrite"
        )
    written = _write_back(notebook, joined, bodies, text)
    if isinstance(written, str):
        return _unchanged(text, sites, path, written)
    new_text, changed = written
    return NotebookResult(new_text, sites, changed, path)


def _convert_joined(
    notebook: dict,
    joined: JoinedSource,
    dead: tuple[DeadCell, ...] = (),
    *,
    path: str | None,
    line_length: int | None,
    keep_lines,
    traces: TraceIndex | None,
    parsed: ast.Module | None = None,
) -> ConversionResult:
    """`convert_source` on the joined cells, sites IPython syntax may use kept;
    `parsed` is the joined code's `ast` tree when it was parsed already."""
    site_traces = None
    if traces is not None:
        site_traces = SiteTraces(traces, path, _cell_locator(notebook, joined))
    result = convert_source(
        joined.code,
        path=path,
        line_length=line_length,
        keep_lines=keep_lines,
        traces=site_traces,
        parsed=parsed,
    )
    hidden = hidden_uses(result.sites, joined, path, dead)
    if not hidden:
        return result
    result = convert_source(
        joined.code,
        path=path,
        line_length=line_length,
        keep_lines=frozenset(keep_lines) | set(hidden),
        traces=site_traces,
        parsed=parsed,
    )
    return dataclasses.replace(result, sites=_kept(result.sites, hidden))


def _noted(
    sites: tuple[Site, ...], dead: tuple[DeadCell, ...], path: str | None
) -> tuple[Site, ...]:
    """Each converted site, with a note naming the cells left as written."""
    numbers = [str(cell.index) for cell in dead]
    cells = (
        f"cell {numbers[0]}"
        if len(numbers) == 1
        else f"cells {', '.join(numbers[:-1])} and {numbers[-1]}"
    )
    return tuple(
        (
            dataclasses.replace(
                site,
                diagnostics=site.diagnostics
                + (
                    _in_cell(
                        diagnostics.make(
                            UNPARSED_CELLS_LEFT,
                            model=site.label,
                            line=site.line,
                            column=site.column,
                            detail=cells,
                            path=path,
                        ),
                        site.cell,
                    ),
                ),
            )
            if site.status == "converted"
            else site
        )
        for site in sites
    )


def _dead_sites(dead: tuple[DeadCell, ...], path: str | None) -> tuple[Site, ...]:
    """A skipped site for each `Sequential(` written in a cell that does not parse."""
    found = []
    for cell in dead:
        for written in cell.sequentials:
            label = model_label(written.target, "expression", "<module>")
            diagnostic = diagnostics.make(
                UNPARSED_CELL,
                model=label,
                line=written.line,
                column=written.column,
                detail=f": {cell.reason}",
                path=path,
            )
            found.append(
                Site(
                    target=written.target,
                    scope="<module>",
                    line=written.line,
                    column=written.column,
                    end_line=written.line,
                    status="skipped",
                    form="expression",
                    diagnostics=(_in_cell(diagnostic, cell.index),),
                    path=path,
                    cell=cell.index,
                )
            )
    return tuple(found)


def _kept(sites: tuple[Site, ...], hidden: dict[int, Diagnostic]) -> tuple[Site, ...]:
    """The sites kept for IPython syntax, with the diagnostic that says why."""
    return tuple(
        (
            dataclasses.replace(
                site, status="skipped", diagnostics=(hidden[site.line],)
            )
            if site.line in hidden
            else site
        )
        for site in sites
    )


def _write_back(
    notebook: dict, joined: JoinedSource, bodies: dict[int, list[str]], text: str
) -> tuple[str, tuple[int, ...]] | str:
    """The notebook's text with its changed cells put back, and their indexes;
    or why it cannot be written back."""
    changed = []
    replaced: dict[int, object] = {}  # the sources changed, as they were
    whole = False
    for cell in joined.cells:
        if tuple(bodies[cell.index]) == cell.body:
            continue
        source = rebuild_cell(cell, bodies[cell.index], joined.masks)
        if source is None:
            return "the cell cannot be written back exactly"
        if source != cell_source(notebook["cells"][cell.index]):
            if "source" in notebook["cells"][cell.index]:
                replaced[cell.index] = notebook["cells"][cell.index]["source"]
            else:
                whole = True  # a key added: the file is serialised anew
            set_source(notebook["cells"][cell.index], source)
            changed.append(cell.index)
    new_text = dump(notebook, text, None if whole else replaced)
    if new_text is None:
        return "its JSON layout cannot be reproduced byte for byte"
    return new_text, tuple(changed)


def notebook_traces(text: str, path: str | None, traces: TraceIndex) -> SiteTraces:
    """The trace store as the notebook's joined code sees it (for verification)."""
    notebook = load(text, path)
    joined = join_notebook(notebook).joined
    return SiteTraces(traces, path, _cell_locator(notebook, joined))


def _cell_locator(notebook: dict, joined: JoinedSource):
    """Map a position in the joined code to the cell as the notebook holds it."""

    def locate(line: int, column: int) -> tuple[str, int, int, int | None]:
        cell, cell_line = joined.locate(line)
        source = cell_source(notebook["cells"][cell])
        return source, cell_line, column + joined.indent(cell), cell

    return locate


def _unchanged(
    text: str, sites: tuple[Site, ...], path: str | None, why: str
) -> NotebookResult:
    kept = tuple(
        (
            dataclasses.replace(
                site,
                status="skipped",
                diagnostics=(
                    _in_cell(
                        diagnostics.make(
                            INTERNAL_ERROR,
                            model=site.label,
                            line=site.line,
                            detail=f" ({why})",
                            path=path,
                        ),
                        site.cell,
                    ),
                ),
            )
            if site.status == "converted"
            else site
        )
        for site in sites
    )
    return NotebookResult(text, kept, (), path)


def _in_cell(diagnostic: Diagnostic, cell: int | None) -> Diagnostic:
    message = re.sub(r"\(line (\d+)\)$", rf"(cell {cell}, line \1)", diagnostic.message)
    return dataclasses.replace(diagnostic, cell=cell, message=message)


def notebook_diff(original: str, converted: str, path: str) -> str:
    """A readable diff: one unified diff per changed code cell, named by its number."""
    before, after = json.loads(original), json.loads(converted)
    out = []
    for index, (a, b) in enumerate(zip(before["cells"], after["cells"])):
        old, new = cell_source(a), cell_source(b)
        if old == new:
            continue
        lines = difflib.unified_diff(
            [line + "\n" for line in old.split("\n")],
            [line + "\n" for line in new.split("\n")],
            f"a/{path} (cell {index})",
            f"b/{path} (cell {index})",
        )
        out.extend(lines)
    return "".join(out)
