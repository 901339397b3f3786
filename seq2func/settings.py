"""Settings from `[tool.seq2func]` in the nearest pyproject.toml, found as black finds its own."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .writing.formatting import find_pyproject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Settings:
    exclude: tuple[str, ...] = ()
    line_length: int | None = None
    jobs: int | None = None
    source: Path | None = None  # the pyproject.toml they came from
    project_root: Path | None = field(default=None)


class SettingsError(ValueError):
    pass


def common_base(paths: list[str]) -> Path:
    resolved = [Path(p).resolve() for p in paths if p != "-"] or [Path.cwd()]
    base = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    for path in resolved[1:]:
        folder = path if path.is_dir() else path.parent
        while not folder.is_relative_to(base) and base != base.parent:
            base = base.parent
    return base


def load_settings(paths: list[str]) -> Settings:
    base = common_base(paths)
    pyproject = find_pyproject(base)
    if pyproject is None:
        return Settings(project_root=_project_root(base))
    try:
        with open(pyproject, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(
            f"{pyproject}: cannot read [tool.seq2func]: {error}"
        ) from None
    section = data.get("tool", {}).get("seq2func", {}) or {}
    exclude = section.get("exclude", ())
    if isinstance(exclude, str):
        exclude = (exclude,)
    line_length = section.get("line-length", section.get("line_length"))
    jobs = section.get("jobs")
    if line_length is not None and not isinstance(line_length, int):
        raise SettingsError(
            f"{pyproject}: [tool.seq2func] line-length must be an integer"
        )
    if jobs is not None and not isinstance(jobs, int):
        raise SettingsError(f"{pyproject}: [tool.seq2func] jobs must be an integer")
    return Settings(
        exclude=tuple(str(e) for e in exclude),
        line_length=line_length,
        jobs=jobs,
        source=pyproject,
        project_root=pyproject.parent,
    )


def _project_root(base: Path) -> Path:
    for folder in (base, *base.parents):
        if (folder / ".git").exists() or (folder / ".hg").exists():
            return folder
    return base
