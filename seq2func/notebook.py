"""Jupyter notebooks: convert the code cells, leave every other byte as it was.

The code cells are joined, in order, into one Python source with a marker
comment between cells, so a model built across cells (constructor in one,
`add` calls in the next) is one site, converted when nothing in between
uses it. Each cell is read as IPython reads it: dedented by the indentation
of its first line, and with `%magic`, `%%cell magic`, `!shell` (continued
with a backslash) and `obj?` recognised only where a logical line starts;
those are masked as placeholder statements while converting. Cells whose
cell magic runs another language (`%%bash`, `%%html`, ...) are left alone.
Only the sources of changed cells change, and in them only the rewritten
lines: every other line is written back as it was. The JSON is written back
with the file's own indentation, key order and escaping, and when that
cannot reproduce the file byte for byte the notebook is left unchanged.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import json
import re
import tokenize
from dataclasses import dataclass

from .diagnostics import INTERNAL_ERROR, SYNTAX_ERROR
from . import diagnostics
from .analysis.traces import SiteTraces
from .convert import convert_source, syntax_error_at
from .notebook_json import cell_source, dump, load, set_source
from .results import ConversionError, Diagnostic, Site
from .trace.lookup import TraceIndex

_BOUNDARY = "# seq2func-cell {index}"
_BOUNDARY_LINE = re.compile(r"^# seq2func-cell (\d+)$")
_MASK = "pass # seq2func-mask-{index}"
_MASK_LINE = re.compile(r"^(\s*)pass # seq2func-mask-(\d+)$")
# Lines that may be IPython syntax; only those starting a logical line are (see `_escapes`).
_IPYTHON_LINE = re.compile(r"^\s*(%|!|\?)|^[^#'\"]*\?\??\s*$")
_LEADING_SPACE = re.compile(r"^[ \t]+")
# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "memit"}


@dataclass(frozen=True)
class NotebookResult:
    text: str
    sites: tuple[Site, ...]
    cells_changed: tuple[int, ...]
    path: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.cells_changed)


@dataclass(frozen=True)
class CodeCell:
    """One code cell as written and as the converter sees it, line for line."""

    index: int
    lines: tuple[
        str, ...
    ]  # the source split at "\n", less the empty piece after a final newline
    body: tuple[
        str, ...
    ]  # `lines` dedented and masked; one placeholder for a cell in another language
    prefix: str  # the indentation IPython strips from the cell before running it
    final_newline: bool
    start: int  # line of body[0] in the joined source
    python: bool


@dataclass(frozen=True)
class Mask:
    """A line of IPython syntax, and the placeholder that stands for it."""

    line: str  # as written in the cell
    text: str  # as IPython sees it, dedented
    indent: str  # the placeholder's indentation
    cell: int


@dataclass(frozen=True)
class JoinedSource:
    """The notebook's code as one Python source, and where each cell starts in it."""

    code: str
    cell_starts: tuple[
        tuple[int, int], ...
    ]  # (cell index, first line of the cell in `code`)
    masks: tuple[Mask, ...]
    cells: tuple[CodeCell, ...] = ()

    def locate(self, line: int) -> tuple[int, int]:
        """(cell index, line within the cell) of a line of the joined source."""
        found = (self.cell_starts[0][0], line) if self.cell_starts else (0, line)
        for cell, start in self.cell_starts:
            if start <= line:
                found = (cell, line - start + 1)
        return found

    def indent(self, cell: int) -> int:
        """How many columns the converter's view of a cell is shifted left by the dedent."""
        return next((len(c.prefix) for c in self.cells if c.index == cell), 0)


def _dedent(lines: list[str]) -> tuple[str, list[str]]:
    """IPython's own dedent: the first non-blank line's indentation, taken off every line that has it."""
    first = next((line for line in lines if line and not line.isspace()), "")
    match = _LEADING_SPACE.match(first)
    prefix = match.group(0) if match else ""
    if not prefix:
        return "", lines
    return prefix, [
        line[len(prefix) :] if line.startswith(prefix) else line for line in lines
    ]


def _other_language(lines: list[str]) -> bool:
    first = next((line for line in lines if line and not line.isspace()), "")
    if not first.startswith("%%"):
        return False
    words = first[2:].split()
    return (words[0] if words else "") not in _PYTHON_CELL_MAGICS


