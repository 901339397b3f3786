"""Time notebook conversion over a folder of notebooks, and check it against the whole-source path.

    python benchmarks/bench_notebooks.py [--tree DIR] [--repeat 5] [--save FILE]
                                         [--before FILE] [--against DIR]
                                         [--passes N] [--check-identical]

Times, per notebook that mentions Sequential, `convert_notebook` (what
`seq2func convert` runs on a notebook; notebooks have no plan-only path:
`--check` converts them too) in one process, best of --repeat runs, and
prints milliseconds per notebook, the total and the average. --save writes
the figures as JSON; --before reads figures saved earlier (on the same
machine) and prints them beside these, with the ratio. Each timing ends
with a collection of the youngest generation: the reference cycles a
conversion leaves (it runs with the collector paused) are collected on its
time, as a run over a folder pays for them.

--passes N times, instead, whole passes over the tree's notebooks in one
warm process, each file read and converted in turn with the collector left
to itself, as `seq2func convert` meets them (its start-up and the files
without models aside); best of N, in turns with --against's checkout.

--against DIR times the seq2func of another checkout (`git worktree add
/tmp/before <commit>`) the same way, in a second process, turn about with
this one, notebook by notebook: on a shared machine both meet the same load.

--check-identical converts every notebook and `.py` file of the tree that
mentions Sequential (the others are never narrowed) a second way, with
narrowing switched off so the joined cells (the file) are analysed whole,
and reports every file whose text, changed cells or sites differ (exit
status 1). With --against DIR the second way is the other checkout's.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import inspect
import json
import os
import subprocess
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
# A process that converts the notebook named on each line of its input and
# answers with the seconds it took, on the wall clock and in CPU time.
WORKER = """
import gc, sys, time
import seq2func
from seq2func.notebook import convert_notebook
print(seq2func.__file__, flush=True)
for line in sys.stdin:
    path = line.rstrip("\\n")
    text = open(path, encoding="utf-8").read()
    wall, cpu = time.perf_counter(), time.process_time()
    convert_notebook(text, path)
    gc.collect(0)  # the garbage it leaves is part of its cost
    print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
"""


# A process that, for each line of its input, converts every notebook named on
# its command line in turn, reading each, and answers with the pass's seconds.
PASS_WORKER = """
import sys, time
import seq2func
from seq2func.notebook import convert_notebook
paths = sys.argv[1:]
print(seq2func.__file__, flush=True)
for line in sys.stdin:
    wall, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            convert_notebook(handle.read(), path)
    print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
"""


def notebooks(tree: Path) -> list[Path]:
    """The notebooks under `tree` that mention Sequential (the others cost nothing)."""
    found = sorted(
        p for p in tree.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    return [p for p in found if "Sequential" in p.read_text(encoding="utf-8")]


def best_of(text: str, path: str, repeat: int, clock=time.perf_counter) -> float:
    """Seconds of the fastest of `repeat` conversions."""
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        convert_notebook(text, path)
        gc.collect(0)  # the garbage it leaves is part of its cost
        best = min(best, clock() - start)
    return best


@contextlib.contextmanager
def whole_source() -> Iterator[None]:
    """Conversion without narrowing: every joined source is analysed whole."""
    with mock.patch.object(convert, "narrow", lambda source, tree=None: None):
        yield


def outcome(text: str, path: str):
    """What converting a file gives, errors included."""
    try:
        if path.endswith(".ipynb"):
            result = convert_notebook(text, path)
            return (result.text, result.cells_changed, result.sites)
        converted = convert.convert_source(text, path)
        return (converted.code, (), converted.sites)
    except ConversionError as error:
        return ("error", error.code, error.reason)


# A process that answers, for each file named on its input, a digest of what
# converting it gives.
OUTCOME_WORKER = (
    """
import hashlib, sys
import seq2func
from seq2func import convert
from seq2func.notebook import convert_notebook
from seq2func.results import ConversionError
"""
    + inspect.getsource(outcome)
    + """
print(seq2func.__file__, flush=True)
for line in sys.stdin:
    path = line.rstrip("\\n")
    text = open(path, encoding="utf-8").read()
    print(hashlib.sha256(repr(outcome(text, path)).encode()).hexdigest(), flush=True)
