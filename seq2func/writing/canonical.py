"""Whether black would leave a rewrite's lines as they are, told without running it.

Most lines a rewrite writes are assignments of a call chain written the way
black writes them (`x = keras.layers.Dense(10, activation="relu")(x)`), and
black costs about a third of a millisecond a line (1.5-3 ms a long one).
`black_spelling` knows only a small language whose black spelling is plain:
one statement a line, `name = expression` (the name dotted or not) or
`return expression`, the
expression made of names, non-negative decimal numbers, double-quoted
strings without escapes, lists, tuples, attribute reads (not of a number),
calls with positional and keyword arguments, subscripts by names, numbers
(negated or not), strings and slices of those, unary minus, and
`+ - * / //`; comment lines `# text` at the margin between statements;
nothing else, no comment after code, no trailing comma but a one-tuple's.
A statement is read respaced as black spaces it (`canonical_spacing`: the
parser below takes only black's spaces), and one longer than the line is
spelled only where `canonical_split` knows black's split. Anything else is
left to black.
"""

from __future__ import annotations

import keyword
import re

from .canonical_spacing import respaced
from .canonical_split import split_spelling

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e-?[1-9][0-9]*)?")
_STRING = re.compile(r'"[^"\\\n]*"')
_SINGLE = re.compile(r"'[^'\"\\\n()\[\]#]*'")
_OPERATORS = (" + ", " - ", " * ", " / ", " // ")
_CONSTANTS = frozenset({"True", "False", "None"})
_COMMENT = re.compile(r"#(?: [!-~](?:[ -~]*[!-~])?)?")
_PRAGMA = re.compile(r"fmt|yapf|type:", re.IGNORECASE)


def already_black(code: str, width: int) -> bool:
    """Whether `code` (lines ending in newlines) is, line for line, black's own
    spelling at `width` columns."""
    return black_spelling(code, width) == code


def black_spelling(code: str, width: int, strings: bool = False) -> str | None:
    """What black makes of `code` when each statement, its lines joined, is in
    the language above: those joined lines where they fit in `width` columns
    (black writes a statement that fits on one line, with no magic trailing
    comma, on one line), `canonical_split`'s lines where they do not; None
    for anything else.

    A statement's lines are joined only where a bracket stays open: after
    `(` or `[`, before `)` or `]`, and after `,` (as `, `). A comma before a
    closing bracket is magic to black, and anything else is left to it.

    With `strings` (black's string normalization, on by default), a
    single-quoted string is taken too and spelled in double quotes, as black
    does when that escapes no more quotes: its text holds no quote, no
    backslash, and, so that lines are still read right by counting brackets
    outside double quotes, no bracket or `#`.
    """
    if not code.endswith("\n") or not code.isascii():
        return None
    statements: list[str] = []
    pending: str | None = None
    depth = 0
    for line in code[:-1].split("\n"):
        if pending is None and _comment_at(line) is not None:
            if not _commented(line):
                return None
            statements.append(line)
            continue
        if pending is None:
            pending = line
        else:
            pending = _joined(pending, line.strip())
            if pending is None:
                return None
        depth += _depth(line)
        if depth < 0:
            return None
        if depth == 0:
            lines = _statement(pending, width, strings)
            if lines is None:
                return None
            statements.extend(lines)
            pending = None
    if pending is not None:
        return None
    return "\n".join(statements) + "\n"


def _statement(text: str, width: int, strings: bool) -> list[str] | None:
    """Black's lines for one statement, its lines joined, or None."""
    spaced = respaced(text)
    if spaced is None:
        return None
    line = _Line(spaced, strings)
    if not line.statement():
        return None
    spelled = line.spelled()
    if len(spelled) <= width:
        return [spelled]
    return split_spelling(spelled, width)


def _comment_at(line: str) -> int | None:
    """Where the line's comment starts (outside double-quoted strings), or None."""
    for index, part in enumerate(line.split('"')):
        if index % 2 == 0 and "#" in part:
            return sum(len(p) + 1 for p in line.split('"')[:index]) + part.index("#")
    return None


def _commented(line: str) -> bool:
    """Whether black leaves a comment line as it is: at the margin, between
    statements, written `# text` (black writes `#text` as `# text` and drops
    trailing spaces), and no pragma (`fmt:`, `yapf:`, `type:`), which changes
    what black does around it. A comment after code is left to black."""
    return (
        _comment_at(line) == 0
        and _COMMENT.fullmatch(line) is not None
        and _PRAGMA.search(line) is None
    )


