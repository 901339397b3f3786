"""The Markdown report: readable as plain text, within what code-review sites render."""

from __future__ import annotations

from .model import located, reason_code, where

_ICON = {
    "equivalent": "✅",
    "different": "❌",
    "unverifiable": "⚠️",
    "error": "💥",
    None: "·",
}


def _row(cells) -> str:
    return (
        "| "
        + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells)
        + " |"
    )


def render(data: dict) -> str:
    out = ["# seq2func report", "", *_overview(data)]
    out += ["", *_table(data["sites"])]
    for site in data["sites"]:
        out += _site(site)
    return "\n".join(out) + "\n"


def _overview(data: dict) -> list[str]:
    """The counts, skips by code, and the reasons sites need a person."""
    o = data["overview"]
    s = data["settings"]
    v = o["verification"]
    out = [
        f"{o['files_scanned']} files scanned, {o['files_changed']} changed, {o['files_failed']} failed. "
        f"{o['sites']} Sequential sites: {o['converted']} converted, {o['skipped']} skipped.",
    ]
    if s["verified"]:
        out.append(
            f"Verification: {v['equivalent']} equivalent, {v['different']} different, "
            f"{v['unverifiable']} unverifiable, {v['error']} errors "
            f"(Keras {s['keras'] or '?'}, {s['backend'] or '?'} backend, {s['device'] or '?'})."
        )
    if o["skipped_by_code"]:
        out.append(
            "Skipped by code: "
            + ", ".join(f"`{c}` {n}" for c, n in o["skipped_by_code"].items())
            + "."
        )
    groups = o.get("unverifiable_by_reason", [])
    if groups:
        out += ["", "Unverifiable, by reason (these sites come first below):", ""]
        for group in groups:
            modules = f" ({', '.join(group['modules'])})" if group["modules"] else ""
            out.append(
                f"- `{group['code']}` {group['title']}{modules}: **{group['count']}**. "
                f"Fix: {group['fix']}"
            )
    return out


def _table(sites: list[dict]) -> list[str]:
    out = [
        _row(["file", "where", "model", "conversion", "verification"]),
        _row(["---"] * 5),
    ]
    for site in sites:
        status = site["verification"]["status"] if site["verification"] else None
        code = reason_code(site)
        out.append(
            _row(
                [
                    f"`{site['path']}`",
                    where(site),
                    f"`{site['label']}`",
                    site["status"],
                    f"{_ICON[status]} {status or '—'}" + (f" `{code}`" if code else ""),
                ]
            )
        )
    return out


def _site(site: dict) -> list[str]:
    """A site's section: diagnostics, verdict, answers, diff, checks and summaries."""
    path = f"`{site['path']}`"
    out = ["", f"## {located(site, path)} — `{site['label']}`", ""]
    for d in site["diagnostics"]:
        out.append(f"- `{d['code']}` {d['message']}  \n  _{d['hint']}_")
    check = site["verification"]
    if check:
        out += _verdict(check)
    for answer in site["answers"]:
        out.append(f"- **{answer['question']}** {answer['answer']}")
    if site["diff"]:
        out += [
            "",
            "<details><summary>diff</summary>",
            "",
            "```diff",
            site["diff"].rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
    if check and check["checks"]:
        out += _checks_and_summaries(check)
    return out


def _verdict(check: dict) -> list[str]:
    keras = check.get("keras_version") or "?"
    if check.get("keras") == "2":
        keras += f" (Keras 2, tf-keras: {check.get('keras_reason') or 'asked for'})"
    out = [
        f"- **{check['status']}** on {check['device']} ({check['backend']}, Keras {keras})"
        + (f" at {check['host']}" if check["host"] else "")
        + f", {check['seconds']} s"
        + (f": {check['reason']}" if check["reason"] else "")
    ]
    for d in check["diagnostics"]:
        out.append(f"- `{d['code']}` {d['message']}")
    return out


def _checks_and_summaries(check: dict) -> list[str]:
    out = ["", "<details><summary>checks and summaries</summary>", ""]
    out += [_row(["check", "result", "detail"]), _row(["---"] * 3)]
    for c in check["checks"]:
        out.append(
            _row([c["name"], "pass" if c["passed"] else "**fail**", c["detail"]])
        )
    out += [
        "",
        _row(
            [
                "original",
                "output shape",
                "params",
                "converted",
                "output shape",
                "params",
            ]
        ),
        _row(["---"] * 6),
    ]
    for left, right in _aligned(check["original_layers"], check["converted_layers"]):
        out.append(_row([*_cells(left), *_cells(right)]))
    out += ["", "</details>"]
    return out


def _cells(row) -> list[str]:
    if row is None:
        return ["", "", ""]
    name = f"{row['name']} ({row['class_name']})"
    if row["explicit_input"]:
        name += " — explicit input"
    return [name, f"`{row['output_shape']}`", f"{row['params']:,}"]


def _aligned(original: list, converted: list):
    """Rows side by side; the Functional model's InputLayer faces an empty cell."""
    right = list(converted)
    left = list(original)
    while left or right:
        if right and right[0]["explicit_input"]:
            yield None, right.pop(0)
            continue
        yield (left.pop(0) if left else None), (right.pop(0) if right else None)
