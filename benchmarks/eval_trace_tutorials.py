"""How many sites skipped for a missing input can be converted once traced, on tutorial-style code.

    python benchmarks/eval_trace_tutorials.py [--each] [--keep DIR] [--verify]

Copies `fixtures/trace_tutorials` (10+ scripts and 3 notebooks in the style
of fchollet/deep-learning-with-python-notebooks, on synthetic data) to a
temporary folder, converts them without traces, traces them
(`seq2func trace`: the scripts in one process through `runpy`, or each in
its own with `--each`; the notebooks with nbclient), and looks up every site
that was skipped for a missing input (S2F101, S2F111, S2F112) at the
position the converter reports. Prints, per site, what the trace gives and
the share of those sites with an input `keras.Input` can be written from
(the issue's target: 90%). With `--verify`, `seq2func verify --traces` then
builds both sides of each of those sites and the figure that counts is the
share verified equivalent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seq2func import convert_source  # noqa: E402
from seq2func.notebook import convert_notebook  # noqa: E402
from seq2func.notebook.jsonfile import cell_source  # noqa: E402
from seq2func.trace.lookup import (  # noqa: E402
    InputArguments,
    TracedInput,
    TraceIndex,
    input_arguments,
    input_text,
    varying_detail,
)

MISSING_INPUT = {"S2F101", "S2F111", "S2F112"}
RUN_ALL = """\
import runpy
import sys

for script in sys.argv[1:]:
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _trace(arguments: list[str], cwd: Path, traces: Path) -> int:
    command = [sys.executable, "-m", "seq2func", "trace", "-q", "--traces", str(traces)]
    result = subprocess.run(
        command + arguments, cwd=cwd, env=_env(), capture_output=True, text=True
    )
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-4000:], file=sys.stderr)
    return result.returncode


def _skipped_sites(folder: Path):
    """(file, cell, site, unit text) of each site skipped for a missing input."""
    for path in sorted(folder.glob("*.py")):
        if path.name == "run_all.py":
            continue
        source = path.read_text()
        for site in convert_source(source, path=str(path)).sites:
            if set(site.skip_codes) & MISSING_INPUT:
                yield path, None, site, source
    for path in sorted(folder.glob("*.ipynb")):
        text = path.read_text()
        cells = json.loads(text)["cells"]
        for site in convert_notebook(text, str(path)).sites:
            if set(site.skip_codes) & MISSING_INPUT:
                yield path, site.cell, site, cell_source(cells[site.cell])


def _verify(folder: Path, traces: Path) -> dict[tuple, str]:
    """Each verified site's status, by (file name, cell, line)."""
    command = [sys.executable, "-m", "seq2func", "verify", "--traces", str(traces)]
    command += ["--json", "-q", "-j", "1", "--exclude", "run_all.py", "."]
    result = subprocess.run(
        command, cwd=folder, env=_env(), capture_output=True, text=True
    )
    try:
        files = json.loads(result.stdout)["files"]
    except (ValueError, KeyError):
        print(result.stdout[-2000:], result.stderr[-4000:], file=sys.stderr)
        return {}
    return {
        (Path(v["path"]).name, v["cell"], v["line"]): v["status"]
        + (f" ({v['reason']})" if v["reason"] else "")
        for f in files
        for v in f.get("verification") or []
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--each", action="store_true", help="one traced process per script"
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    parser.add_argument(
        "--verify", action="store_true", help="verify the traced conversions too"
    )
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="trace-tutorials-"))
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "fixtures" / "trace_tutorials", folder)
    traces = folder / "traces.sqlite"
    scripts = sorted(p.name for p in folder.glob("*.py"))
    (folder / "run_all.py").write_text(RUN_ALL)
    failures = 0
    if args.each:
        for script in scripts:
            failures += _trace([sys.executable, script], folder, traces) != 0
    else:
        failures += (
            _trace(["--", sys.executable, "run_all.py", *scripts], folder, traces) != 0
        )
    failures += (
        _trace(sorted(p.name for p in folder.glob("*.ipynb")), folder, traces) != 0
    )

    verified = _verify(folder, traces) if args.verify else {}
    statuses: list[str] = []
    convertible = total = 0
    with TraceIndex.open(traces) as index:
        for path, cell, site, unit in _skipped_sites(folder):
            total += 1
            found = index.lookup(unit, site.line, site.column, path, cell=cell)
            where = path.name + (f"[cell {cell}]" if cell is not None else "")
            label = f"{where}:{site.line}:{site.column + 1} {site.label} ({','.join(site.skip_codes)})"
            if isinstance(found, TracedInput):
                rendered = input_arguments(found)
                if isinstance(rendered, InputArguments):
                    convertible += 1
                    status = verified.get((path.name, cell, site.line), "not verified")
                    statuses.append(status.split(" ", 1)[0])
                    print(
                        f"  ok   {label}: {input_text(found)} -> Input({rendered.text})"
                        + (f"; {status}" if args.verify else "")
                    )
                else:
                    print(f"  no   {label}: {rendered.reason}")
            elif found is None:
                print(f"  no   {label}: no trace (the site was not built when traced)")
            elif hasattr(found, "seen"):
                print(f"  no   {label}: varying: {varying_detail(found)}")
            else:
                print(f"  no   {label}: {type(found).__name__}")
    share = convertible / total if total else 0.0
    print(
        f"{len(scripts)} scripts, 3 notebooks: {total} sites skipped for a missing input "
        f"without a trace; {convertible} ({share:.0%}) have a trace keras.Input can be "
        f"written from{'; some programs failed' if failures else ''}"
    )
    if args.verify:
        counts = {s: statuses.count(s) for s in dict.fromkeys(statuses)}
        share = counts.get("equivalent", 0) / total if total else 0.0
        print(
            f"verified with traces: {', '.join(f'{n} {s}' for s, n in counts.items())}"
            f" ({share:.0%} of {total} equivalent)"
        )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if share >= 0.9 and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