def _joined(head: str, tail: str) -> str | None:
    """A statement's next line joined to what came before it, black's way, or None."""
    if head.endswith(("(", "[")):
        return head + tail
    if tail.startswith((")", "]")):
        return None if head.endswith(",") else head + tail
    if head.endswith(","):
        return head + " " + tail
    return None


def _depth(line: str) -> int:
    """How many brackets the line leaves open (outside double-quoted strings)."""
    depth = 0
    for index, part in enumerate(line.split('"')):
        if index % 2 == 0:
            depth += part.count("(") + part.count("[")
            depth -= part.count(")") + part.count("]")
    return depth


class _Line:
    """A recursive-descent reading of one line that fails on anything unknown."""

    def __init__(self, text: str, single_quotes: bool = False) -> None:
        self.text = text
        self.at = 0
        self.single_quotes = single_quotes
        self.singles: list[tuple[int, int]] = []  # single-quoted strings read

    def spelled(self) -> str:
        """The text read, its single-quoted strings in double quotes."""
        text = self.text
        for start, end in self.singles:
            text = f'{text[:start]}"{text[start + 1 : end - 1]}"{text[end:]}'
        return text

    def string(self) -> bool:
        if self.match(_STRING) is not None:
            return True
        start = self.at
        if self.single_quotes and self.match(_SINGLE) is not None:
            self.singles.append((start, self.at))
            return True
        return False

    def statement(self) -> bool:
        if self.literal("return "):
            return self.expression() and self.at == len(self.text)
        if not self.name():
            return False
        while self.literal("."):  # `self.encoder = ...` splits as a name would
            if not self.name():
                return False
        return self.literal(" = ") and self.expression() and self.at == len(self.text)

    def literal(self, text: str) -> bool:
        if self.text.startswith(text, self.at):
            self.at += len(text)
            return True
        return False

    def match(self, pattern: re.Pattern[str]) -> str | None:
        found = pattern.match(self.text, self.at)
        if found is None:
            return None
        self.at = found.end()
        return found.group()

    def name(self) -> bool:
        word = self.match(_NAME)
        return word is not None and (not keyword.iskeyword(word) or word in _CONSTANTS)

    def expression(self) -> bool:
        if not self.term():
            return False
        while any(self.literal(operator) for operator in _OPERATORS):
            if not self.term():
                return False
        return True

    def term(self) -> bool:
        self.literal("-")
        if self.match(_NUMBER) is not None:
            return True  # black writes `(0.5).real`: a number takes no trailer
        return self.atom() and self.trailers()

    def atom(self) -> bool:
        if self.literal("["):
            return self.items("]")
        if self.literal("("):
            return self.tuple()
        return self.string() or self.name()

    def tuple(self) -> bool:
        """`()`, `(x,)` or `(x, y)`: a parenthesised expression is black's to judge."""
        if self.literal(")"):
            return True
        if not self.expression():
            return False
        if self.literal(",)"):
            return True
        if not self.literal(", "):
            return False
        return self.items(")")

    def items(self, closing: str) -> bool:
        if self.literal(closing):
            return True
        while True:
            if not self.expression():
                return False
            if self.literal(closing):
                return True
            if not self.literal(", "):
                return False

    def trailers(self) -> bool:
        while True:
            if self.literal("."):
                if not self.name():
                    return False
            elif self.literal("("):
                if not self.arguments():
                    return False
            elif self.literal("["):
                if not (self.index() and self.literal("]")):
                    return False
            else:
                return True

    def index(self) -> bool:
        """Items and slices between `, `: black hugs a slice's colons when its
        bounds are names or numbers, negated or not (`x[1:-1]`, `x[::2]`), and
        puts spaces around them when a bound is more (`x[a + 1 :]`)."""
        while True:
            if not self.literal(":"):
                if not (self.string() or self.bound()):
                    return False
                if self.literal(":"):
                    self.bound()
            else:
                self.bound()
            if self.literal(":"):
                self.bound()
            if not self.literal(", "):
                return True

    def bound(self) -> bool:
        start = self.at
        self.literal("-")
        if self.match(_NUMBER) is not None or self.name():
            return True
        self.at = start
        return False

    def arguments(self) -> bool:
        if self.literal(")"):
            return True
        while True:
            start = self.at
            if not (self.name() and self.literal("=")):
                self.at = start
            if not self.expression():
                return False
            if self.literal(")"):
                return True
            if not self.literal(", "):
                return False
