"""A notebook's JSON: read, and written back byte for byte as the file was.

Every byte but the changed cells' sources stays as it was, and those are
written in the layout and escaping the file gave them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..diagnostics import INVALID_NOTEBOOK
from ..results import ConversionError


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def load(text: str, path: str | None) -> dict:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConversionError(
            INVALID_NOTEBOOK, f"not valid JSON: {error}", path
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ConversionError(INVALID_NOTEBOOK, 'no "cells" list', path)
    for index, cell in enumerate(notebook["cells"]):
        problem = _cell_problem(cell)
        if problem is not None:
            raise ConversionError(INVALID_NOTEBOOK, f"cell {index} {problem}", path)
    return notebook


def _cell_problem(cell: object) -> str | None:
    """What keeps a cell from being read as code, if anything: the whole run
    must not stop on one malformed file."""
    if not isinstance(cell, dict):
        return "is not an object"
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        return 'has a "source" that is neither a string nor a list of strings'
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON ("\ud800")
        return 'has a "source" that is not Unicode text'
    return None


def dump(
    notebook: dict, text: str, replaced: dict[int, object] | None = None
) -> str | None:
    """Serialise as the file was: same layout, key order and escaping, or None if impossible.

    `notebook` is the file as read but for the sources of some cells, which
    `replaced` holds as they were. Each of those is swapped where the file
    has it, written as the file wrote it, and every other byte is kept. With
    no `replaced` (a cell gained a key) the whole file is written anew, which
    only a file json.dumps wrote can be.
    """
    if replaced is not None:
        return _splice_sources(notebook, text, replaced)
    match = re.search(r"\n( +)\"", text)
    indent = len(match.group(1)) if match else 1
    end = "\n" if text.endswith("\n") else ""
    original = json.loads(text)
    # Escaping shows only in non-ASCII strings: an ASCII file holding some was
    # written with ensure_ascii, any other file (if any setting) without.
    ensure_ascii = text.isascii() and not _all_ascii(original)
    if json.dumps(original, indent=indent, ensure_ascii=ensure_ascii) + end != text:
        return None
    return json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii) + end


def _splice_sources(
    notebook: dict, text: str, replaced: dict[int, object]
) -> str | None:
    """The text with each changed cell's source swapped where the file has it,
    every other byte as read; None when the file's way of writing a source
    cannot be repeated.

    Notebooks come from many writers: Jupyter's json.dumps layout, Colab's
    (whose first cell sits at another indent than the rest), one-line files,
    Windows line ends. So the sources are found by reading the JSON, not by
    the layout, and a new source is written in the layout and escaping of the
    one it replaces, which must itself come out of that writing as read.
    """
    spans = _source_spans(text, max(replaced, default=-1))
    if spans is None:
        return None
    cells, ascii_file = notebook["cells"], text.isascii()
    pieces, done = [], 0
    for index in sorted(replaced):
        if index not in spans:
            return None
        start, end = spans[index]
        new = _written_like(
            text[start:end], replaced[index], cells[index]["source"], ascii_file
        )
        if new is None or json.loads(new) != cells[index]["source"]:
            return None
        pieces += [text[done:start], new]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


_SPACE = re.compile(r"[ \t\n\r]*")


class _Read(Exception):
    """Every span asked for is read."""


def _source_spans(text: str, last: int) -> dict[int, tuple[int, int]] | None:
    """Where each cell's "source" value lies in the text, by cell index, up to
    cell `last` at least.

    Only the members of the top-level "cells" list are read; every other
    value is skipped by json's own (C) scanner. A key given twice counts as
    json.loads counts it: the last one. Reading stops after cell `last`
    (the outputs of the cells after it can be megabytes) only where no
    second "cells" list may follow.
    """
    decoder = json.JSONDecoder()
    spans: dict[int, tuple[int, int]] = {}
    stop = last if text.count('"cells"') == 1 else None

    def space(at: int) -> int:
        return _SPACE.match(text, at).end()  # type: ignore[union-attr]

    def members(at: int, value: Callable[[str, int], int]) -> int:
        """Read the object opening at `at`; `value` reads each member's value."""
        at = space(at + 1)
        if text[at] == "}":
            return at + 1
        while True:
            key, at = json.decoder.scanstring(text, at + 1)
            at = space(space(at) + 1)  # past the colon
            at = space(value(key, at))
            if text[at] == "}":
                return at + 1
            at = space(at + 1)  # past the comma

    def skipped(_key: str, at: int) -> int:
        return decoder.raw_decode(text, at)[1]

    def top(key: str, at: int) -> int:
        if key != "cells" or text[at] != "[":
            return skipped(key, at)
        spans.clear()
        at, index = space(at + 1), 0
        while text[at] != "]":
            if text[at] == "{":
                at = members(at, functools.partial(cell, index))
            else:
                at = skipped("", at)
            if index == stop:
                raise _Read
            at, index = space(at), index + 1
            if text[at] == ",":
                at = space(at + 1)
        return at + 1

    def cell(index: int, key: str, at: int) -> int:
        end = skipped(key, at)
        if key == "source":
            spans[index] = (at, end)
        return end

    try:
        at = space(0)
        if text[at] != "{":
            return None
        members(at, top)
    except _Read:
        pass
    except (IndexError, ValueError):  # pragma: no cover - json.loads read it
        return None
    return spans


