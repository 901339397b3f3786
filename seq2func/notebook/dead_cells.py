"""Cells that do not parse: IPython runs none of them, and the others are converted.

Measured on IPython 9.18: a cell whose code is a SyntaxError (a lab's
`model = ` left for the student to finish, a block left empty, a bracket
never closed) raises before any of it runs, and the cells after it run as
usual. The notebook as it stands is its other cells, so those are
converted, and the dead cell is written back as it was.

What such a cell will do once it parses is unknown, and Python may reject
what IPython would accept (syntax the masks do not know, a newer Python).
So it stands in the joined code as one statement that reads every name the
cell mentions and binds the ones it could assign (`placeholder`), and the
analysis treats it as any code it cannot see into: a model it names is
handed on, data it may bind is no longer what the code before it made.
A cell that could bind names it never mentions (`exec`, `globals()`, a star
import, `%run`) leaves the notebook a syntax error (S2F001), as before.

A `Sequential(` written in a dead cell is reported as a skipped site
(S2F126), and each converted site notes the cells left as written (S2F225).
"""

from __future__ import annotations

import ast
import bisect
import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

from .cells import CodeCell, JoinedSource, join_cells
from .ipython_syntax import BINDING_MAGICS, command

_WORD = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
_BUILTINS = frozenset(dir(builtins))
# Names through which code binds names it does not write out.
_UNSEEN_BINDINGS = frozenset(
    {
        "exec",
        "eval",
        "globals",
        "locals",
        "vars",
        "setattr",
        "delattr",
        "__import__",
        "__dict__",
        "__builtins__",
        "get_ipython",
    }
)
_IMPORT = re.compile(r"^\s*import\s+([^#;]+)")
_FROM_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\(?([^#;)]+)")
_MASKED_VALUE = re.compile(
    r"get_ipython\(\)\.(?:getoutput|run_line_magic)\(\)(?= # seq2func-mask-\d+$)"
)
_IMPORT_LINE = re.compile(r"^\s*(?:import|from)\s[^;]*$")  # up to a name in it
_ASSIGNED_TARGET = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=[^=]")
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
_ASSIGNING = frozenset(
    {"=", ":=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^="}
    | {">>=", "<<="}
)


@dataclass(frozen=True)
class SequentialInCell:
    """A `Sequential(` written in a dead cell: where, and the name it is assigned to."""

    line: int  # in the cell as written
    column: int  # 0-based, in the cell as written
    target: str | None


@dataclass(frozen=True)
class DeadCell:
    index: int
    reason: str  # Python's own message, placed in the cell
    reads: tuple[str, ...]
    binds: tuple[str, ...]
    sequentials: tuple[SequentialInCell, ...]

    def placeholder(self) -> str:
        """The statement that stands for the cell while converting: it reads
        what the cell reads, and may or may not bind what the cell may bind,
        since as it stands the cell binds nothing (a model named after it is
        still the one before)."""
        call = f"get_ipython().run_cell({', '.join(self.reads)})"
        if not self.binds:
            return call
        return f"if {call}: {', '.join(self.binds)} = get_ipython().run_cell()"


@dataclass(frozen=True)
class JoinedNotebook:
    """The notebook's code as the converter reads it, and the cells it leaves as written."""

    joined: JoinedSource
    dead: tuple[DeadCell, ...] = ()


def join_notebook(notebook: dict) -> JoinedNotebook:
    """The code cells joined, each that does not parse as its placeholder."""
    joined = join_cells(notebook)
    if parsed_by_cell(joined) is not None:
        return JoinedNotebook(joined)
    return without_dead_cells(notebook, joined) or JoinedNotebook(joined)


def parsed_by_cell(joined: JoinedSource) -> ast.Module | None:
    """The joined code's tree when every cell parses on its own, else None.

    One parse of the join answers for every cell: where the join parses, a
    cell fails on its own only when a statement runs across a cell's
    boundary (a bracket opened in one cell and closed in the next, a block
    whose body is the next cell), and the boundary is a comment line inside
    that statement. The tree is handed on, so nothing is parsed twice.
    """
    try:
        tree = ast.parse(joined.code)
    except (SyntaxError, ValueError):
        return None
    boundaries = [start - 1 for _, start in joined.cell_starts]
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno] + [d.lineno for d in decorators])
        after = bisect.bisect_right(boundaries, first)
        if after < len(boundaries) and boundaries[after] <= (node.end_lineno or 0):
            return None
    return tree


def without_dead_cells(notebook: dict, joined: JoinedSource) -> JoinedNotebook | None:
    """`joined` again with each cell Python cannot parse as its placeholder;
    None when every cell parses, or when one may bind names it never mentions."""
    imported = imported_names(joined.code)
    dead: dict[int, DeadCell] = {}
    for cell in joined.cells:
        if not cell.python:
            continue
        error = parse_error("\n".join(cell.body) + "\n")
        if error is None:
            continue
        magics = [mask.text.strip() for mask in joined.masks if mask.cell == cell.index]
        found = read_dead_cell(
            cell.index,
            list(cell.body),
            _placed(error, cell),
            cell.prefix,
            imported,
            magics,
        )
        if found is None:
            return None
        dead[cell.index] = found
    if not dead:
        return None
    return JoinedNotebook(join_cells(notebook, dead), tuple(dead.values()))


def _placed(error: tuple[str, int, int], cell: CodeCell) -> str:
    """Python's message, at the line and column (from 1) of the cell as written."""
    message, line, column = error
    line = max(1, min(line, len(cell.lines)))
    if cell.prefix and cell.lines and cell.lines[line - 1].startswith(cell.prefix):
        column += len(cell.prefix)
    return f"{message} (line {line}, column {column + 1})"


def parse_error(body: str) -> tuple[str, int, int] | None:
    """Python's reason the code does not parse, with line and 0-based column; None when it parses."""
    try:
        ast.parse(body)
    except SyntaxError as error:
        return error.msg, error.lineno or 1, max((error.offset or 1) - 1, 0)
    except ValueError as error:  # a null byte
        return str(error), 1, 0
    return None


def imported_names(code: str) -> frozenset[str]:
    """The names import statements bind (modules, mostly): `tf.keras` reads them, never binds."""
    names: set[str] = set()
    for line in code.split("\n"):
        found = _IMPORT.match(line) or _FROM_IMPORT.match(line)
        if found is None:
            continue
        for part in found.group(1).split(","):
            words = part.split()
            if len(words) >= 3 and words[-2] == "as":
                names.add(words[-1])
            elif words:
                names.add(words[0].split(".")[0])
    return frozenset(names)


def read_dead_cell(
    index: int,
    body: list[str],
    reason: str,
    prefix: str,
    imported: frozenset[str],
    magics: list[str],
) -> DeadCell | None:
    """The dead cell's names; None when it may bind names it does not mention.

    `body` is the cell dedented, IPython lines masked; `magics` are the
    masked lines as IPython reads them; `prefix` the indentation IPython
    took off, put back in positions.
    """
    if any(BINDING_MAGICS.match(command(text)) for text in magics):
        return None
    # A masked line's stand-in value is the join's, not the cell's: what its
    # IPython reads counts instead.
    text = "\n".join(_MASKED_VALUE.sub("None", line) for line in body) + "\n"
    in_magics = [
        word
        for magic in magics
        for word in _WORD.findall(magic)
        if not keyword.iskeyword(word)
    ]
    tokens, rest = _tokens(text)
    every = {t.string for t in tokens if t.type == tokenize.NAME} | set(in_magics)
    every |= set(_WORD.findall(rest)) | {
        word for t in tokens if t.type == tokenize.STRING for word in _fstring(t)
    }
    if every & _UNSEEN_BINDINGS or _star_import(tokens):
        return None
    reads: dict[str, None] = dict.fromkeys(in_magics)
    binds: dict[str, None] = {}
    sequentials = []
    depth = 0
    for i, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSING:
            depth = max(depth - 1, 0)
        if token.type == tokenize.STRING:
            reads.update(dict.fromkeys(_fstring(token)))
        if token.type != tokenize.NAME or keyword.iskeyword(token.string):
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if token.string == "Sequential" and after == "(" and before != "class":
            sequentials.append(_sequential(token, body, prefix))
        if before == ".":
            continue  # an attribute
        if depth and after == "=":
            continue  # a keyword argument
        reads[token.string] = None
        if _IMPORT_LINE.match(body[token.start[0] - 1][: token.start[1]]):
            # Read only: the converter takes a name bound by unknown code for
            # a module of that name (`keras`), and as it stands the cell
            # imports nothing.
            continue
        if _binds(token.string, before, after, depth, imported):
            binds[token.string] = None
    for word in _WORD.findall(rest):  # past what tokenize could read: every word
        if not keyword.iskeyword(word):
            reads[word] = None
            if word not in _BUILTINS and word not in imported:
                binds[word] = None
    return DeadCell(index, reason, tuple(reads), tuple(binds), tuple(sequentials))


def _binds(name: str, before: str, after: str, depth: int, imported) -> bool:
    """Whether the cell may bind `name` once it runs: kept wide, since a
    name taken for bound only loses what the code before said of it."""
    if before in ("def", "class", "as", "import", "for", "global", "del"):
        return True
    if after in _ASSIGNING:
        return True
    if depth:
        return False  # arguments, items, parameters
    if after == "(":
        return False  # a call
    if name in _BUILTINS:
        return False
    return not (after == "." and name in imported)


def _tokens(text: str) -> tuple[list[tokenize.TokenInfo], str]:
    """The tokens that matter, and the text past the point tokenize gave up."""
    kept: list[tokenize.TokenInfo] = []
    skipped = (
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.COMMENT,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    )
    reached = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            reached = token.end[0]
            if token.type not in skipped:
                kept.append(token)
    except (tokenize.TokenError, SyntaxError):
        return kept, "\n".join(text.split("\n")[reached:])
    return kept, ""


def _fstring(token: tokenize.TokenInfo) -> list[str]:
    """The names an f-string's replacement fields read (Python 3.11 tokenizes it whole)."""
    head = re.match(r"[rRbBuUfF]*", token.string)
    if head is None or "f" not in head.group(0).lower():
        return []
    fields = re.findall(r"\{([^{}]*)\}", token.string)
    return [
        w for field in fields for w in _WORD.findall(field) if not keyword.iskeyword(w)
    ]


def _star_import(tokens: list[tokenize.TokenInfo]) -> bool:
    return any(
        token.string == "import" and tokens[i + 1].string == "*"
        for i, token in enumerate(tokens[:-1])
    )


def _sequential(
    token: tokenize.TokenInfo, body: list[str], prefix: str
) -> SequentialInCell:
    line, column = token.start
    text = body[line - 1] if line <= len(body) else ""
    target = _ASSIGNED_TARGET.match(text[:column])
    indent = len(prefix) if prefix and text.strip() else 0
    return SequentialInCell(line, column + indent, target.group(1) if target else None)
