"""Run seq2func over real source trees, as a user would, and count what it did.

    python benchmarks/trial.py TREE... [--json OUT] [-j N] [--library NAME]...
                               [--verify [--verify-limit N]] [--keep DIR]

Each TREE (a folder: a fetched repository, say /tmp/real/keras) is copied to
a scratch folder first, so the original stays pristine. On the copy it runs,
with this checkout's seq2func (`python -m seq2func`, run from the repository
root that holds this script):

  1. `seq2func convert COPY --json --no-cache`, which rewrites the copy;
  2. `seq2func convert COPY --check --json --no-cache`, whose changed files
     count as "second-run changes" (there must be none);
  3. a check of every file whose bytes changed: a .py file must still
     compile(); a notebook must still be JSON with as many cells, and no code
     cell that compiled before may stop compiling. Anything else changed on
     disk, or changed without the JSON saying so, counts as an unexpected write.

It prints one table, a column per tree, the total, and the total split into
"tutorials" (every notebook, every file of a tree not named with --library,
and the examples/ and guides/ folders of a library tree) and "library" (the
rest of the library trees; --library defaults to `keras`): files scanned,
files with models, sites, converted, skipped, converted share, skipped sites
by their first skip code (as seq2func's own summary counts them), sites
with S2F199 (internal error), failed files by code, broken files, second-run
changes.

--verify also runs `seq2func verify --json` over a fresh pristine copy of
each tree, limited to the first --verify-limit files (sorted by path) the
conversion changed, and counts verification statuses, codes and reasons.
`verify` converts in memory and proves what it would write, so it is given
unconverted files: on an already-converted copy it would find nothing to
prove. It executes model-building code and is slow.

--json OUT writes every figure, every skipped site (tree, path, line,
cell, code, message), with --verify every verified site that is not
equivalent (status, first code, Keras, whole reason), for sampling, and the
commit of the checkout that ran. --keep DIR keeps the copies there (DIR/convert/NAME is the converted
copy) instead of a temporary folder; keep it outside any project, since
seq2func reads the nearest pyproject.toml above each copy.
Trees are converted one after another; -j N is handed to seq2func.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
INTERNAL_ERROR = "S2F199"
TUTORIAL_FOLDERS = ("examples", "guides")
TUTORIALS = "tutorials"
LIBRARY = "library"
Record = dict[str, Any]


@dataclass
class Tally:
    """What happened to one group of files."""

    files: int = 0
    with_models: int = 0
    changed: int = 0
    sites: int = 0
    converted: int = 0
    skipped: int = 0
    internal_errors: int = 0
    broken: int = 0
    second_run_changed: int = 0
    unexpected_writes: int = 0
    skipped_by_code: Counter[str] = field(default_factory=Counter)
    failed_by_code: Counter[str] = field(default_factory=Counter)
    verified: Counter[str] = field(default_factory=Counter)
    verify_codes: Counter[str] = field(default_factory=Counter)
    verify_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return 100.0 * self.converted / self.sites if self.sites else 0.0

    def add(self, other: Tally) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            else:
                setattr(self, name, mine + value)

    def to_dict(self) -> dict[str, Any]:
        record = {
            name: dict(sorted(value.items())) if isinstance(value, Counter) else value
            for name, value in vars(self).items()
        }
        record["share"] = round(self.share, 1)
        return record


@dataclass(frozen=True)
class FileCheck:
    """Which files of a tree the checks flagged, by path relative to the tree."""

    broken: dict[str, str]
    second_run: frozenset[str]
    unexpected: frozenset[str]


def seq2func(args: list[str], log: Path) -> Record:
    """Run `python -m seq2func ARGS` from this checkout; return its --json record."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), env.get("PYTHONPATH", "")) if p
    )
    with open(log, "ab") as errors:
        done = subprocess.run(
            [sys.executable, "-m", "seq2func", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            check=False,
        )
    if done.returncode not in (0, 1, 2):
        raise SystemExit(
            f"seq2func {' '.join(args)}: exit {done.returncode}, see {log}"
        )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"seq2func {' '.join(args)}: no JSON, see {log}") from None


