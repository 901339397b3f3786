"""The data every report renders: one overview and one record per site, JSON-ready.

Built from the run's file outcomes and, when there was one, its
verification; the HTML, Markdown and JSON reports all render this.
"""

from __future__ import annotations

import difflib
import platform
from collections import Counter
from dataclasses import asdict

from ..diagnostics import MISSING_MODULE, NOT_EQUIVALENT
from .. import __version__
from ..diagnostics import CODES

SCHEMA_VERSION = "1.1"

# Verification outcomes that need a person, in the order reports list them.
NEEDS_A_PERSON = ("different", "error", "unverifiable")


def build(outcomes, summary, verification, command: str) -> dict:
    sites = ordered(_sites(outcomes, verification))
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "settings": _settings(sites, verification),
        "overview": _overview(summary, sites),
        "files": [
            {
                "path": o.path,
                "status": o.status,
                "error": o.error and {"code": o.error_code, "reason": o.error},
            }
            for o in outcomes
        ],
        "sites": sites,
    }


def _sites(outcomes, verification) -> list[dict]:
    """A record per site, in file order, with its verification when it had one."""
    sites = []
    for outcome in outcomes:
        report = (
            verification.reports.get(outcome.path) if verification is not None else None
        )
        checked = (
            {(s.cell, s.line): s for s in report.sites} if report is not None else {}
        )
        for site in outcome.sites:
            sites.append(_site(outcome, site, checked.get((site.cell, site.line))))
    return sites


def _settings(sites: list[dict], verification) -> dict:
    """What ran: seq2func and Python, and the Keras, backends and devices that verified."""

    def verified(key: str) -> str | None:
        found = {
            s["verification"][key]
            for s in sites
            if s["verification"] and s["verification"][key]
        }
        return ", ".join(sorted(found)) or None

    return {
        "seq2func": __version__,
        "python": platform.python_version(),
        "keras": verified("keras_version"),
        "backend": verified("backend"),
        "device": verified("device"),
        "verified": verification is not None,
    }


def _overview(summary, sites: list[dict]) -> dict:
    statuses = Counter(s["verification"]["status"] for s in sites if s["verification"])
    return {
        "files_scanned": summary.files,
        "files_with_models": summary.with_models,
        "files_changed": summary.changed,
        "files_failed": summary.failed,
        "sites": summary.sites,
        "converted": summary.converted,
        "skipped": summary.skipped,
        "skipped_by_code": summary.skipped_by_code,
        "failed_by_code": summary.failed_by_code,
        "verification": {
            k: statuses.get(k, 0)
            for k in ("equivalent", "different", "unverifiable", "error")
        },
        "unverifiable_by_reason": reasons(sites, ("unverifiable",)),
        "needs_a_person_by_reason": reasons(sites, NEEDS_A_PERSON),
    }


def _site(outcome, site, checked) -> dict:
    record = {
        "path": outcome.path,
        "line": site.line,
        "end_line": site.end_line,
        "cell": site.cell,
        "scope": site.scope,
        "target": site.target,
        "model_name": site.model_name,
        "label": site.label,
        "status": site.status,
        "form": site.form,
        "diagnostics": [_diagnostic(asdict(d)) for d in site.diagnostics],
        "diff": _site_diff(outcome, site),
        "verification": None,
        "answers": [],
    }
    if checked is not None:
        record["verification"] = _verification(asdict(checked))
        record["answers"] = answers(checked)
    return record


def _diagnostic(d: dict) -> dict:
    return {
        "code": d["code"],
        "kind": d["kind"],
        "line": d["line"],
        "message": d["message"],
        "hint": d["hint"],
    }


# The fields of a SiteVerification a report keeps, in the report's order.
_VERIFICATION_FIELDS = (
    "status",
    "reason",
    "differences",
    "expected_differences",
    "checks",
    "original_layers",
    "converted_layers",
    "original_summary",
    "converted_summary",
    "input_shape",
    "input_dtype",
    "device",
    "host",
    "backend",
    "keras",
    "keras_version",
    "keras_reason",
    "sample_shape",
    "seconds",
)


def _verification(data: dict) -> dict:
    record = {name: data[name] for name in _VERIFICATION_FIELDS}
    record["differences"] = list(data["differences"])
    record["expected_differences"] = list(data["expected_differences"])
    record["diagnostics"] = [_diagnostic(d) for d in data["diagnostics"]]
    return record


def reason_code(site: dict) -> str | None:
    """The code that says why a verified site needs a person (its first skip)."""
    check = site["verification"]
    if not check or check["status"] not in NEEDS_A_PERSON:
        return None
    return next(
        (d["code"] for d in check["diagnostics"] if d["kind"] == "skip"), NOT_EQUIVALENT
    )


