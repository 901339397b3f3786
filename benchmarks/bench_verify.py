"""Benchmark verification of the converted fixture models, side by side with the naive way.

    python benchmarks/bench_verify.py [--sites 30] [-j 2]
    python benchmarks/bench_verify.py --scheduler [ADDRESS] [--repeat 3]

seq2func: one pool of workers, the framework imported once per worker (and
per Keras: the fixtures written for Keras 2 run on tf-keras), many sites per
worker. Naive: a fresh Python process per site and side (each imports the
framework, builds one model, exits), as a script would do it, on the Keras
the pooled run verified that site on. Both run the same probes and
comparison; the ratio is printed.

With --scheduler: the same sites on a Dask cluster (at ADDRESS, or a local one
of two one-thread workers in subprocesses) against the local pool at -j 2.
Each repeat starts fresh workers, so both sides pay the framework start; the
best of the repeats counts, and a second, warm run on the cluster is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cases import all_cases  # noqa: E402

from seq2func.verify import Options, verify_many  # noqa: E402
from seq2func.verify.compare import compare  # noqa: E402
from seq2func.verify.engine import sites_to_verify  # noqa: E402
from seq2func.verify.reach import ordinal_of, probe_for  # noqa: E402

NAIVE_SIDE = """
import json, os, sys
from seq2func.verify.worker import _Downloads, _import_keras, run_job
keras = _import_keras(os.environ["SEQ2FUNC_KERAS"])
job = json.loads(sys.stdin.read())
job["device_name"] = "CPU"
print(json.dumps(run_job(keras, job, _Downloads(keras))))
"""


def pairs(limit: int):
    """The first `limit` fixtures proven equivalent, the Keras 2 ones always among them."""
    chosen = []
    for case in all_cases():
        if case.changes and case.verify.startswith("equivalent"):
            chosen.append(
                (case.source, case.expected, case.name, "Keras 2" in case.verify)
            )
    chosen.sort(key=lambda item: not item[3])  # stable: Keras 2 first, else in order
    return [item[:3] for item in chosen[:limit]]


def naive(items, flavours: dict) -> float:
    start = time.perf_counter()
    for original, converted, path in items:
        for site in sites_to_verify(original, path):
            keras = flavours.get((path, site.line), "3")
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", SEQ2FUNC_KERAS=keras)
            if keras == "2":
                env["TF_USE_LEGACY_KERAS"] = "1"
            ordinal = ordinal_of(original, site.scope, site.target, site.line)
            with tempfile.TemporaryDirectory() as workdir:
                sides = {}
                for side, source, end in (
                    ("original", original, site.end_line),
                    ("converted", converted, None),
                ):
                    probe = probe_for(
                        source,
                        scope=site.scope,
                        target=site.target,
                        ordinal=ordinal,
                        form=site.form,
                        end_line=end,
                    )
                    job = {
                        "side": side,
                        "probe": probe.__dict__,
                        "workdir": workdir,
                        "seed": 0,
                        "path": path,
                        "inputs_file": os.path.join(workdir, "inputs.npy"),
                        "checkpoint": os.path.join(workdir, "original.weights.h5"),
                    }
                    out = subprocess.run(
                        [sys.executable, "-c", NAIVE_SIDE],
                        input=json.dumps(job),
                        capture_output=True,
                        text=True,
                        env=env,
                    )
                    sides[side] = json.loads(out.stdout.strip().splitlines()[-1])
                compare(sides["original"], sides["converted"], workdir)
    return time.perf_counter() - start


def on_cluster(items, count: int, address: str, repeat: int) -> None:
    """Dask (cold, then warm) against the local pool at -j 2 on the same sites."""
    from daskprocs import SubprocessCluster

    def timed(options: Options):
        start = time.perf_counter()
        reports = verify_many(items, options)
        # Everything a site records must match, its timing aside.
        return time.perf_counter() - start, [
            replace(s, seconds=0.0) for r in reports for s in r.sites
        ]

    local, cold, warm = [], [], []
    for _ in range(repeat):
        seconds, local_results = timed(Options(jobs=2))
        local.append(seconds)
        with tempfile.TemporaryDirectory() as folder:
            if address == "local":
                cluster = SubprocessCluster(Path(folder), workers=2)
                target = cluster.address
            else:
                cluster, target = None, address
            try:
                seconds, cluster_results = timed(Options(scheduler=target))
                cold.append(seconds)
                seconds, warm_results = timed(Options(scheduler=target))
                warm.append(seconds)
            finally:
                if cluster is not None:
                    cluster.close()
        assert cluster_results == local_results == warm_results, "results differ"
    equivalent = sum(s.status == "equivalent" for s in local_results)
    where = "two local Dask workers" if address == "local" else address
    print(f"  best of {repeat}, {equivalent}/{count} equivalent on both")
    for label, seconds in (
        ("local pool, -j 2", local),
        (f"Dask ({where}), first run", cold),
        (f"Dask ({where}), second run", warm),
    ):
        print(f"  {label:<44}{min(seconds):8.1f} s")
    print(
        f"ratio: Dask / local = {min(cold) / min(local):.2f} first run, "
        f"{min(warm) / min(local):.2f} second run (target <= 1.20)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--scheduler",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="compare a Dask cluster (default: two local workers) with -j 2",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    items = pairs(args.sites)
    count = sum(len(sites_to_verify(o, p)) for o, _, p in items)
    print(f"{len(items)} fixture files, {count} converted sites")
    if args.scheduler:
        on_cluster(items, count, args.scheduler, args.repeat)
        return
    start = time.perf_counter()
    reports = verify_many(items, Options(jobs=args.jobs))
    pooled = time.perf_counter() - start
    equivalent = sum(s.status == "equivalent" for r in reports for s in r.sites)
    flavours = {(r.path, s.line): s.keras or "3" for r in reports for s in r.sites}
    on_keras_2 = sum(1 for keras in flavours.values() if keras == "2")
    slow = naive(items, flavours)
    print(
        f"  seq2func verify (pool of {args.jobs})  {pooled:8.1f} s  ({equivalent}/{count} equivalent, {on_keras_2} on Keras 2)"
    )
    print(f"  naive (process per site and side)  {slow:8.1f} s")
    print(f"ratio: naive / seq2func = {slow / pooled:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