"""
)


def check_identical(tree: Path, against: Path | None = None) -> int:
    """How many files convert differently narrowed and whole (or here and under
    `against`); prints each."""
    paths = sorted(
        p
        for pattern in ("*.ipynb", "*.py")
        for p in tree.rglob(pattern)
        if ".ipynb_checkpoints" not in p.parts
    )
    other = _worker(against, OUTCOME_WORKER) if against else None
    different = checked = 0
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "Sequential" not in text:
            continue
        checked += 1
        narrowed = outcome(text, str(path))
        if other is not None:
            mine = hashlib.sha256(repr(narrowed).encode()).hexdigest()
            same = mine == _ask(other, path)
        else:
            with whole_source():
                same = narrowed == outcome(text, str(path))
        different += not same
        sites = narrowed[2] if narrowed[0] != "error" else ()
        converted = sum(site.status == "converted" for site in sites)
        print(
            f"{'identical' if same else 'DIFFERENT':9}  {path.relative_to(tree)} "
            f"({len(sites)} sites, {converted} converted)"
        )
    print(f"{checked - different} of {checked} files identical")
    if other is not None:
        other.stdin.close()  # type: ignore[union-attr]
        other.wait()
    return different


def _worker(root: Path, code: str, arguments: list[str] = ()) -> subprocess.Popen:  # type: ignore[assignment]
    """A Python process running `code` with the seq2func under `root`."""
    worker = subprocess.Popen(
        [sys.executable, "-c", code, *arguments],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    loaded = worker.stdout.readline().strip()  # type: ignore[union-attr]
    if not Path(loaded).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"{root}: seq2func came from {loaded}")
    return worker


def _ask(worker: subprocess.Popen, path: Path) -> str:
    worker.stdin.write(f"{path}\n")  # type: ignore[union-attr]
    worker.stdin.flush()  # type: ignore[union-attr]
    return worker.stdout.readline().strip()  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=DEFAULT_TREE, type=Path)
    parser.add_argument("--repeat", default=5, type=int)
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: this process's CPU time, steadier on a shared machine",
    )
    parser.add_argument("--save", type=Path, help="write the figures as JSON here")
    parser.add_argument("--before", type=Path, help="figures saved by an earlier run")
    parser.add_argument(
        "--against", type=Path, help="a checkout to time in turns with this one"
    )
    parser.add_argument(
        "--check-identical",
        action="store_true",
        help="compare every notebook's conversion with the whole-source one",
    )
    parser.add_argument(
        "--passes",
        type=int,
        help="time this many whole passes over the notebooks in one process",
    )
    args = parser.parse_args(argv)
    if args.check_identical:
        return 1 if check_identical(args.tree, args.against) else 0
    if args.passes:
        return passes(notebooks(args.tree), args, args.clock == "cpu")

    paths = notebooks(args.tree)
    before = json.loads(args.before.read_text()) if args.before else {}
    if args.against:
        before, figures = turn_about(
            paths, (args.against, ROOT), args.repeat, args.clock == "cpu"
        )
    else:
        # Imports and caches (black, LibCST's grammar) are paid once, not per file.
        convert_notebook(paths[0].read_text(encoding="utf-8"), str(paths[0]))
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        figures = {
            path.name: best_of(
                path.read_text(encoding="utf-8"), str(path), args.repeat, clock
            )
            * 1000
            for path in paths
        }
    print(f"best of {args.repeat}, {args.clock} clock, ms per notebook")
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


def passes(paths: list[Path], args: argparse.Namespace, cpu: bool) -> int:
    """Best milliseconds per notebook of a whole pass, here and under --against."""
    roots = (args.against, ROOT) if args.against else (ROOT,)
    names = [str(path) for path in paths]
    workers = [_worker(root, PASS_WORKER, names) for root in roots]
    best = [float("inf")] * len(workers)
    for turn in range(args.passes + 1):  # the first pass warms each up
        for side in (
            range(len(workers)) if turn % 2 else reversed(range(len(workers)))
        ):
            workers[side].stdin.write("pass\n")  # type: ignore[union-attr]
            workers[side].stdin.flush()  # type: ignore[union-attr]
            wall, cpu_time = map(float, workers[side].stdout.readline().split())  # type: ignore[union-attr]
            if turn:
                best[side] = min(best[side], cpu_time if cpu else wall)
    for worker in workers:
        worker.stdin.close()  # type: ignore[union-attr]
        worker.wait()
    per = [seconds / len(paths) * 1000 for seconds in best]
    label = (
        f"a pass over {len(paths)} notebooks, best of {args.passes}, {args.clock} clock"
    )
    if len(per) == 2:
        print(
            f"{label}: {per[0]:.1f} -> {per[1]:.1f} ms per notebook, {per[0] / per[1]:.2f}x"
        )
    else:
        print(f"{label}: {per[0]:.1f} ms per notebook")
    return 0


def turn_about(
    paths: list[Path], roots: tuple[Path, Path], repeat: int, cpu: bool
) -> tuple[dict[str, float], dict[str, float]]:
    """Best milliseconds per notebook of the seq2func under each root, timed in turns."""
    workers = [_worker(root, WORKER) for root in roots]
    best: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for turn in range(repeat + 1):  # the first turn warms both up
        for path in paths:
            order = (0, 1) if turn % 2 else (1, 0)
            for side in order:
                wall, cpu_time = map(float, _ask(workers[side], path).split())
                if turn:
                    ms = (cpu_time if cpu else wall) * 1000
                    best[side][path.name] = min(best[side].get(path.name, ms), ms)
    for worker in workers:
        worker.stdin.close()  # type: ignore[union-attr]
        worker.wait()
    return best


def _row(name: str, before: float | None, after: float) -> str:
    if before is None:
        return f"{name:60} {after:10.1f}"
    return f"{name:60} {before:10.1f} {after:10.1f} {before / after:8.2f}x"


if __name__ == "__main__":
    sys.exit(main())