def ordered(sites: list[dict]) -> list[dict]:
    """Sites that need a person first (different, then errors, then
    unverifiable), grouped by reason; then the rest, in file order."""

    def key(indexed):
        index, site = indexed
        code = reason_code(site)
        if code is None:
            return (1, "", "", index)
        status = site["verification"]["status"]
        return (0, str(NEEDS_A_PERSON.index(status)), code, index)

    return [site for _, site in sorted(enumerate(sites), key=key)]


def _module_of(site: dict) -> str | None:
    reason = site["verification"]["reason"]
    head = reason.split(":", 1)[0]
    return head if head and " " not in head else None


def reasons(sites: list[dict], statuses: tuple[str, ...]) -> list[dict]:
    """Per reason: how many sites, the fix, and for missing modules which ones."""
    found: dict[str, dict] = {}
    for site in sites:
        code = reason_code(site)
        if code is None or site["verification"]["status"] not in statuses:
            continue
        entry = CODES[code]
        group = found.setdefault(
            code,
            {
                "code": code,
                "title": entry.title,
                "count": 0,
                "fix": entry.hint,
                "modules": [],
            },
        )
        group["count"] += 1
        if code == MISSING_MODULE:
            module = _module_of(site)
            if module and module not in group["modules"]:
                group["modules"].append(module)
    for group in found.values():
        if group["modules"]:
            top = sorted({m.split(".")[0] for m in group["modules"]})
            group["fix"] = (
                f"Install what provides {', '.join(top)} where seq2func runs "
                "(pip install ...), and verify again."
            )
    return sorted(found.values(), key=lambda g: (-g["count"], g["code"]))


def where(site: dict) -> str:
    """`cell 3, line 2` in a notebook, `line 2` in a file."""
    if site.get("cell") is not None:
        return f"cell {site['cell']}, line {site['line']}"
    return f"line {site['line']}"


def located(site: dict, path: str | None = None) -> str:
    """`path:2` for a file, `path cell 3, line 2` for a notebook (the file's
    lines say nothing in a notebook: each cell counts its own)."""
    path = site["path"] if path is None else path
    if site.get("cell") is not None:
        return f"{path} {where(site)}"
    return f"{path}:{site['line']}"


def _site_diff(outcome, site) -> str:
    """The part of the file's diff that touches this site's lines."""
    if not outcome.changed or site.status != "converted" or outcome.kind != "python":
        return ""
    before = outcome.original.splitlines(keepends=True)
    after = outcome.converted.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    lines: list[str] = []
    for group in matcher.get_grouped_opcodes(2):
        first, last = group[0][1] + 1, group[-1][2]
        if last < site.line or first > site.end_line:
            continue
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in before[i1:i2])
                continue
            lines.extend("-" + line for line in before[i1:i2])
            lines.extend("+" + line for line in after[j1:j2])
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def answers(checked) -> list[dict]:
    """What the seeds asked, answered for this model."""
    found = []
    explicit = next((r for r in checked.converted_layers if r.explicit_input), None)
    if explicit is not None:
        found.append(
            {
                "seed": "000",
                "question": "Where did the Input layer go?",
                "answer": f"The Functional model shows its input as the first row: {explicit.name} "
                f"(InputLayer) with shape {explicit.output_shape} and 0 parameters. The Sequential "
                f"model had the same input, only hidden from summary().",
            }
        )
    open_dims = [r for r in checked.original_layers if r.output_shape.count("None") > 1]
    if open_dims:
        found.append(
            {
                "seed": "001",
                "question": "Why are there None dimensions?",
                "answer": f"The input shape {checked.input_shape} leaves dimensions open beyond the batch; "
                f"they stay None down to {open_dims[-1].name} {open_dims[-1].output_shape}. "
                "Give the Input a full shape to fix them.",
            }
        )
    for row in checked.original_layers:
        if row.ignored_input_shape:
            found.append(
                {
                    "seed": "002",
                    "question": f"Was input_shape on {row.name} used?",
                    "answer": f"No: input_shape={row.ignored_input_shape} on {row.name} was ignored by Keras; "
                    f"the layer really received {row.input_shape} from the layer before it.",
                }
            )
    for row in checked.original_layers:
        if row.acts_on_last_axis:
            found.append(
                {
                    "seed": "003",
                    "question": f"Why does {row.name} output {row.output_shape}?",
                    "answer": f"{row.class_name} acts on the last axis of its {row.input_shape} input, so "
                    f"the other axes pass through ({row.output_shape}, {row.params:,} parameters). "
                    "Put Flatten() before it to act on every feature.",
                }
            )
    return found
