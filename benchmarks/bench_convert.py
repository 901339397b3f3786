"""Benchmark `seq2func convert --check` over a synthetic codebase, side by side with baselines.

    python benchmarks/bench_convert.py [--files 2000] [--repeat 3] [--keep DIR] [--tree EXISTING_TREE]

Generates a tree of realistic Python files (about 5% build Keras models in
varied forms), then times, in one run:
  - seq2func convert --check over the tree, cold (--no-cache),
  - LibCST's own no-op codemod over the same tree (python -m libcst.tool codemod noop.NOOPCommand),
  - grep -rl Sequential,
the same seq2func / LibCST pair over the model files alone, and the run a
pre-commit hook or CI step repeats: --check over the tree once converted, with
the cache a previous --check filled, beside LibCST's no-op over that tree.
Each command runs --repeat times (default 3) and the best time counts. In
one process it also times, per model file, one `libcst.parse_module` beside
seq2func deciding the file's sites (what --check needs) and converting it.
Prints the times, the ratios, and peak memory of seq2func for the tree and a
tree twice its size.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAIN_TEMPLATE = '''"""Utilities for {name}."""

import os
import json
from dataclasses import dataclass


@dataclass
class {cls}Config:
    path: str
    size: int = {size}
    verbose: bool = False


def load_{name}(path):
    with open(path) as handle:
        return json.load(handle)


def summarise_{name}(records, limit={size}):
    totals = {{}}
    for record in records[:limit]:
        key = record.get("kind", "other")
        totals[key] = totals.get(key, 0) + record.get("value", 0)
    return totals


class {cls}Processor:
    def __init__(self, config):
        self.config = config
        self.seen = set()

    def process(self, items):
        out = []
        for item in items:
            if item in self.seen:
                continue
            self.seen.add(item)
            out.append(self.transform(item))
        return out

    def transform(self, item):
        return str(item).strip().lower()
'''

MODEL_TEMPLATES = [
    """import keras
from keras import layers


def build_{name}(units={units}):
    model = keras.Sequential(name="{name}")
    model.add(layers.Dense(units, activation="relu", input_shape=({features},)))
    for _ in range(2):
        model.add(layers.Dense(units, activation="relu"))
    model.add(layers.Dense(1))
    return model
""",
    """from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout

