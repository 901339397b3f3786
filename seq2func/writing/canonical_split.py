"""Black's right-hand split of a too-long call chain, told without running it.

`canonical.black_spelling` hands over a statement of its language whose
joined line is longer than the width. This module spells only one shape of
it, `name = a.b.c(args)...(args)` (the name dotted or not) or
`return a.b.c(args)...(args)`: a dotted name followed by one or more calls
with arguments, and nothing else at the top level; anything else is None,
left to black.

What black does with that shape (`black/linegen.py`, default mode), and why
it comes to these lines:

- The right-hand side sits in invisible parentheses, and the statement's
  only transform is `right_hand_split_with_omits`. It tries the sets of
  trailing calls `generate_trailers_to_omit` yields: none first, then the
  last call, then the last two, and so on, each only while those calls and
  one `)` fit in the width (the walk from the line's end stops there).
- With each set, the split at the invisible parentheses is dropped:
  the body between them holds no delimiter at its top level (dots after a
  name are none, commas are inside calls), so `can_omit_invisible_parens`
  allows it, and `_prefer_split_rhs_oop_over_rhs` prefers the split at a
  real bracket because the left-hand side has no bracket (or there is no
  `=`). The split is at the last call not omitted: the head is everything
  up to its `(`, the body its arguments, the tail its `)` and the omitted
  calls.
- The first set whose head fits is taken. When none does, black takes the
  split with no omission and splits its head again; that is left to black.
- The body goes one level in (four spaces). If it fits, it is one line: a
  call's arguments are exploded only when too long (an atom's, a list or
  tuple literal, always would be, which is why only calls are spelled).
  If not, `delimiter_split` cuts it after each top-level comma, the
  highest delimiter, and adds a trailing comma to the last argument; an
  argument line that still does not fit would be split again (None here),
  as would a body with no top-level comma or a tail that does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_INDENT = "    "
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class _Chain:
    """`prefix` (`name = ` or `return `), the dotted `callee`, and each call's
    arguments, as they are written between its parentheses."""

    prefix: str
    callee: str
    calls: tuple[str, ...]

    def text(self, calls: tuple[str, ...]) -> str:
        return "".join(f"({arguments})" for arguments in calls)


def split_spelling(statement: str, width: int) -> list[str] | None:
    """Black's lines for `statement` (one line of canonical's language, longer
    than `width`), when it is a call chain whose split is told above; else None."""
    chain = _chain(statement)
    if chain is None:
        return None
    count = len(chain.calls)
    for omitted in range(count):
        if omitted and len(chain.text(chain.calls[count - omitted :])) + 1 > width:
            return None  # no further omission is tried; the first split's head is long
        split_at = count - 1 - omitted
        head = chain.prefix + chain.callee + chain.text(chain.calls[:split_at]) + "("
        if len(head) <= width:
            tail = ")" + chain.text(chain.calls[split_at + 1 :])
            body = _body(chain.calls[split_at], width)
            if body is None or len(tail) > width:
                return None
            return [head, *body, tail]
    return None


def _body(arguments: str, width: int) -> list[str] | None:
    """A call's arguments one level in: on one line when they fit, else one
    a line with a comma after each, the last one's added; None when black
    would split further."""
    if len(_INDENT) + len(arguments) <= width:
        return [_INDENT + arguments]
    parts = _top_level_parts(arguments)
    if parts is None or len(parts) < 2:
        return None
    lines = [f"{_INDENT}{part}," for part in parts]
    if any(len(line) > width for line in lines):
        return None
    return lines


def _chain(statement: str) -> _Chain | None:
    """The statement read as a prefix, a dotted callee and calls, or None."""
    target = re.match(rf"return |{_DOTTED.pattern} = ", statement)
    if target is None:
        return None
    prefix = target.group()
    callee = _DOTTED.match(statement, len(prefix))
    if callee is None:
        return None
    calls: list[str] = []
    at = callee.end()
    while at < len(statement):
        if statement[at] != "(":
            return None
        end = _closing(statement, at)
        if end is None or end == at + 1:
            return None  # an empty call would fail black's split
        calls.append(statement[at + 1 : end])
        at = end + 1
    if not calls:
        return None
    return _Chain(prefix, callee.group(), tuple(calls))


def _outside_strings(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character outside double-quoted strings, from `start`: its
    position, itself, and the bracket depth once it is read."""
    depth = 0
    in_string = False
    for at in range(start, len(text)):
        char = text[at]
        if char == '"':
            in_string = not in_string
            continue
        if in_string:
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        yield at, char, depth


def _closing(text: str, opening: int) -> int | None:
    """Where the bracket opened at `opening` closes (double-quoted strings
    skipped), or None."""
    for at, char, depth in _outside_strings(text, opening):
        if char in ")]" and depth == 0:
            return at
    return None


def _top_level_parts(arguments: str) -> list[str] | None:
    """`arguments` cut at its top-level `, ` (none inside brackets or strings)."""
    parts: list[str] = []
    start = 0
    for at, char, depth in _outside_strings(arguments):
        if char == "," and depth == 0:
            if arguments[at + 1 : at + 2] != " ":
                return None
            parts.append(arguments[start:at])
            start = at + 2
    parts.append(arguments[start:])
    return parts
