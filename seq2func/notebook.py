"""Jupyter notebooks: convert the code cells, leave every other byte as it was.

The code cells are joined, in order, into one Python source with a marker
comment between cells, so a model built across cells (constructor in one,
`add` calls in the next) is one site, converted when nothing in between
uses it. IPython syntax (`%magic`, `%%cell magic`, `!shell`, `obj?`) is
masked as placeholder statements while converting and restored exactly.
Cells whose cell magic runs another language (`%%bash`, `%%html`, ...) are
left alone. Only the sources of changed cells change; the JSON is written
back with the file's own indentation, key order and escaping, and when that
cannot reproduce the file byte for byte the notebook is left unchanged.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass

from . import diagnostics
from .convert import convert_source
from .results import ConversionError, Diagnostic, Site

_BOUNDARY = "# seq2func-cell {index}"
_BOUNDARY_LINE = re.compile(r"^# seq2func-cell (\d+)$")
_MASK = "pass # seq2func-mask-{index}"
_MASK_LINE = re.compile(r"^(\s*)pass # seq2func-mask-(\d+)$")
_IPYTHON_LINE = re.compile(r"^\s*(%|!|\?)|^[^#'\"]*\?\??\s*$")
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
class JoinedSource:
    """The notebook's code as one Python source, and where each cell starts in it."""

    code: str
    cell_starts: tuple[tuple[int, int], ...]  # (cell index, first line of the cell in `code`)
    masks: tuple[str, ...]

    def locate(self, line: int) -> tuple[int, int]:
        """(cell index, line within the cell) of a line of the joined source."""
        found = (self.cell_starts[0][0], line) if self.cell_starts else (0, line)
        for cell, start in self.cell_starts:
            if start <= line:
                found = (cell, line - start + 1)
        return found


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _load(text: str, path: str | None) -> dict:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConversionError("S2F005", f"not valid JSON: {error}", path) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ConversionError("S2F005", 'no "cells" list', path)
    return notebook


def _mask(source: str, masks: list[str]) -> str | None:
    """The cell with IPython lines replaced by placeholders; None for a non-Python cell."""
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return None
    out = []
    for line in lines:
        if _IPYTHON_LINE.search(line) and not line.lstrip().startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + _MASK.format(index=len(masks)))
            masks.append(line[len(indent):])
        else:
            out.append(line)
    return "\n".join(out)


def join_cells(notebook: dict) -> JoinedSource:
    masks: list[str] = []
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    line = 1
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        masked = _mask(_cell_source(cell), masks)
        if masked is None:  # another language: the whole cell is one placeholder
            masks.append(_cell_source(cell))
            masked = _MASK.format(index=len(masks) - 1)
        parts.append(_BOUNDARY.format(index=index))
        line += 1
        starts.append((index, line))
        body = masked if masked.endswith("\n") or not masked else masked + "\n"
        parts.append(body.rstrip("\n") if body else "")
        line += body.count("\n") if body else 1
    code = "\n".join(parts) + "\n"
    return JoinedSource(code, tuple(starts), tuple(masks))


def notebook_sources(text: str) -> JoinedSource:
    """The code of a notebook as one Python source (for verification), with its line map."""
    return join_cells(_load(text, None))


def _split(code: str, masks: tuple[str, ...]) -> dict[int, str] | None:
    cells: dict[int, list[str]] = {}
    current = None
    for line in code.split("\n"):
        match = _BOUNDARY_LINE.match(line)
        if match:
            current = int(match.group(1))
            cells[current] = []
            continue
        if current is None:
            if line.strip():
                return None  # something landed before the first cell
            continue
        cells[current].append(line)
    out = {}
    for index, lines in cells.items():
        while lines and lines[-1] == "":
            lines.pop()
        restored = []
        for line in lines:
            match = _MASK_LINE.match(line)
            restored.append(match.group(1) + masks[int(match.group(2))] if match else line)
        out[index] = "\n".join(restored)
    return out


