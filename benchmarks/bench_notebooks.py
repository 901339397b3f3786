"""Time notebook conversion over a folder of notebooks, and check it against the whole-source path.

    python benchmarks/bench_notebooks.py [--tree DIR] [--repeat 5] [--save FILE]
                                         [--before FILE] [--check-identical]

Times, per notebook that mentions Sequential, `convert_notebook` (what
`seq2func convert` runs on a notebook; notebooks have no plan-only path:
`--check` converts them too) in one process, best of --repeat runs, and
prints milliseconds per notebook, the total and the average. --save writes
the figures as JSON; --before reads figures saved earlier (on the same
machine) and prints them beside these, with the ratio.

--check-identical converts every notebook of the tree a second way, with
narrowing switched off so the joined cells are analysed whole, and reports
every notebook whose text, changed cells or sites differ (exit status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seq2func import convert  # noqa: E402
from seq2func.notebook import convert_notebook  # noqa: E402
from seq2func.results import ConversionError  # noqa: E402

DEFAULT_TREE = "/tmp/real/handson"


def notebooks(tree: Path, every: bool = False) -> list[Path]:
    """The notebooks under `tree` (those that mention Sequential unless `every`)."""
    found = sorted(
        p for p in tree.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    if every:
        return found
    return [p for p in found if "Sequential" in p.read_text(encoding="utf-8")]


def best_of(text: str, path: str, repeat: int) -> float:
    """Seconds of the fastest of `repeat` conversions."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        convert_notebook(text, path)
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def whole_source() -> Iterator[None]:
    """Conversion without narrowing: every joined source is analysed whole."""
    with mock.patch.object(convert, "narrow", lambda source: None):
        yield


def outcome(text: str, path: str):
    try:
        result = convert_notebook(text, path)
    except ConversionError as error:
        return ("error", error.code, error.reason)
    return (result.text, result.cells_changed, result.sites)


def check_identical(paths: list[Path]) -> int:
    """How many notebooks convert differently narrowed and whole; prints each."""
    different = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        narrowed = outcome(text, str(path))
        with whole_source():
            whole = outcome(text, str(path))
        same = narrowed == whole
        different += not same
        sites = narrowed[2] if narrowed[0] != "error" else ()
        converted = sum(site.status == "converted" for site in sites)
        print(
            f"{'identical' if same else 'DIFFERENT':9}  {path.name:60} "
            f"{len(sites):3} sites, {converted:3} converted"
        )
    print(f"{len(paths) - different} of {len(paths)} notebooks identical")
    return different


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=DEFAULT_TREE, type=Path)
    parser.add_argument("--repeat", default=5, type=int)
    parser.add_argument("--save", type=Path, help="write the figures as JSON here")
    parser.add_argument("--before", type=Path, help="figures saved by an earlier run")
    parser.add_argument(
        "--check-identical",
        action="store_true",
        help="compare every notebook's conversion with the whole-source one",
    )
    args = parser.parse_args(argv)
    if args.check_identical:
        return 1 if check_identical(notebooks(args.tree, every=True)) else 0

    paths = notebooks(args.tree)
    # Imports and caches (black, LibCST's grammar) are paid once, not per file.
    convert_notebook(paths[0].read_text(encoding="utf-8"), str(paths[0]))
    figures = {
        path.name: best_of(path.read_text(encoding="utf-8"), str(path), args.repeat)
        * 1000
        for path in paths
    }
    before = json.loads(args.before.read_text()) if args.before else {}
    header = f"{'notebook':60} {'before ms':>10} {'after ms':>10} {'speed-up':>9}"
    print(header if before else f"{'notebook':60} {'ms':>10}")
    for name, ms in figures.items():
        print(_row(name, before.get(name), ms))
    total = sum(figures.values())
    old_total = sum(before[n] for n in figures if n in before) if before else None
    print(_row("total", old_total, total))
    average_before = old_total / len(figures) if old_total is not None else None
    print(_row(f"average of {len(figures)}", average_before, total / len(figures)))
    if args.save:
        args.save.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


def _row(name: str, before: float | None, after: float) -> str:
    if before is None:
        return f"{name:60} {after:10.1f}"
    return f"{name:60} {before:10.1f} {after:10.1f} {before / after:8.2f}x"


if __name__ == "__main__":
    sys.exit(main())