def _statement_starts(text: str) -> tuple[set[int], float]:
    """Lines on which a logical line starts, grouped as IPython groups them, and up to which line that is known."""
    starts: set[int] = set()
    reached: float = 0
    depth, fresh = 0, True
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            reached = token.start[0]
            if fresh and token.type not in (tokenize.INDENT, tokenize.DEDENT):
                starts.add(token.start[0])
                fresh = False
            if token.type == tokenize.NEWLINE or (
                token.type == tokenize.NL and depth <= 0
            ):
                fresh = True
            elif token.type == tokenize.OP and token.string in ("(", "[", "{"):
                depth += 1
            elif token.type == tokenize.OP and token.string in (")", "]", "}"):
                depth = max(depth - 1, 0)
    except (tokenize.TokenError, SyntaxError):
        return starts, reached  # lines past the failure keep the benefit of the doubt
    return starts, float("inf")


def _continued(lines: list[str], start: int) -> int:
    """The last line of the command starting at `start`: IPython continues one only with a backslash."""
    end = start
    while lines[end].endswith("\\") and end + 1 < len(lines):
        end += 1
    return end


def _escapes(lines: list[str]) -> dict[int, str]:
    """The lines IPython reads as `%magic`, `!shell` or `obj?`, each with the indentation of its command.

    Such a line is IPython syntax only where a logical line starts: a `%` in
    an open bracket is the modulo operator. Whether a line starts one depends
    on the lines before it, whose own masking can change that, so candidates
    are masked and the first one found inside a statement is let go, until
    none is.
    """
    candidates = [
        i
        for i, line in enumerate(lines)
        if _IPYTHON_LINE.search(line) and not line.lstrip().startswith("#")
    ]
    while candidates:
        masked: dict[int, str] = {}
        heads = []
        for i in candidates:
            if i in masked:
                continue  # part of the command before, continued with a backslash
            heads.append(i)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            for j in range(i, _continued(lines, i) + 1):
                masked[j] = indent
        text = "".join(
            (masked[i] + "pass" if i in masked else line) + "\n"
            for i, line in enumerate(lines)
        )
        starts, reached = _statement_starts(text)
        inside = next(
            (i for i in heads if i + 1 <= reached and i + 1 not in starts), None
        )
        if inside is None:
            return masked
        candidates.remove(inside)
    return {}


def join_cells(notebook: dict) -> JoinedSource:
    masks: list[Mask] = []
    parts: list[str] = []
    cells: list[CodeCell] = []
    line = 1
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        final_newline = source.endswith("\n")
        lines = source.split("\n")[:-1] if final_newline else source.split("\n")
        prefix, dedented = _dedent(lines)
        python = not _other_language(dedented)
        body = []
        if python:
            escapes = _escapes(dedented)
            for i, text in enumerate(dedented):
                if i in escapes:
                    body.append(escapes[i] + _MASK.format(index=len(masks)))
                    masks.append(Mask(lines[i], text, escapes[i], index))
                else:
                    body.append(text)
        else:  # another language: the whole cell is one placeholder
            body.append(_MASK.format(index=len(masks)))
            masks.append(Mask(source, source, "", index))
        parts.append(_BOUNDARY.format(index=index))
        line += 1
        cells.append(
            CodeCell(
                index, tuple(lines), tuple(body), prefix, final_newline, line, python
            )
        )
        parts.extend(body)
        line += len(body)
    code = "\n".join(parts) + "\n"
    return JoinedSource(
        code, tuple((c.index, c.start) for c in cells), tuple(masks), tuple(cells)
    )


def notebook_sources(text: str) -> JoinedSource:
    """The code of a notebook as one Python source (for verification), with its line map."""
    return join_cells(load(text, None))


def _split(code: str) -> dict[int, list[str]] | None:
    """The converted lines of each cell, as the converter wrote them."""
    lines = code.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cells: dict[int, list[str]] = {}
    current = None
    for line in lines:
        match = _BOUNDARY_LINE.match(line)
        if match:
            current = int(match.group(1))
            if current in cells:
                return None
            cells[current] = []
            continue
        if current is None:
            if line.strip():
                return None  # something landed before the first cell
            continue
        cells[current].append(line)
    return cells


