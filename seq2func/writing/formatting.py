"""Formatting the rewritten statements with black, honouring the project's settings."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .canonical import black_spelling
from .statements import statement_by_statement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class BlackSettings:
    line_length: int = 88
    string_normalization: bool = True
    magic_trailing_comma: bool = True


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`, as black finds it."""
    start = start.resolve()
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists() or (folder / ".hg").exists():
            return None
    return None


@lru_cache(maxsize=256)
def _read_black_section(pyproject: Path) -> dict:
    try:
        with open(pyproject, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return data.get("tool", {}).get("black", {}) or {}


def black_settings(path: str | None, line_length: int | None = None) -> BlackSettings:
    """Settings for a file: `[tool.black]` of its project, then the explicit line length."""
    section: dict = {}
    if path and path != "-":
        pyproject = find_pyproject(Path(path))
        if pyproject is not None:
            section = _read_black_section(pyproject)
    length = line_length or int(
        section.get("line-length", section.get("line_length", 88))
    )
    return BlackSettings(
        line_length=length,
        string_normalization=not bool(section.get("skip-string-normalization", False)),
        magic_trailing_comma=not bool(section.get("skip-magic-trailing-comma", False)),
    )


def format_statements(code: str, settings: BlackSettings, indent_width: int) -> str:
    """Format top-level statements as they will read once indented by `indent_width`.

    Black only imports here: formatting is the last step of a rewrite and most
    files never get one. Statements in the language `canonical.black_spelling`
    knows, which fit on a line once joined, are not given to it; where only
    some are, black gets the others one by one (`statement_by_statement`).
    """
    width = max(settings.line_length - indent_width, 20)
    known = black_spelling(code, width, settings.string_normalization)
    if known is not None:
        return known
    import black

    mode = black.Mode(
        line_length=width,
        string_normalization=settings.string_normalization,
        magic_trailing_comma=settings.magic_trailing_comma,
    )
    parts = statement_by_statement(code, width, settings.string_normalization)
    if parts is not None:
        try:
            return "".join(
                black.format_str(text, mode=mode) if spelled is None else spelled
                for text, spelled in parts
            )
        except Exception:  # black refuses a part: it has its say on the whole
            pass
    try:
        return black.format_str(code, mode=mode)
    except (
        Exception
    ):  # black refuses some valid code; the unformatted text still parses
        return code if code.endswith("\n") else code + "\n"