def checkout_commit() -> str | None:
    """The commit of the seq2func checkout that runs, with `+dirty` if it has edits."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "seq2func"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode:
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def group_of(tree: str, path: str, library: frozenset[str]) -> str:
    if path.endswith(".ipynb") or tree not in library:
        return TUTORIALS
    return TUTORIALS if path.split("/", 1)[0] in TUTORIAL_FOLDERS else LIBRARY


def all_files(root: Path) -> Iterator[str]:
    for folder, _, names in os.walk(root):
        for name in names:
            yield (Path(folder) / name).relative_to(root).as_posix()


def changed_on_disk(original: Path, copy: Path) -> list[str]:
    """Files of the copy whose bytes differ from the original's (or are new)."""
    changed = []
    for path in sorted(all_files(copy)):
        before = original / path
        after = copy / path
        if after.is_symlink():
            continue
        if not before.is_file() or before.read_bytes() != after.read_bytes():
            changed.append(path)
    return changed


def compiles(source: str | bytes, name: str) -> bool:
    try:
        compile(source, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def cell_python(cell: Record) -> str | None:
    """A code cell's source with IPython magics and shell lines made `pass`."""
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    if text.lstrip().startswith("%%"):
        return None
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or stripped.endswith("?"):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines) + "\n"


def code_cells(notebook: Record) -> list[str | None]:
    return [
        cell_python(cell)
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    ]


def notebook_problem(before: bytes, after: bytes) -> str | None:
    try:
        old, new = json.loads(before), json.loads(after)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return f"not JSON: {error}"
    if len(old.get("cells", [])) != len(new.get("cells", [])):
        return "cell count changed"
    old_code, new_code = code_cells(old), code_cells(new)
    for number, (a, b) in enumerate(zip(old_code, new_code)):
        if (
            a is not None
            and b is not None
            and compiles(a, "a")
            and not compiles(b, "b")
        ):
            return f"code cell {number} no longer compiles"
    return None


def file_problem(original: Path, copy: Path, path: str) -> str | None:
    before, after = original / path, copy / path
    if path.endswith(".py"):
        ok_before = before.is_file() and compiles(before.read_bytes(), path)
        if ok_before and not compiles(after.read_bytes(), path):
            return "does not compile"
        return None
    if path.endswith(".ipynb"):
        return notebook_problem(before.read_bytes(), after.read_bytes())
    return None


def check_files(
    original: Path, copy: Path, record: Record, second: Record
) -> FileCheck:
    reported = {
        relative(f["path"], copy) for f in record["files"] if f["status"] == "changed"
    }
    on_disk = changed_on_disk(original, copy)
    broken = {}
    for path in on_disk:
        problem = file_problem(original, copy, path)
        if problem:
            broken[path] = problem
    again = frozenset(
        relative(f["path"], copy) for f in second["files"] if f["status"] == "changed"
    )
    return FileCheck(broken, again, frozenset(set(on_disk) ^ reported))


def tally_file(file: Record, check: FileCheck, path: str) -> Tally:
    tally = Tally(files=1, with_models=int(bool(file["sites"])))
    tally.changed = int(file["status"] == "changed")
    if file["status"] == "failed" and file["error"]:
        tally.failed_by_code[file["error"]["code"]] += 1
    for site in file["sites"]:
        tally.sites += 1
        codes = [d["code"] for d in site["diagnostics"] if d["kind"] == "skip"]
        if site["status"] == "converted":
            tally.converted += 1
        elif site["status"] == "skipped":
            tally.skipped += 1
            tally.skipped_by_code[codes[0] if codes else "?"] += 1
        tally.internal_errors += int(INTERNAL_ERROR in codes)
    tally.broken = int(path in check.broken)
    tally.second_run_changed = int(path in check.second_run)
    return tally


def tally_verification(file: Record) -> Tally:
    tally = Tally()
    for site in file.get("verification", []):
        tally.verified[site["status"]] += 1
        codes = [d["code"] for d in site.get("diagnostics", [])]
        if codes:
            tally.verify_codes[codes[0]] += 1
        if site["status"] != "equivalent":
            reason = (site.get("reason") or "")[:100]
            tally.verify_reasons[f"{site['status']}: {reason}"] += 1
    return tally


