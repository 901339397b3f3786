"""The cost of `seq2func trace` on a small training script, side by side with an untraced run.

    python benchmarks/bench_trace.py [--repeat 5] [--epochs 5]

The script trains two models without an input shape on synthetic data for a
few seconds (the TensorFlow import included, as a user's run includes it).
Each way of running it is timed `--repeat` times, interleaved so that drift
in the machine's load hits all alike, and the best time counts:

- untraced: `python train.py`;
- traced: `seq2func trace --traces T -- python train.py`, as a user runs it
  (seq2func's own start-up and the store's bookkeeping included);
- recorder only: `python train.py` with the environment `seq2func trace`
  sets (the start-up hook, then the recorder once Keras is imported), without
  the `seq2func` process around it.

The target (SPEC §9) is a traced run within 5% of the untraced one.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seq2func.trace import startup, store  # noqa: E402

TRAIN = """\
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.random((4096, 32)).astype("float32")
y = (x.sum(axis=1, keepdims=True) > 16).astype("float32")

model = keras.Sequential([
    layers.Dense(64, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs={epochs}, batch_size=64, verbose=0)

probe = keras.Sequential([layers.Dense(8), layers.Dense(1)])
probe(x[:16])
print(round(float(model.evaluate(x, y, verbose=0)[1]), 3))
"""


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds (user + system) of the command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command,
        env=env,
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-trace-") as folder:
        work = Path(folder)
        (work / "train.py").write_text(TRAIN.format(epochs=args.epochs))
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
        )
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        for name in (store.STORE_ENV, store.ACTIVE_ENV, store.RUN_ENV):
            env.pop(name, None)
        traces = work / "traces.sqlite"
        store.create_store(traces)
        recorder_env = startup.traced_environment(
            env, traces, "bench", startup.write_boot_folder(work / "boot")
        )
        python = [sys.executable, "train.py"]
        ways = {
            "untraced": (python, env),
            "traced (seq2func trace)": (
                [
                    sys.executable,
                    "-m",
                    "seq2func",
                    "trace",
                    "-q",
                    "--traces",
                    str(traces),
                    "--",
                ]
                + python,
                env,
            ),
            "recorder only": (python, recorder_env),
        }
        _timed(python, env, work)  # warm the file cache and the byte-code of all sides
        _timed(ways["traced (seq2func trace)"][0], env, work)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        for _ in range(args.repeat):
            for name, (command, environment) in ways.items():
                times[name].append(_timed(command, environment, work))
        connection = store.connect_readonly(traces)
        recorded = connection.execute("SELECT COUNT(*) FROM builds").fetchone()[0]
        connection.close()

    print(
        f"train.py: {args.epochs} epochs; best of {args.repeat} runs each "
        "(wall clock, and CPU time of all processes)"
    )
    print("  best time, its ratio to the untraced best, and the median of the ratios")
    print("  of runs made one after the other (less sensitive to a busy machine):")
    for column, label in ((0, "wall"), (1, "CPU ")):
        untraced = [t[column] for t in times["untraced"]]
        base = min(untraced)
        for name, values in times.items():
            mine = [t[column] for t in values]
            best = min(mine)
            paired = sorted(m / u for m, u in zip(mine, untraced))
            median = paired[len(paired) // 2]
            print(
                f"  {label} {name:<24} {best:6.2f} s   {best / base:5.3f}x"
                f"  ({(best / base - 1) * 100:+.1f}%)   paired median {median:5.3f}x"
            )
    print(f"  builds recorded: {recorded} (2 models per traced run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