def _dump(notebook: dict, text: str) -> str | None:
    """Serialise as the file was: same indent, key order and escaping, or None if impossible."""
    match = re.search(r"\n( +)\"", text)
    indent = len(match.group(1)) if match else 1
    for ensure_ascii in (False, True):
        candidate = json.dumps(json.loads(text), indent=indent, ensure_ascii=ensure_ascii)
        candidate += "\n" if text.endswith("\n") else ""
        if candidate == text:
            out = json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii)
            return out + ("\n" if text.endswith("\n") else "")
    return None


def _set_source(cell: dict, source: str) -> None:
    if isinstance(cell.get("source"), list):
        lines = source.split("\n")
        cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    else:
        cell["source"] = source


def _relocate(site: Site, joined: JoinedSource) -> Site:
    cell, line = joined.locate(site.line)
    _, end_line = joined.locate(site.end_line)
    return dataclasses.replace(
        site, line=line, end_line=max(end_line, line), cell=cell,
        diagnostics=tuple(_relocate_diagnostic(d, joined) for d in site.diagnostics),
    )


def _relocate_diagnostic(diagnostic: Diagnostic, joined: JoinedSource) -> Diagnostic:
    cell, line = joined.locate(diagnostic.line)
    message = re.sub(r"\(line \d+\)$", f"(cell {cell}, line {line})", diagnostic.message)
    message = re.sub(r"on line (\d+)", lambda m: "on cell {}, line {}".format(*joined.locate(int(m.group(1)))), message)
    return dataclasses.replace(diagnostic, line=line, cell=cell, message=message)


def convert_notebook(
    text: str, path: str | None = None, *, line_length: int | None = None, keep_lines=frozenset()
) -> NotebookResult:
    """Convert the Sequential models of a notebook; see the module docstring."""
    notebook = _load(text, path)
    joined = join_cells(notebook)
    if "Sequential" not in joined.code:
        return NotebookResult(text, (), (), path)
    result = convert_source(joined.code, path=path, line_length=line_length, keep_lines=keep_lines)
    sites = tuple(_relocate(site, joined) for site in result.sites)
    if not result.changed:
        return NotebookResult(text, sites, (), path)
    cells = _split(result.code, joined.masks)
    before = _split(joined.code, joined.masks)
    if cells is None or before is None or set(cells) != set(before):
        return _unchanged(text, sites, path, "the cell boundaries did not survive the rewrite")
    changed = []
    for index, source in cells.items():
        if source != before[index]:
            _set_source(notebook["cells"][index], source)
            changed.append(index)
    new_text = _dump(notebook, text)
    if new_text is None:
        return _unchanged(text, sites, path, "its JSON layout cannot be reproduced byte for byte")
    return NotebookResult(new_text, sites, tuple(changed), path)


def _unchanged(text: str, sites: tuple[Site, ...], path: str | None, why: str) -> NotebookResult:
    kept = tuple(
        dataclasses.replace(
            site, status="skipped",
            diagnostics=(diagnostics.make("S2F199", model=site.label, line=site.line, detail=f" ({why})", path=path),),
        )
        if site.status == "converted" else site
        for site in sites
    )
    return NotebookResult(text, kept, (), path)


def notebook_diff(original: str, converted: str, path: str) -> str:
    """A readable diff: one unified diff per changed code cell, named by its number."""
    before, after = json.loads(original), json.loads(converted)
    out = []
    for index, (a, b) in enumerate(zip(before["cells"], after["cells"])):
        old, new = _cell_source(a), _cell_source(b)
        if old == new:
            continue
        lines = difflib.unified_diff(
            [line + "\n" for line in old.split("\n")], [line + "\n" for line in new.split("\n")],
            f"a/{path} (cell {index})", f"b/{path} (cell {index})",
        )
        out.extend(lines)
    return "".join(out)
