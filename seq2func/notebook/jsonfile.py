"""A notebook's JSON: read, and written back byte for byte as the file was.

The file is written back only when json.dumps, with the file's own indent and
escaping, writes the file as read; then every byte but the changed cells'
sources stays as it was.
"""

from __future__ import annotations

import json
import re
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
    return notebook


def dump(
    notebook: dict, text: str, replaced: dict[int, object] | None = None
) -> str | None:
    """Serialise as the file was: same indent, key order and escaping, or None if impossible.

    `notebook` is the file as read but for the sources of some cells, which
    `replaced` holds as they were (all of it is read again without it). The
    file as read is serialised once, to see that json.dumps writes it so; the
    new sources are then put in where it wrote theirs.
    """
    match = re.search(r"\n( +)\"", text)
    indent = len(match.group(1)) if match else 1
    end = "\n" if text.endswith("\n") else ""
    if replaced is None:
        original = json.loads(text)
        ensure_ascii = text.isascii() and not _all_ascii(original)
        if json.dumps(original, indent=indent, ensure_ascii=ensure_ascii) + end != text:
            return None
        return json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii) + end
    spliced = _splice_sources(notebook, text, replaced, indent)
    if spliced is not None:
        return spliced
    cells = list(notebook["cells"])
    for index, source in replaced.items():
        cells[index] = {**cells[index], "source": source}
    original, changed = {**notebook, "cells": cells}, tuple(replaced)
    # Escaping shows only in non-ASCII strings: an ASCII file holding some was
    # written with ensure_ascii, any other file (if any setting) without.
    ensure_ascii = text.isascii() and not _all_ascii(original)
    cells = list(original["cells"])
    for index in changed:  # a stand-in json.dumps hands back to `default`
        cells[index] = {**cells[index], "source": _Source(index)}
    starts: dict[int, int] = {}
    written = 0

    def default(value: object) -> object:
        if not isinstance(value, _Source):
            raise TypeError(type(value).__name__)
        starts[value.index] = written
        return original["cells"][value.index]["source"]

    encoder = json.JSONEncoder(
        indent=indent, ensure_ascii=ensure_ascii, default=default
    )
    # Each piece is held to the text where it lands, not joined first: a
    # notebook's outputs can make it megabytes long.
    for chunk in encoder.iterencode({**original, "cells": cells}):
        if not text.startswith(chunk, written):
            return None
        written += len(chunk)
    if written + len(end) != len(text) or not text.endswith(end):
        return None
    put = _put_sources(text, starts, original, notebook, indent, ensure_ascii)
    if put is None:  # pragma: no cover - json.dumps writes a source otherwise
        return json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii) + end
    return put


def _splice_sources(
    notebook: dict, text: str, replaced: dict[int, object], indent: int
) -> str | None:
    """The text with each changed cell's source swapped where the file has it,
    every other byte as read; None when that cannot be shown.

    Serialising a notebook with an indent runs json's pure-Python encoder
    over every output it holds; this reads only the changed sources. A raw
    newline is never inside a JSON string, so in json.dumps's layout a line
    that starts with two indents and "{" opens an object two levels deep,
    and one with three indents and a key is a key of such an object. The
    openers must be the items of the "cells" list (`_cells_at`), one per
    cell; a changed cell's first key "source" three indents deep, before the
    next cell opens, is its own, and its value must read back as the source
    was and, swapped, as the new one. A cell's outputs are never read.
    """
    if "\r" in text:
        return None  # json.dumps writes "\n": the full check says no
    ensure_ascii = text.isascii()  # a file with raw non-ASCII text is not escaped
    decoder = json.JSONDecoder()
    cells = notebook["cells"]
    opener = "\n" + " " * (2 * indent) + "{"
    starts, found = [], text.find(opener)
    while found != -1 and len(starts) <= len(cells):
        starts.append(found + len(opener) - 1)
        found = text.find(opener, found + 1)
    if len(starts) != len(cells) or not _cells_at(text, starts, indent):
        return None
    key = "\n" + " " * (3 * indent) + '"source": '
    pieces, done = [], 0
    for index in sorted(replaced):
        limit = starts[index + 1] if index + 1 < len(starts) else len(text)
        at = text.find(key, starts[index], limit)
        if at == -1:
            return None
        value = at + len(key)
        try:
            source, end = decoder.raw_decode(text, value)
        except json.JSONDecodeError:
            return None
        new = _source_json(cells[index]["source"], indent, ensure_ascii)
        old = _source_json(replaced[index], indent, ensure_ascii)
        if source != replaced[index] or end > limit or text[value:end] != old:
            return None
        if json.loads(new) != cells[index]["source"]:  # pragma: no cover
            return None
        pieces += [text[done:value], new]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _cells_at(text: str, starts: list[int], indent: int) -> bool:
    """Whether the openers are the items of the "cells" list as json.dumps
    lays it out: the first right after `"cells": [`, each next after the
    one before it closed (`},` and a new line)."""
    if not starts:
        return True
    head = text[: starts[0]].rstrip(" \n")
    if not head.endswith('"cells": ['):
        return False
    between = "},\n" + " " * (2 * indent)
    return all(text.startswith(between, start - len(between)) for start in starts[1:])


def _put_sources(
    text: str,
    starts: dict[int, int],
    original: dict,
    notebook: dict,
    indent: int,
    ensure_ascii: bool,
) -> str | None:
    """The text with each cell's source, written where `starts` says, replaced by
    the notebook's; None if one is not written there as expected."""
    pieces, done = [], 0
    for index in sorted(starts, key=starts.__getitem__):
        old, new = (
            _source_json(cell["cells"][index]["source"], indent, ensure_ascii)
            for cell in (original, notebook)
        )
        start = starts[index]
        if text[start : start + len(old)] != old:
            return None
        pieces += [text[done:start], new]
        done = start + len(old)
    pieces.append(text[done:])
    return "".join(pieces)


@dataclass(frozen=True)
class _Source:
    """Where a changed cell's source goes in the JSON text."""

    index: int


def _source_json(source: object, indent: int, ensure_ascii: bool) -> str:
    """A cell's source as json.dumps writes it in a notebook: three levels deep."""
    if isinstance(source, list) and source and all(isinstance(s, str) for s in source):
        # json.dumps with an indent, written out: its pure-Python encoder
        # leaves a cycle of closures behind on every call.
        pad = "\n" + " " * indent * 4
        items = (json.dumps(line, ensure_ascii=ensure_ascii) for line in source)
        return "[" + pad + ("," + pad).join(items) + "\n" + " " * indent * 3 + "]"
    text = json.dumps(source, indent=indent, ensure_ascii=ensure_ascii)
    return text.replace("\n", "\n" + " " * indent * 3)


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