model = Sequential([
    Dense({units}, activation="relu", input_shape=({features},)),
    Dropout(0.2),
    Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
""",
    """import tensorflow as tf


class {cls}Trainer:
    def __init__(self):
        self.model = tf.keras.Sequential()
        self.model.add(tf.keras.layers.Dense({units}, input_dim={features}))
        self.model.add(tf.keras.layers.Dense(1))

    def summary(self):
        return self.model.layers[0].name
""",
    """import keras

model = keras.Sequential([keras.layers.Dense({units}), keras.layers.Dense(1)])
model.build((None, {features}))
""",
]


def generate(root: Path, files: int, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    models = []
    for index in range(files):
        folder = root / f"pkg{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part{index}"
        values = dict(
            name=name,
            cls=f"Part{index}",
            size=rng.randint(5, 500),
            units=rng.choice([8, 16, 32]),
            features=rng.choice([4, 8, 16]),
        )
        text = PLAIN_TEMPLATE.format(**values) * rng.randint(1, 3)
        if rng.random() < 0.05:
            text = rng.choice(MODEL_TEMPLATES).format(**values) + "\n\n" + text
            models.append(folder / f"{name}.py")
        (folder / f"{name}.py").write_text(text)
    return models


def timed(command: list[str], env: dict | None = None, repeat: int = 1) -> float:
    """The best of `repeat` wall-clock times: on a shared machine the least disturbed run."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        best = min(best, time.perf_counter() - start)
    return best


def per_file(models: list[Path], repeat: int) -> dict[str, float]:
    """In one process, milliseconds per model file: one LibCST parse, seq2func deciding, seq2func converting."""
    import libcst

    from seq2func.convert import convert_source, plan_source

    texts = [(str(p), p.read_text(encoding="utf-8")) for p in models]

    def best(work) -> float:
        work(*texts[0])  # warm: imports and caches are not what is measured
        fastest = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for path, text in texts:
                work(path, text)
            fastest = min(fastest, time.perf_counter() - start)
        return fastest / max(len(texts), 1) * 1000

    return {
        "libcst.parse_module of the whole file": best(
            lambda path, text: libcst.parse_module(text)
        ),
        "seq2func deciding every site (what --check does)": best(
            lambda path, text: plan_source(text, path)
        ),
        "seq2func converting (analyse, rewrite, black)": best(
            lambda path, text: convert_source(text, path)
        ),
    }


def peak_of(command: list[str]) -> int:
    """Peak resident memory (KiB) of one command, measured in a fresh process."""
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True
    ).stdout
    return int(out.strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each command; the best counts"
    )
    parser.add_argument("--keep", type=Path, help="generate the tree here and keep it")
    parser.add_argument(
        "--tree",
        type=Path,
        help="time an existing tree instead (a copy of it: nothing in it is changed); "
        "its model files are those containing Sequential",
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="seq2func-bench-"))
    tree = root / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    if args.tree:
        shutil.copytree(args.tree, tree, ignore=shutil.ignore_patterns(".git"))
        models = [
            p for p in sorted(tree.rglob("*.py")) if b"Sequential" in p.read_bytes()
        ]
        args.files = sum(1 for _ in tree.rglob("*.py"))
    else:
        models = generate(tree, args.files)
    only_models = root / "models"
    if only_models.exists():
        shutil.rmtree(only_models)
    only_models.mkdir()
    for path in models:
        shutil.copy(path, only_models / "_".join(path.relative_to(tree).parts))
    print(
        f"tree: {args.files} files, {len(models)} {'mentioning Sequential' if args.tree else 'building models'}, "
        f"{sum(p.stat().st_size for p in tree.rglob('*.py')) / 1e6:.1f} MB"
    )

    # An installed package is byte-compiled by pip; a development checkout may
    # not be (PYTHONDONTWRITEBYTECODE), and LibCST's own modules are.
    import compileall

    compileall.compile_dir(
        str(Path(__file__).resolve().parents[1] / "seq2func"), quiet=1, force=False
    )

    python = sys.executable
    repeat = args.repeat
    cache = root / "cache"
    env = {**os.environ, "SEQ2FUNC_CACHE_DIR": str(cache)}
    seq2func = [python, "-m", "seq2func", "convert", "--check", "-q"]
    cold = seq2func + ["--no-cache"]
    libcst_noop = [
        python,
        "-m",
        "libcst.tool",
        "codemod",
        "--no-format",
        "--hide-progress",
        "noop.NOOPCommand",
    ]
    results = {
        "seq2func convert --check (cold)": timed(cold + [str(tree)], repeat=repeat),
        "libcst noop codemod": timed(libcst_noop + [str(tree)], repeat=repeat),
        "grep -rl Sequential": timed(
            ["grep", "-rl", "Sequential", str(tree)], repeat=repeat
        ),
        "seq2func, model files only (cold, -j 1)": timed(
            cold + ["-j", "1", str(only_models)], repeat=repeat
        ),
        "libcst noop, model files only (-j 1)": timed(
            libcst_noop + ["-j", "1", str(only_models)], repeat=repeat
        ),
    }
    # The run a pre-commit hook or CI step repeats: the tree already converted,
    # its unchanged files remembered by a previous --check.
    converted = root / "converted"
    if converted.exists():
        shutil.rmtree(converted)
    shutil.copytree(tree, converted)
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run(
        [python, "-m", "seq2func", "convert", "-q", str(converted)],
        env=env,
        capture_output=True,
    )
    subprocess.run(seq2func + [str(converted)], env=env, capture_output=True)
    results["seq2func convert --check (converted tree, warm cache)"] = timed(
        seq2func + [str(converted)], env=env, repeat=repeat
    )
    results["libcst noop codemod (converted tree)"] = timed(
        libcst_noop + [str(converted)], repeat=repeat
    )

    width = max(map(len, results))
    for name, seconds in results.items():
        print(f"  {name:<{width}}  {seconds:8.2f} s")
    whole = results["libcst noop codemod"] / results["seq2func convert --check (cold)"]
    models_ratio = (
        results["seq2func, model files only (cold, -j 1)"]
        / results["libcst noop, model files only (-j 1)"]
    )
    warm = (
        results["libcst noop codemod (converted tree)"]
        / results["seq2func convert --check (converted tree, warm cache)"]
    )
    print(
        f"ratio: libcst no-op / seq2func over the tree, cold = {whole:.1f}x (target >= 20x)"
    )
    print(
        f"ratio: libcst no-op / seq2func over the converted tree, warm cache = {warm:.1f}x"
    )
    print(
        f"ratio: seq2func / libcst no-op on the model files, cold = {models_ratio:.2f} (target <= 1)"
    )
    files = per_file(models, max(repeat, 5))
    print(f"in one process, per model file (best of {max(repeat, 5)}):")
    for name, ms in files.items():
        print(f"  {name:<{width}}  {ms:8.2f} ms")
    parse = files["libcst.parse_module of the whole file"]
    print(
        f"ratio: seq2func deciding / one LibCST parse, per model file = "
        f"{files['seq2func deciding every site (what --check does)'] / parse:.2f} (target <= 1)"
    )
    print(
        f"ratio: seq2func converting / one LibCST parse, per model file = "
        f"{files['seq2func converting (analyse, rewrite, black)'] / parse:.2f}"
    )
    print(
        f"ratio: seq2func / grep over the tree, cold = "
        f"{results['seq2func convert --check (cold)'] / results['grep -rl Sequential']:.1f}"
    )

    double = root / "double"
    if double.exists():
        shutil.rmtree(double)
    shutil.copytree(tree, double / "a")
    shutil.copytree(tree, double / "b")
    small = peak_of(cold + [str(tree)])
    large = peak_of(cold + [str(double)])
    print(
        f"peak memory of seq2func: {small / 1024:.0f} MiB for {args.files} files, "
        f"{large / 1024:.0f} MiB for {2 * args.files} files (ratio {large / max(small, 1):.2f})"
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
