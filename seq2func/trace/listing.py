"""`seq2func traces`: what the store holds, per file and site, and whether it still applies."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import keys
from .lookup import RecordedSite, TracedInput, TraceIndex, input_text, varying_detail

Status = Literal["current", "edited", "missing", "unknown"]
STATUS_TEXT: dict[Status, str] = {
    "current": "current",
    "edited": "stale: edited since it was traced",
    "missing": "not found: moved or deleted (its traces apply wherever the same code is)",
    "unknown": "notebook not known",
}


@dataclass(frozen=True)
class ListedSite:
    site: RecordedSite
    status: Status


class _Contents:
    """The digests of the units that exist now, read once per file."""

    def __init__(self) -> None:
        self._files: dict[str, set[str] | None] = {}

    def digests(self, path: str, kind: str) -> set[str] | None:
        if path not in self._files:
            self._files[path] = self._read(path, kind)
        return self._files[path]

    @staticmethod
    def _read(path: str, kind: str) -> set[str] | None:
        if not path or not os.path.isfile(path):
            return None
        if kind == "file":
            text = keys.read_python_source(path)
            return None if text is None else {keys.unit_digest(text)}
        try:
            notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        found = set()
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                found.add(
                    keys.unit_digest(
                        "".join(source) if isinstance(source, list) else source
                    )
                )
        return found


def listed_sites(index: TraceIndex) -> list[ListedSite]:
    contents = _Contents()
    listed = []
    for site in index.sites():
        if site.kind == "cell" and not site.path:
            status: Status = "unknown"
        else:
            now = contents.digests(site.path, site.kind)
            status = (
                "missing"
                if now is None
                else ("current" if site.digest in now else "edited")
            )
        listed.append(ListedSite(site, status))
    listed.sort(
        key=lambda item: (
            item.site.path,
            -1 if item.site.cell is None else item.site.cell,
            item.site.digest,
            item.site.line,
            item.site.column,
        )
    )
    return listed


def _display(path: str) -> str:
    if not path:
        return "<notebook not known>"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return path


def _what(site: RecordedSite) -> str:
    recorded = site.recorded
    if isinstance(recorded, TracedInput):
        return (
            f"{input_text(recorded)}  {recorded.builds} build(s) in {recorded.runs} run(s)"
            f" by {', '.join(recorded.calls)}"
        )
    return f"VARYING {varying_detail(recorded)}"


def format_listing(listed: list[ListedSite], store_path: Path) -> str:
    if not listed:
        return f"{store_path}: no traces recorded\n"
    lines = [f"{store_path}"]
    heading = None
    for item in listed:
        site = item.site
        unit = _display(site.path)
        if site.kind == "cell":
            unit += f" [cell {site.cell}]" if site.cell is not None else " [a cell]"
        if (unit, item.status, site.digest) != heading:
            heading = (unit, item.status, site.digest)
            lines.append(f"{unit}  ({STATUS_TEXT[item.status]})")
        models = f"  {', '.join(site.models)}" if site.models else ""
        lines.append(f"  {site.line}:{site.column + 1}{models}  {_what(site)}")
    return "\n".join(lines) + "\n"


def listing_records(listed: list[ListedSite]) -> list[dict]:
    """`seq2func traces --json`: one record per site."""
    records = []
    for item in listed:
        site, recorded = item.site, item.site.recorded
        record = {
            "path": site.path,
            "kind": site.kind,
            "cell": site.cell,
            "line": site.line,
            "column": site.column,
            "digest": site.digest,
            "status": item.status,
            "models": list(site.models),
        }
        if isinstance(recorded, TracedInput):
            record.update(
                input=input_text(recorded),
                builds=recorded.builds,
                runs=recorded.runs,
                calls=list(recorded.calls),
                batch_sizes=list(recorded.batch_sizes),
                keras=list(recorded.keras_versions),
            )
        else:
            record.update(
                varying=list(recorded.shapes),
                builds=recorded.builds,
                runs=recorded.runs,
            )
        records.append(record)
    return records
