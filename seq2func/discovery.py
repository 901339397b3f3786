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

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pathspec

SUFFIXES = (".py", ".ipynb")
SKIPPED_FOLDERS = frozenset(
    {
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
        "env",
    }
)


@dataclass(frozen=True)
class Found:
    path: Path
    explicit: bool  # named on the command line (then suffix and ignores do not apply)


def _spec(lines: list[str]) -> pathspec.PathSpec:
    # Imported on first use: a tree without .gitignore or --exclude (a pre-commit
    # run on a few files) does not pay for loading it.
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    path = folder / ".gitignore"
    try:
        return _spec(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def discover(
    paths: list[str], exclude: tuple[str, ...] = (), root: Path | None = None
) -> Iterator[Found]:
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


def _walk(top: Path, base: Path, excluded, seen: set[Path]) -> Iterator[Found]:
    ignores: list[tuple[Path, pathspec.PathSpec]] = []
    root_ignore = _gitignore(base)
    if root_ignore is not None:
        ignores.append((base, root_ignore))

    def ignored(path: Path, resolved: Path, is_dir: bool) -> bool:
        for folder, spec in ignores:
            relative = _relative_to(resolved, folder)
            if relative is not None and spec.match_file(
                relative + ("/" if is_dir else "")
            ):
                return True
        if excluded is not None:
            relative = _relative_to(resolved, base) or path.as_posix()
            if excluded.match_file(
                relative + ("/" if is_dir else "")
            ) or excluded.match_file(path.name):
                return True
        return False

    # Symlinks are never followed, so below the resolved top every path is
    # already canonical: joining names is enough, no resolve() per file.
    top_resolved = top.resolve()
    for folder, dirs, files in os.walk(top, followlinks=False):
        current = Path(folder)
        relative_folder = os.path.relpath(folder, top)
        current_resolved = (
            top_resolved if relative_folder == "." else top_resolved / relative_folder
        )
        if current_resolved != base:
            spec = _gitignore(current)
            if spec is not None:
                ignores.append((current_resolved, spec))
        kept = []
        for name in sorted(dirs):
            child = current / name
            if name.startswith(".") or name in SKIPPED_FOLDERS or child.is_symlink():
                continue
            if _is_virtualenv(child) or ignored(
                child, current_resolved / name, is_dir=True
            ):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.endswith(SUFFIXES):
                continue
            child = current / name
            key = current_resolved / name
            if child.is_symlink() or key in seen or ignored(child, key, is_dir=False):
                continue
            seen.add(key)
            yield Found(child, explicit=False)


def _relative_to(path: Path, folder: Path) -> str | None:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return None