def skipped_sites(tree: str, file: Record, path: str) -> Iterator[Record]:
    for site in file["sites"]:
        if site["status"] != "skipped":
            continue
        skips = [d for d in site["diagnostics"] if d["kind"] == "skip"]
        first = skips[0] if skips else {"code": "?", "message": ""}
        yield {
            "tree": tree,
            "path": path,
            "line": site["line"],
            "cell": site["cell"],
            "target": site["target"],
            "code": first["code"],
            "message": first["message"],
        }


def unproven_sites(tree: str, file: Record, path: str) -> Iterator[Record]:
    """The verified sites that are not equivalent, with their whole reason."""
    for site in file.get("verification", []):
        if site["status"] == "equivalent":
            continue
        codes = [d["code"] for d in site.get("diagnostics", [])]
        yield {
            "tree": tree,
            "path": path,
            "line": site["line"],
            "cell": site.get("cell"),
            "target": site.get("target"),
            "status": site["status"],
            "code": codes[0] if codes else "?",
            "keras": site.get("keras", ""),
            "reason": site.get("reason", ""),
        }


@dataclass
class TreeResult:
    name: str
    check: FileCheck
    changed: list[str] = field(default_factory=list)  # as the JSON reports them
    total: Tally = field(default_factory=Tally)
    groups: dict[str, Tally] = field(
        default_factory=lambda: {TUTORIALS: Tally(), LIBRARY: Tally()}
    )
    skipped: list[Record] = field(default_factory=list)
    unproven: list[Record] = field(default_factory=list)

    def add(self, tally: Tally, path: str, library: frozenset[str]) -> None:
        self.total.add(tally)
        self.groups[group_of(self.name, path, library)].add(tally)


def convert_tree(
    name: str, source: Path, work: Path, jobs: int, library: frozenset[str]
) -> TreeResult:
    copy = work / "convert" / name
    shutil.copytree(source, copy, symlinks=True)
    log = work / f"{name}.log"
    common = ["--json", "--no-cache", "-j", str(jobs)]
    record = seq2func(["convert", str(copy), *common], log)
    second = seq2func(["convert", str(copy), "--check", *common], log)
    result = TreeResult(name, check_files(source, copy, record, second))
    for file in record["files"]:
        path = relative(file["path"], copy)
        result.add(tally_file(file, result.check, path), path, library)
        result.skipped.extend(skipped_sites(name, file, path))
        if file["status"] == "changed":
            result.changed.append(path)
    for path in result.check.unexpected:
        result.add(Tally(unexpected_writes=1), path, library)
    return result


def verify_tree(
    result: TreeResult,
    source: Path,
    work: Path,
    jobs: int,
    limit: int | None,
    library: frozenset[str],
) -> None:
    """Verify, in a pristine copy, the files the conversion changed."""
    changed = sorted(result.changed)[:limit]
    if not changed:
        return
    copy = work / "verify" / result.name
    shutil.copytree(source, copy, symlinks=True)
    paths = [str(copy / path) for path in changed]
    log = work / f"{result.name}.verify.log"
    record = seq2func(["verify", *paths, "--json", "--no-cache", "-j", str(jobs)], log)
    for file in record["files"]:
        path = relative(file["path"], copy)
        result.add(tally_verification(file), path, library)
        result.unproven.extend(unproven_sites(result.name, file, path))


def tree_names(trees: list[Path]) -> list[str]:
    """Each tree's folder name, made unique."""
    names: list[str] = []
    for tree in trees:
        name, n = tree.resolve().name, 1
        while name in names:
            n += 1
            name = f"{tree.resolve().name}-{n}"
        names.append(name)
    return names


