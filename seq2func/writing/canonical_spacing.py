"""A statement of canonical's language respaced as black spaces it.

Users write `7*7*32`, `(224,224,3)`, `activation = "relu"` or `1./255`;
black writes `7 * 7 * 32`, `(224, 224, 3)`, `activation="relu"` and
`1.0 / 255`. Within a line, spaces between tokens mean nothing to Python
(outside strings), so black's spelling is the tokens joined by its rule
for each pair: a binary `+ - * / //` and the assignment's `=` between
single spaces, `, ` after a comma (no space before a closing bracket, as
in `(3,)`), and no space anywhere else: not around a keyword argument's
`=`, a slice's colon (canonical takes only slices whose bounds are names
or numbers, which black hugs), a dot, or after a unary minus. A minus is
unary after an operator, an opening bracket, a comma, `:` or `return`.
Black also writes `1.` as `1.0` and `.5` as `0.5`.

Spaces just inside brackets (`f( x )`) are not taken. Anything else is
None: a token this language lacks (`**`, `==`, `%`, `{`, `#`, a
backslash, ...), a star or plus that is not binary, two words side by side
(`not x`, `u"x"`, `1j`, `0x1F`, ...). What comes out is read again by
canonical's parser, which takes only its language.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""(?P<space>\ +)
    |(?P<string>"[^"\\\n]*"|'[^'"\\\n]*')
    |(?P<number>(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:e-?[0-9]+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<operator>//|\*\*|[=!<>]=|[-+*/=<>%@&|^~])
    |(?P<punctuation>[()\[\],.:])""",
    re.VERBOSE,
)
_WORDS = frozenset({"string", "number", "name"})
_BINARY = frozenset({"+", "-", "*", "/", "//"})
_OPENING = frozenset({"(", "["})
_CLOSING = frozenset({")", "]"})


def respaced(text: str) -> str | None:
    """`text` (one statement, on one line) with black's spaces, or None."""
    tokens = _tokens(text)
    if tokens is None or text.startswith(" "):
        return None
    out: list[str] = []
    previous: tuple[str, str] | None = None  # (kind, text) of the last token
    if tokens[:1] == [("name", "return")] and len(tokens) > 1:
        out.append("return ")
        previous = ("return", "return")
        tokens = tokens[1:]
    depth = 0
    for kind, token in tokens:
        if previous is not None and previous[1] == "," and token not in _CLOSING:
            out.append(" ")
        if kind in _WORDS:
            if previous is not None and previous[0] in _WORDS:
                return None
            out.append(_number(token) if kind == "number" else token)
        elif kind == "operator":
            spaced = _operator(token, previous, depth)
            if spaced is None:
                return None
            out.append(spaced)
            kind = "unary" if spaced == "-" else kind
        else:
            depth += (token in _OPENING) - (token in _CLOSING)
            out.append(token)
        previous = (kind, token)
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """The text's tokens, spaces left out, or None at anything unknown or at a
    space just inside a bracket: only what users write around operators,
    commas and `=` is respaced, the rest left to black as it was."""
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None:
            return None
        kind = found.lastgroup
        assert kind is not None
        if kind == "space":
            after = text[found.end() : found.end() + 1]
            if text[at - 1 : at] in _OPENING or after in _CLOSING:
                return None  # `f( x )`: spaces inside brackets are left to black
        else:
            tokens.append((kind, found.group()))
        at = found.end()
    return tokens


def _operator(token: str, previous: tuple[str, str] | None, depth: int) -> str | None:
    """The operator as black spaces it after `previous`, or None."""
    operand_before = previous is not None and (
        previous[0] in _WORDS or previous[1] in _CLOSING
    )
    if token == "=":
        if not operand_before:
            return None
        return " = " if depth == 0 else "="
    if token not in _BINARY:
        return None
    if operand_before:
        return f" {token} "
    if token != "-":
        return None  # a star argument or a unary plus: left to black
    return "-"


def _number(token: str) -> str:
    """`1.` as `1.0` and `.5` as `0.5`, as black writes them."""
    mantissa, e, exponent = token.partition("e")
    if mantissa.endswith("."):
        mantissa += "0"
    if mantissa.startswith("."):
        mantissa = "0" + mantissa
    return mantissa + e + exponent
