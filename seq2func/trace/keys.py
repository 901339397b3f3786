"""Which code a record belongs to: the unit's content and the call's position in it.

A unit is a `.py` file or a notebook cell. Its key is the SHA-256 of its text
(newlines normalised, a BOM dropped: neither changes what the code means or
where anything is in it) plus the 1-based line and the 0-based column, in
characters, where the `Sequential(...)` call expression starts, as LibCST's
position of the `Call` node gives it. The recorder and the converter both go
through `site_key`, so they compute the same key from the same text.

The recorder starts from what the interpreter knows about the running call:
the code object's `co_positions()` for the instruction that made the call
(3.11+), in UTF-8 bytes, whose start is not always the expression's start
(3.11 starts a call on an attribute that continues a line at the attribute).
Its end, though, is always the call's closing parenthesis, so the start is
looked up in an `ast` map of every call in the unit, keyed by where it ends.
"""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

_BOM = "\ufeff"


@dataclass(frozen=True)
class SiteKey:
    """Where a `Sequential(...)` call is: the unit's digest, its line (1-based) and column (0-based)."""

    digest: str
    line: int
    column: int


def normalize(text: str) -> str:
    """The text as Python reads it for positions: `\\r\\n` and `\\r` are newlines, a BOM is nothing."""
    if text.startswith(_BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unit_digest(text: str) -> str:
    """SHA-256 of the unit's normalised text, hex; the content half of every key."""
    data = normalize(text).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def site_key(unit_text: str, line: int, column: int) -> SiteKey:
    return SiteKey(unit_digest(unit_text), line, column)


def read_python_source(path: str) -> str | None:
    """A `.py` file's text, decoded as Python decodes it (PEP 263 cookie, BOM); None if unreadable."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def char_column(line_text: str, byte_offset: int) -> int:
    """A UTF-8 byte offset into a line (what the compiler reports) as a character offset."""
    return len(line_text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


@dataclass(frozen=True)
class CallSpan:
    """A call expression's start and end: lines 1-based, columns 0-based characters."""

    line: int
    column: int
    end_line: int
    end_column: int
    name: str  # the last name of the called expression: `Sequential` for `keras.Sequential(...)`


class CallIndex:
    """Every call expression of one unit, found by where it ends."""

    def __init__(self, text: str):
        self.text = normalize(text)
        self.lines = self.text.split("\n")
        self._by_end: dict[tuple[int, int], CallSpan] = {}
        self.calls: list[CallSpan] = []
        try:
            tree = ast.parse(self.text)
        except (SyntaxError, ValueError):
            return  # the unit on disk is not the code that ran; nothing matches
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or node.end_lineno is None:
                continue
            span = CallSpan(
                node.lineno,
                self._chars(node.lineno, node.col_offset),
                node.end_lineno,
                self._chars(node.end_lineno, node.end_col_offset or 0),
                _last_name(node.func),
            )
            self.calls.append(span)
            self._by_end[(span.end_line, span.end_column)] = span

    def _chars(self, line: int, byte_offset: int) -> int:
        if 1 <= line <= len(self.lines):
            return char_column(self.lines[line - 1], byte_offset)
        return byte_offset

    def ending_at(self, end_line: int, end_byte_column: int) -> CallSpan | None:
        """The call whose closing parenthesis ends at this position (bytes, as the compiler counts)."""
        return self._by_end.get((end_line, self._chars(end_line, end_byte_column)))

    def on_line(self, line: int, name: str) -> CallSpan | None:
        """Without instruction positions (Python 3.10): the one call of `name` spanning `line`, if one."""
        found = [
            c for c in self.calls if c.name == name and c.line <= line <= c.end_line
        ]
        return found[0] if len(found) == 1 else None


def _last_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def cell_position(
    raw: str, transformed: str, line: int, column: int
) -> tuple[int, int] | None:
    """A position in the code IPython compiled, as a position in the cell as written.

    IPython compiles a transformed cell: dedented by its first line's
    indentation, prompts (`>>> `) stripped, magics turned into calls. Lines
    keep their numbers unless a magic continued with a backslash was folded;
    a line that is code in both differs at most by what was taken off its
    start, so the column moves by that much. Returns None when the line
    cannot be found in the cell as written.
    """
    raw_lines = normalize(raw).split("\n")
    code_lines = normalize(transformed).split("\n")
    if not 1 <= line <= len(code_lines):
        return None
    code_line = code_lines[line - 1]
    candidates = [
        number
        for number, text in enumerate(raw_lines, start=1)
        if text.endswith(code_line) and code_line.strip()
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda number: abs(number - line))
    shift = len(raw_lines[best - 1]) - len(code_line)
    return best, column + shift
