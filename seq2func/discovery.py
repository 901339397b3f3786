"""Finding the files to convert: explicit files, and directories walked as black walks them.

`.gitignore` files (at the project root and in every walked folder) and
`--exclude` patterns use git's wildmatch rules through pathspec. Hidden
folders and virtual environments are skipped; symbolic links are never
followed, so a link loop cannot trap the walk and a write never lands
outside the tree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

SUFFIXES = (".py", ".ipynb")
SKIPPED_FOLDERS = frozenset(
    {
        "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist",
        "node_modules", "site-packages", "venv", "env",
    }
)


@dataclass(frozen=True)
class Found:
    path: Path
    explicit: bool  # named on the command line (then suffix and ignores do not apply)


def _spec(lines: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    path = folder / ".gitignore"
    try:
        return _spec(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def discover(paths: list[str], exclude: tuple[str, ...] = (), root: Path | None = None) -> Iterator[Found]:
    """Yield files in a stable order: each argument in turn, directories sorted."""
    excluded = _spec(list(exclude)) if exclude else None
    seen: set[Path] = set()
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            base = root or path.resolve()
            yield from _walk(path, base, excluded, seen)
        else:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield Found(path, explicit=True)


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return None


def _walk(top: Path, base: Path, excluded, seen: set[Path]) -> Iterator[Found]:
    ignores: list[tuple[Path, pathspec.PathSpec]] = []
    root_ignore = _gitignore(base)
    if root_ignore is not None:
        ignores.append((base, root_ignore))

    def ignored(path: Path, is_dir: bool) -> bool:
        resolved = path.resolve()
        for folder, spec in ignores:
            relative = _relative(resolved, folder)
            if relative is not None and spec.match_file(relative + ("/" if is_dir else "")):
                return True
        if excluded is not None:
            relative = _relative(resolved, base) or path.as_posix()
            if excluded.match_file(relative + ("/" if is_dir else "")) or excluded.match_file(path.name):
                return True
        return False

    for folder, dirs, files in os.walk(top, followlinks=False):
        current = Path(folder)
        if current.resolve() != base:
            spec = _gitignore(current)
            if spec is not None:
                ignores.append((current.resolve(), spec))
        kept = []
        for name in sorted(dirs):
            child = current / name
            if name.startswith(".") or name in SKIPPED_FOLDERS or child.is_symlink():
                continue
            if _is_virtualenv(child) or ignored(child, is_dir=True):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            child = current / name
            if not name.endswith(SUFFIXES) or child.is_symlink() or ignored(child, is_dir=False):
                continue
            key = child.resolve()
            if key in seen:
                continue
            seen.add(key)
            yield Found(child, explicit=False)
