"""A rewrite's lines cut into statements that black formats alike alone and together.

Black costs about a third of a millisecond a line, and a rewrite's block
often has one line `canonical.black_spelling` cannot spell among many it
can. Black formats each statement of a block on its own, save for what
it reads across statements: blank lines it adds or keeps (around imports,
definitions, decorators; a module docstring), `# fmt:` regions, and the
Python versions the whole text's syntax allows, which decide whether a
call or signature split over lines gets a trailing comma after `*args` or
`**kwargs`, and the line ending of its first line. So a block is cut
only where none of these can arise: no blank line, `fmt:` or carriage
return anywhere, only assignments, expression
statements (not a bare string) and returns, each on lines of its own at
the margin, comments between them at the margin too, and no `*` in a
statement black is given. Each statement takes the comment lines before
it, the last one those after it.
"""

from __future__ import annotations

import ast

from .canonical import black_spelling

_CUTTABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)


def statement_by_statement(
    code: str, width: int, strings: bool = False
) -> list[tuple[str, str | None]] | None:
    """`code`'s statements, each with black's spelling where `black_spelling`
    knows it (else None: black's to format); None when the block must be
    formatted whole, or when no statement is known (nothing to gain).
    `strings`: black normalizes string quotes (`black_spelling`'s)."""
    if not code.endswith("\n") or "fmt:" in code or "\r" in code:
        return None  # black keeps the first line's line ending for the whole
    lines = code[:-1].split("\n")
    if any(not line.strip() for line in lines):
        return None
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    parts: list[tuple[str, str | None]] = []
    start = 0  # the first line (0-based) not yet in a part
    for statement in body:
        if not _cuttable(statement) or statement.lineno - 1 < start:
            return None
        end = statement.end_lineno or statement.lineno
        if not all(
            line.startswith("#") for line in lines[start : statement.lineno - 1]
        ):
            return None
        parts.append(("".join(f"{line}\n" for line in lines[start:end]), None))
        start = end
    if not parts or not all(line.startswith("#") for line in lines[start:]):
        return None
    last, _ = parts[-1]
    parts[-1] = (last + "".join(f"{line}\n" for line in lines[start:]), None)
    spelled = [(text, black_spelling(text, width, strings)) for text, _ in parts]
    if all(known is None for _, known in spelled):
        return None
    if any(known is None and "*" in text for text, known in spelled):
        return None
    return spelled


def _cuttable(statement: ast.stmt) -> bool:
    if not isinstance(statement, _CUTTABLE) or statement.col_offset != 0:
        return False
    return not (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    )