def _restore(line: str, cell: CodeCell, masks: tuple[Mask, ...]) -> str | None:
    """A line the converter wrote, as it goes into the cell: masks restored, the cell's indentation put back."""
    match = _MASK_LINE.match(line)
    if not match:
        return cell.prefix + line if line.strip() else line
    mask, indent = masks[int(match.group(2))], match.group(1)
    if mask.cell == cell.index and indent == mask.indent:
        return mask.line
    if not mask.text.startswith(mask.indent):
        return None
    return cell.prefix + indent + mask.text[len(mask.indent) :]


def _rebuild(cell: CodeCell, body: list[str], masks: tuple[Mask, ...]) -> str | None:
    """The cell's new source: its own lines where the converter kept them, byte for byte; None if impossible."""
    if not cell.python:
        return None
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, cell.body, body, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(cell.lines[i1:i2])
            continue
        # A rewritten line IPython did not dedent (inside a multi-line string)
        # would come back with an indentation it never had.
        if any(
            line.strip() and not line.startswith(cell.prefix)
            for line in cell.lines[i1:i2]
        ):
            return None
        for line in body[j1:j2]:
            restored = _restore(line, cell, masks)
            if restored is None:
                return None
            out.append(restored)
    if _crlf(cell):  # the converter writes "\n"; the cell's own lines end in "\r\n"
        last = len(out) - 1 if not cell.final_newline else len(out)
        out = [
            line + "\r" if i < last and not line.endswith("\r") else line
            for i, line in enumerate(out)
        ]
    return "\n".join(out) + ("\n" if cell.final_newline and out else "")


def _crlf(cell: CodeCell) -> bool:
    ended = cell.lines if cell.final_newline else cell.lines[:-1]
    return bool(ended) and all(line.endswith("\r") for line in ended)


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
    message = re.sub(
        r"on line (\d+)",
        lambda m: "on cell {}, line {}".format(*joined.locate(int(m.group(1)))),
        message,
    )
    return dataclasses.replace(
        diagnostic,
        line=line,
        cell=cell,
        message=message,
        column=diagnostic.column + joined.indent(cell),
    )


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
    site_traces = None
    if traces is not None:
        site_traces = SiteTraces(traces, path, _cell_locator(notebook, joined))
    try:
        result = convert_source(
            joined.code,
            path=path,
            line_length=line_length,
            keep_lines=keep_lines,
            traces=site_traces,
        )
    except ConversionError as error:
        if error.code != SYNTAX_ERROR:
            raise
        raise _syntax_error(joined, path, error) from None
    sites = tuple(_relocate(site, joined) for site in result.sites)
    if not result.changed:
        return NotebookResult(text, sites, (), path)
    bodies = _split(result.code)
    if bodies is None or set(bodies) != {cell.index for cell in joined.cells}:
        return _unchanged(
            text, sites, path, "the cell boundaries did not survive the rewrite"
        )
    changed = []
    replaced: dict[int, object] = {}  # the sources changed, as they were
    whole = False
    for cell in joined.cells:
        if tuple(bodies[cell.index]) == cell.body:
            continue
        source = _rebuild(cell, bodies[cell.index], joined.masks)
        if source is None:
            return _unchanged(
                text, sites, path, "the cell cannot be written back exactly"
            )
        if source != cell_source(notebook["cells"][cell.index]):
            if "source" in notebook["cells"][cell.index]:
                replaced[cell.index] = notebook["cells"][cell.index]["source"]
            else:
                whole = True  # a key added: the file is serialised anew
            set_source(notebook["cells"][cell.index], source)
            changed.append(cell.index)
    new_text = dump(notebook, text, None if whole else replaced)
    if new_text is None:
        return _unchanged(
            text, sites, path, "its JSON layout cannot be reproduced byte for byte"
        )
    return NotebookResult(new_text, sites, tuple(changed), path)


def notebook_traces(text: str, path: str | None, traces: TraceIndex) -> SiteTraces:
    """The trace store as the notebook's joined code sees it (for verification)."""
    notebook = load(text, path)
    return SiteTraces(traces, path, _cell_locator(notebook, join_cells(notebook)))


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
