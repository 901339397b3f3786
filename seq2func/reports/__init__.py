"""Reports a team can read, keep and attach to a pull request: .html, .md or .json."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_write
from . import html, markdown
from .model import SCHEMA_VERSION, build

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json"}

__all__ = ["SCHEMA_VERSION", "build", "render", "write_report", "schema"]


def render(data: dict, kind: str) -> str:
    if kind == "html":
        return html.render(data)
    if kind == "markdown":
        return markdown.render(data)
    return json.dumps(data, indent=2, default=str) + "\n"


def write_report(
    path: Path, outcomes, summary, verification, command: str = "convert"
) -> None:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SystemExit(f"error: {path}: a report ends in .html, .md or .json")
    text = render(build(outcomes, summary, verification, command), kind)
    if not path.exists():
        path.write_text("", encoding="utf-8")
    atomic_write(path, text.encode("utf-8"))


def schema() -> dict:
    return json.loads(
        (
            Path(__file__).resolve().parents[1] / "schemas" / "report.schema.json"
        ).read_text()
    )