def rows(columns: dict[str, Tally]) -> Iterator[tuple[str, list[str]]]:
    tallies = list(columns.values())

    def row(label: str, values: Iterable[object]) -> tuple[str, list[str]]:
        return label, [str(v) for v in values]

    yield row("files scanned", (t.files for t in tallies))
    yield row("files with models", (t.with_models for t in tallies))
    yield row("files changed", (t.changed for t in tallies))
    yield row("sites", (t.sites for t in tallies))
    yield row("converted", (t.converted for t in tallies))
    yield row("skipped", (t.skipped for t in tallies))
    yield row("converted %", (f"{t.share:.1f}" for t in tallies))
    for code in sorted({c for t in tallies for c in t.skipped_by_code}):
        yield row(f"  skip {code}", (t.skipped_by_code[code] for t in tallies))
    yield row(f"sites with {INTERNAL_ERROR}", (t.internal_errors for t in tallies))
    yield row("failed files", (sum(t.failed_by_code.values()) for t in tallies))
    for code in sorted({c for t in tallies for c in t.failed_by_code}):
        yield row(f"failed {code}", (t.failed_by_code[code] for t in tallies))
    yield row("broken files", (t.broken for t in tallies))
    yield row("second-run changes", (t.second_run_changed for t in tallies))
    yield row("unexpected writes", (t.unexpected_writes for t in tallies))
    for status in sorted({s for t in tallies for s in t.verified}):
        yield row(f"verify {status}", (t.verified[status] for t in tallies))
    for code in sorted({c for t in tallies for c in t.verify_codes}):
        yield row(f"  verify {code}", (t.verify_codes[code] for t in tallies))


def table(columns: dict[str, Tally]) -> str:
    body = list(rows(columns))
    width = max(len(label) for label, _ in body)
    sizes = [
        max(len(name), *(len(values[i]) for _, values in body))
        for i, name in enumerate(columns)
    ]
    head = " ".join(n.rjust(s) for n, s in zip(columns, sizes))
    lines = [" " * width + " " + head]
    for label, values in body:
        cells = " ".join(v.rjust(s) for v, s in zip(values, sizes))
        lines.append(label.ljust(width) + " " + cells)
    return "\n".join(lines)


def details(results: list[TreeResult]) -> Iterator[str]:
    for result in results:
        for path, problem in sorted(result.check.broken.items()):
            yield f"broken: {result.name}/{path}: {problem}"
        for path in sorted(result.check.second_run):
            yield f"changed by a second run: {result.name}/{path}"
        for path in sorted(result.check.unexpected):
            yield f"unexpected write: {result.name}/{path}"
    reasons: Counter[str] = Counter()
    for result in results:
        reasons.update(result.total.verify_reasons)
    for reason, n in reasons.most_common(15):
        yield f"verify {n:5d}  {reason}"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run seq2func over copies of real trees and count sites by code."
    )
    parser.add_argument("trees", nargs="+", type=Path, metavar="TREE")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N")
    parser.add_argument(
        "--library",
        action="append",
        metavar="NAME",
        help="a tree (folder name) of library code (default: keras)",
    )
    parser.add_argument("--verify", action="store_true", help="also run verify")
    parser.add_argument("--verify-limit", type=int, default=None, metavar="N")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the copies")
    args = parser.parse_args(argv)
    for tree in args.trees:
        if not tree.is_dir():
            parser.error(f"{tree}: not a folder")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: not empty")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    library = frozenset(args.library or ["keras"])
    results = []
    for name, tree in zip(tree_names(args.trees), args.trees):
        print(f"converting {name} ({tree}) ...", file=sys.stderr)
        result = convert_tree(name, tree, work, args.jobs, library)
        if args.verify:
            print(f"verifying {name} ...", file=sys.stderr)
            verify_tree(result, tree, work, args.jobs, args.verify_limit, library)
        results.append(result)
    total, groups = Tally(), {TUTORIALS: Tally(), LIBRARY: Tally()}
    for result in results:
        total.add(result.total)
        for group, tally in result.groups.items():
            groups[group].add(tally)
    columns = {r.name: r.total for r in results}
    columns.update({"total": total, **groups})
    print(table(columns))
    for line in details(results):
        print(line)
    return {
        "seq2func": str(REPO),
        "commit": checkout_commit(),
        "trees": {r.name: str(t.resolve()) for r, t in zip(results, args.trees)},
        "columns": {name: tally.to_dict() for name, tally in columns.items()},
        "broken": {
            f"{r.name}/{p}": why for r in results for p, why in r.check.broken.items()
        },
        "second_run": [f"{r.name}/{p}" for r in results for p in r.check.second_run],
        "unexpected_writes": [
            f"{r.name}/{p}" for r in results for p in r.check.unexpected
        ],
        "skipped_sites": [site for r in results for site in r.skipped],
        "unproven_sites": [site for r in results for site in r.unproven],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="seq2func-trial-") as work:
            figures = run(args, Path(work))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