def _written_like(
    old_text: str, old: object, new: object, ascii_file: bool
) -> str | None:
    """`new` written as `old` is written in `old_text`: the same spacing
    around its items and the same escaping; None when writing `old` that way
    does not give `old_text` back. A source that shows no escaping either way
    is escaped as the file is: an ASCII file holds no raw non-ASCII text."""
    layout = _list_layout(old_text) if isinstance(old, list) else None
    for ensure_ascii in (ascii_file, not ascii_file):
        if _write(old, layout, ensure_ascii) == old_text:
            return _write(new, layout, ensure_ascii)
    return None


@dataclass(frozen=True)
class _ListLayout:
    """The spacing of a source list: after "[", around each comma, before "]"."""

    opening: str
    before_comma: str
    after_comma: str
    closing: str


def _list_layout(old_text: str) -> _ListLayout | None:
    decoder = json.JSONDecoder()
    starts, ends = [], []
    at = _SPACE.match(old_text, 1).end()  # type: ignore[union-attr]
    try:
        while old_text[at] != "]":
            starts.append(at)
            at = decoder.raw_decode(old_text, at)[1]
            ends.append(at)
            at = _SPACE.match(old_text, at).end()  # type: ignore[union-attr]
            if old_text[at] == ",":
                at = _SPACE.match(old_text, at + 1).end()  # type: ignore[union-attr]
    except (IndexError, ValueError):
        return None
    if not starts:
        return None  # nothing shows how this file spaces a list's items
    gaps = {old_text[end:start] for end, start in zip(ends, starts[1:])}
    if len(gaps) > 1:
        return None
    opening = old_text[1 : starts[0]]
    if gaps:
        before, _, after = gaps.pop().partition(",")
    else:
        # One item: the next ones go as json.dumps would put them, on lines
        # of their own where the first is, else after ", ".
        before, after = "", opening if "\n" in opening else " "
    return _ListLayout(opening, before, after, old_text[ends[-1] : -1])


def _write(value: object, layout: _ListLayout | None, ensure_ascii: bool) -> str | None:
    if not isinstance(value, list):
        return json.dumps(value, ensure_ascii=ensure_ascii)
    if layout is None or not all(isinstance(item, str) for item in value):
        return None
    items = (json.dumps(item, ensure_ascii=ensure_ascii) for item in value)
    comma = layout.before_comma + "," + layout.after_comma
    return "[" + layout.opening + comma.join(items) + layout.closing + "]"


def _all_ascii(value: object) -> bool:
    """Whether every string in the JSON value (keys too) is ASCII."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def set_source(cell: dict, source: str) -> None:
    old = cell.get("source")
    if not isinstance(old, list):
        cell["source"] = source
        return
    # Split the new source the way the file split this cell: Jupyter splits
    # with str.splitlines, other tools at "\n" only.
    text = "".join(old)
    for split in (_splitlines, _split_at_newlines):
        if split(text) == old:
            cell["source"] = split(source)
            return
    cell["source"] = _splitlines(source)


def _splitlines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _split_at_newlines(source: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", source)
