"""A notebook's code cells joined into one Python source, and split back.

Each cell is read as IPython reads it: dedented by the indentation of its
first line, and with `%magic`, `%%cell magic`, `!shell` (continued with a
backslash), `x = !cmd`, automagics and `obj?` recognised only where a logical
line starts (`ipython_syntax`); those are masked as placeholder statements
while converting. A marker comment
stands between cells, so the converted source splits back into them.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .ipython_syntax import (
    PLACEHOLDER_LINE,
    may_be_ipython,
    one_line_cell,
    placeholder,
)
from .jsonfile import cell_source, load

if TYPE_CHECKING:
    from .dead_cells import DeadCell

_BOUNDARY = "# seq2func-cell {index}"
_BOUNDARY_LINE = re.compile(r"^# seq2func-cell (\d+)$")
_MASK = "{statement} # seq2func-mask-{index}"
_LEADING_SPACE = re.compile(r"^[ \t]+")
# Cell magics whose body is still Python, run in the notebook's namespace.
# Not `%%timeit`, which runs its body in a function of its own, many times:
# measured on IPython 9.18, `x = 2` there leaves the notebook's `x` as it
# was (`hidden_uses` reads its body).
_PYTHON_CELL_MAGICS = {"time", "capture", "prun", "debug", "memit"}


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


def _escapes(lines: list[str], automagic: bool) -> dict[int, tuple[str, str]]:
    """The lines IPython reads as its own syntax (`ipython_syntax`), each with
    the indentation of its command and the statement that stands for it.

    Such a line is IPython syntax only where a logical line starts: a `%` in
    an open bracket is the modulo operator. Whether a line starts one depends
    on the lines before it, whose own masking can change that, so candidates
    are masked and the first one found inside a statement is let go, until
    none is.
    """
    candidates = [i for i, line in enumerate(lines) if may_be_ipython(line, automagic)]
    while candidates:
        masked: dict[int, tuple[str, str]] = {}
        heads = []
        for i in candidates:
            if i in masked:
                continue  # part of the command before, continued with a backslash
            heads.append(i)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            for j in range(i, _continued(lines, i) + 1):
                masked[j] = (indent, placeholder(lines[i]) if j == i else "pass")
        text = "".join(
            ("".join(masked[i]) if i in masked else line) + "\n"
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


def join_cells(
    notebook: dict, dead: Mapping[int, DeadCell] | None = None
) -> JoinedSource:
    """The code cells as one source; each cell in `dead` (`dead_cells`) as its placeholder."""
    dead = dead or {}
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
        python = not _other_language(dedented) and index not in dead
        body = []
        if index in dead:  # IPython runs none of it: one statement stands for it
            statement = dead[index].placeholder()
            body.append(_MASK.format(statement=statement, index=len(masks)))
            masks.append(Mask(source, source, "", index))
        elif python:
            escapes = _escapes(dedented, one_line_cell(source))
            for i, text in enumerate(dedented):
                if i in escapes:
                    indent, statement = escapes[i]
                    mask = _MASK.format(statement=statement, index=len(masks))
                    body.append(indent + mask)
                    masks.append(Mask(lines[i], text, indent, index))
                else:
                    body.append(text)
        else:  # another language: the whole cell is one placeholder
            body.append(_MASK.format(statement="pass", index=len(masks)))
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
    from .dead_cells import join_notebook

    return join_notebook(load(text, None)).joined


def split_joined(code: str) -> dict[int, list[str]] | None:
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
    match = PLACEHOLDER_LINE.match(line)
    if not match:
        return cell.prefix + line if line.strip() else line
    mask, indent = masks[int(match.group(2))], match.group(1)
    if mask.cell == cell.index and indent == mask.indent:
        return mask.line
    if not mask.text.startswith(mask.indent):
        return None
    return cell.prefix + indent + mask.text[len(mask.indent) :]


def rebuild_cell(
    cell: CodeCell, body: list[str], masks: tuple[Mask, ...]
) -> str | None:
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
