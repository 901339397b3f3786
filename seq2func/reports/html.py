"""The HTML report: one self-contained file (inline CSS and JS, no network).

The site table is sortable and filterable by a few lines of inline script;
each site's details sit in a closed <details> element, so thousands of sites
cost the browser little until they are opened.
"""

from __future__ import annotations

from html import escape

from .markdown import _aligned
from .model import located, reason_code, where

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1d2330}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:0}
.muted{color:#667} .overview{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #dde;border-radius:8px;padding:8px 12px;min-width:110px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #eef;padding:4px 8px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f5f6fa;position:sticky;top:0} th:hover{background:#e9ebf3}
.equivalent{color:#17753a} .different{color:#b3261e} .unverifiable{color:#9a6700} .error{color:#b3261e} .skipped{color:#667}
details.site{border:1px solid #dde;border-radius:8px;margin:10px 0;padding:8px 12px} details.site>summary{cursor:pointer}
pre{background:#f7f7fb;padding:8px;overflow:auto;font-size:12px;border-radius:6px}
.add{background:#e6ffec;display:block} .del{background:#ffebe9;display:block}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px} .input-row td{background:#eef6ff}
.answer{background:#fffbe6;border-left:3px solid #e3b341;padding:6px 10px;margin:6px 0}
input[type=search],select{padding:5px 8px;border:1px solid #ccd;border-radius:6px;margin:0 8px 8px 0}
.reasons{margin:12px 0 16px} .reasons h2{margin-bottom:6px}
.bar-row{display:grid;grid-template-columns:minmax(180px,260px) 1fr;gap:4px 12px;align-items:start;margin:6px 0}
.bar-track{background:#f1f2f7;border-radius:4px;height:16px;position:relative}
.bar{background:#e3b341;border-radius:4px;height:16px;min-width:3px}
.bar-count{font-weight:600;margin-left:6px} .fix{color:#445;font-size:13px}
tr.person td:first-child{border-left:3px solid #e3b341}
"""

_JS = """
const rows=[...document.querySelectorAll('#sites tbody tr')];
function filter(){const q=document.getElementById('q').value.toLowerCase();const st=document.getElementById('st').value;
let shown=0;for(const r of rows){const ok=(!q||r.textContent.toLowerCase().includes(q))&&(!st||r.dataset.status===st);
r.style.display=ok?'':'none';if(ok)shown++;}document.getElementById('count').textContent=shown+' of '+rows.length+' sites';}
document.getElementById('q').addEventListener('input',filter);document.getElementById('st').addEventListener('change',filter);
document.querySelectorAll('#sites th').forEach((th,i)=>th.addEventListener('click',()=>{
const body=th.closest('table').tBodies[0];const asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
const key=r=>{const t=r.children[i].dataset.sort??r.children[i].textContent;return isNaN(t)?t:Number(t)};
[...body.rows].sort((a,b)=>(key(a)>key(b)?1:key(a)<key(b)?-1:0)*(asc?1:-1)).forEach(r=>body.appendChild(r));}));
filter();
"""


def render(data: dict) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        "<title>seq2func report</title><style>",
        _CSS,
        "</style></head><body>",
        "<h1>seq2func report</h1>",
        *_overview(data),
        *_filters(),
        *_table(data["sites"]),
    ]
    for index, site in enumerate(data["sites"]):
        parts.append(_site(index, site))
    parts += ["<script>", _JS, "</script></body></html>"]
    return "\n".join(parts) + "\n"


def _overview(data: dict) -> list[str]:
    """The settings line, a card per count, the reasons chart, skips by code."""
    o, s = data["overview"], data["settings"]
    v = o["verification"]
    cards = [
        ("files scanned", o["files_scanned"]),
        ("files changed", o["files_changed"]),
        ("files failed", o["files_failed"]),
        ("sites", o["sites"]),
        ("converted", o["converted"]),
        ("skipped", o["skipped"]),
    ]
    if s["verified"]:
        cards += [
            (k, v[k]) for k in ("equivalent", "different", "unverifiable", "error")
        ]
    parts = [
        f"<div class='muted'>seq2func {escape(s['seq2func'])} · Python {escape(s['python'])}"
        + (
            f" · Keras {escape(s['keras'] or '?')} · {escape(s['backend'] or '?')} backend · {escape(s['device'] or '?')}"
            if s["verified"]
            else " · not verified"
        )
        + "</div>",
        "<div class='overview'>",
        *(f"<div class='card'><b>{n}</b>{escape(label)}</div>" for label, n in cards),
        "</div>",
    ]
    parts.append(_reasons(o.get("unverifiable_by_reason", []), v))
    if o["skipped_by_code"]:
        parts.append(
            "<p>Skipped by code: "
            + ", ".join(
                f"<code>{escape(c)}</code> {n}" for c, n in o["skipped_by_code"].items()
            )
            + "</p>"
        )
    return parts


def _filters() -> list[str]:
    return [
        "<div><input id='q' type='search' placeholder='filter: file, model, code…'>",
        "<select id='st'><option value=''>every status</option>",
        *(
            f"<option>{x}</option>"
            for x in (
                "converted",
                "skipped",
                "equivalent",
                "different",
                "unverifiable",
                "error",
            )
        ),
        "</select><span id='count' class='muted'></span></div>",
    ]


def _table(sites: list[dict]) -> list[str]:
    """The sortable site table, a row per site linking to its details."""
    parts = [
        "<table id='sites'><thead><tr><th>file</th><th>where</th><th>model</th><th>conversion</th>"
        "<th>verification</th><th>reason</th><th>Keras</th><th>codes</th></tr></thead><tbody>",
    ]
    for index, site in enumerate(sites):
        check = site["verification"]
        status = check["status"] if check else site["status"]
        codes = " ".join(d["code"] for d in site["diagnostics"])
        reason = reason_code(site)
        position = (site["cell"] or 0) * 100000 + site["line"]
        parts.append(
            f"<tr data-status='{escape(status)}'{' class=person' if reason else ''}>"
            f"<td>{escape(site['path'])}</td>"
            f"<td data-sort='{position}'><a href='#site-{index}'>{escape(where(site))}</a></td>"
            f"<td>{escape(site['label'])}</td><td class='{site['status']}'>{site['status']}</td>"
            f"<td class='{status}'>{escape(check['status']) if check else '—'}</td>"
            f"<td>{_reason_cell(reason)}</td>"
            f"<td>{escape(_keras(check)) if check else ''}</td>"
            f"<td>{escape(codes)}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts


def _keras(check: dict) -> str:
    version = check.get("keras_version") or ""
    if check.get("keras") == "2":
        return f"{version} (Keras 2, tf-keras)" if version else "Keras 2 (tf-keras)"
    return version


def _reason_cell(code: str | None) -> str:
    if code is None:
        return ""
    from ..diagnostics import CODES

    return f"<code>{escape(code)}</code> {escape(CODES[code].title)}"


def _reasons(groups: list[dict], counts: dict) -> str:
    """The unverifiable sites' reasons as a bar chart, each with its fix."""
    if not groups:
        return ""
    largest = max(g["count"] for g in groups)
    out = [
        "<section class='reasons'><h2>Unverifiable, by reason</h2>",
        f"<p class='muted'>{counts.get('unverifiable', 0)} unverifiable, "
        f"{counts.get('different', 0)} different, {counts.get('error', 0)} in error: "
        "these sites come first in the table below, grouped by reason.</p>",
    ]
    for group in groups:
        width = max(2, round(100 * group["count"] / largest))
        modules = (
            f" ({escape(', '.join(group['modules']))})" if group["modules"] else ""
        )
        out.append(
            f"<div class='bar-row'><div><code>{escape(group['code'])}</code> "
            f"{escape(group['title'])}{modules}</div>"
            f"<div><div style='display:flex;align-items:center'><div class='bar-track' style='flex:1'>"
            f"<div class='bar' style='width:{width}%'></div></div>"
            f"<span class='bar-count'>{group['count']}</span></div>"
            f"<div class='fix'>Fix: {escape(group['fix'])}</div></div></div>"
        )
    out.append("</section>")
    return "\n".join(out)


def _site(index: int, site: dict) -> str:
    check = site["verification"]
    status = check["status"] if check else site["status"]
    out = [
        f"<details class='site' id='site-{index}'><summary><h2 style='display:inline'>"
        f"{escape(located(site))} — {escape(site['label'])}</h2> "
        f"<span class='{status}'>{escape(status)}</span></summary>",
    ]
    for d in site["diagnostics"]:
        out.append(
            f"<p><code>{escape(d['code'])}</code> {escape(d['message'])}<br><span class='muted'>{escape(d['hint'])}</span></p>"
        )
    for answer in site["answers"]:
        out.append(
            f"<div class='answer'><b>{escape(answer['question'])}</b> {escape(answer['answer'])}</div>"
        )
    if site["diff"]:
        out.append(
            "<h3>Before and after</h3><pre>" + _diff_html(site["diff"]) + "</pre>"
        )
    if check:
        out += _verification(check)
    out.append("</details>")
    return "\n".join(out)


def _verification(check: dict) -> list[str]:
    """A verified site's verdict, its notes and diagnostics, checks and summaries."""
    out = [
        f"<p><b class='{check['status']}'>{escape(check['status'])}</b> on {escape(check['device'])} "
        f"({escape(check['backend'])}, Keras {escape(_keras(check))})"
        + (f" at {escape(check['host'])}" if check["host"] else "")
        + f" in {check['seconds']} s"
        + (f": {escape(check['reason'])}" if check["reason"] else "")
        + "</p>"
    ]
    if check.get("keras_reason") and check.get("keras") == "2":
        out.append(
            f"<p class='muted'>Both sides ran on Keras 2: {escape(check['keras_reason'])}.</p>"
        )
    if check.get("sample_shape"):
        out.append(
            f"<p class='muted'>Both sides were called on the same sample of shape "
            f"<code>{escape(check['sample_shape'])}</code>.</p>"
        )
    for d in check["diagnostics"]:
        out.append(f"<p><code>{escape(d['code'])}</code> {escape(d['message'])}</p>")
    if check["checks"]:
        out += _checks(check["checks"])
    if check["expected_differences"]:
        out.append(
            "<p class='muted'>Expected, introduced by Keras: "
            + "; ".join(map(escape, check["expected_differences"]))
            + ".</p>"
        )
    if check["original_layers"] or check["converted_layers"]:
        out += _summaries(check)
    return out


def _checks(checks: list[dict]) -> list[str]:
    out = [
        "<h3>Checks</h3><table><tr><th>check</th><th>result</th><th>detail</th></tr>"
    ]
    for c in checks:
        result = "pass" if c["passed"] else "fail"
        out.append(
            f"<tr><td>{escape(c['name'])}</td><td class='{'equivalent' if c['passed'] else 'different'}'>{result}</td><td>{escape(c['detail'])}</td></tr>"
        )
    out.append("</table>")
    return out


def _summaries(check: dict) -> list[str]:
    """Both models' summaries side by side, the explicit input's row marked."""
    out = [
        "<h3>Summaries, row by row</h3><table><tr><th>original layer</th><th>output shape</th><th>params</th>"
        "<th>converted layer</th><th>output shape</th><th>params</th></tr>"
    ]
    for left, right in _aligned(check["original_layers"], check["converted_layers"]):
        marker = (
            " class='input-row'"
            if right is not None and right["explicit_input"]
            else ""
        )
        out.append(f"<tr{marker}>{_cells(left)}{_cells(right)}</tr>")
    out.append("</table>")
    return out


def _cells(row) -> str:
    if row is None:
        return "<td></td><td></td><td></td>"
    name = f"{escape(row['name'])} <span class='muted'>({escape(row['class_name'])})</span>"
    if row["explicit_input"]:
        name += " <b>explicit input</b>"
    if row.get("ignored_input_shape"):
        name += f"<br><span class='unverifiable'>input_shape={escape(row['ignored_input_shape'])} ignored; received {escape(row['input_shape'])}</span>"
    if row.get("acts_on_last_axis"):
        name += f"<br><span class='unverifiable'>acts on the last axis of {escape(row['input_shape'])}</span>"
    return f"<td>{name}</td><td><code>{escape(row['output_shape'])}</code></td><td>{row['params']:,}</td>"


def _diff_html(diff: str) -> str:
    lines = []
    for line in diff.splitlines():
        text = escape(line)
        if line.startswith("+"):
            lines.append(f"<span class='add'>{text}</span>")
        elif line.startswith("-"):
            lines.append(f"<span class='del'>{text}</span>")
        else:
            lines.append(text)
    return "\n".join(lines)
