"""Verification on a real Dask cluster: a scheduler and workers in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from daskprocs import ROOT, SubprocessCluster, free_port

pytest.importorskip("distributed")

SAMPLE = ROOT / "fixtures" / "sample_project"
RUN_TIMEOUT_S = 600  # a hung run fails the test instead of the whole suite


def _env(**changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    env["PYTHONPATH"] = str(ROOT)
    env.update(changes)
    return env


def _seq2func(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "seq2func", *map(str, args)],
        cwd=ROOT,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def _without_timings(data):
    if isinstance(data, dict):
        return {k: _without_timings(v) for k, v in data.items() if k != "seconds"}
    if isinstance(data, list):
        return [_without_timings(v) for v in data]
    return data


def _verified(report: Path) -> list[dict]:
    return [
        s["verification"]
        for s in json.loads(report.read_text())["sites"]
        if s["verification"]
    ]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One scheduler and two workers for the module (each test process under xdist)."""
    with SubprocessCluster(tmp_path_factory.mktemp("dask")) as running:
        yield running


@pytest.mark.framework
def test_the_sample_project_on_the_cluster_gives_the_local_report(cluster, tmp_path):
    pytest.importorskip("tensorflow")
    local = _seq2func("verify", SAMPLE, "-j", "2", "--report", tmp_path / "local.json")
    remote = _seq2func(
        "verify",
        SAMPLE,
        "--scheduler",
        cluster.address,
        "--report",
        tmp_path / "cluster.json",
    )
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert "verified: 6 equivalent" in remote.stderr
    local_data = json.loads((tmp_path / "local.json").read_text())
    cluster_data = json.loads((tmp_path / "cluster.json").read_text())
    assert _without_timings(cluster_data) == _without_timings(local_data)
    checks = _verified(tmp_path / "cluster.json")
    assert len(checks) == 6
    assert all(c["host"] == socket.gethostname() and c["device"] for c in checks)


SLEEPS = """\
import os
import time

import keras

MARKERS = {markers!r}


def build():
    # Which process builds the model: the test kills the Dask worker it belongs to.
    open(os.path.join(MARKERS, str(os.getpid())), "a").close()
    time.sleep(2)
    return keras.Sequential([keras.layers.Dense({units}, input_shape=(3,))])
"""


@pytest.mark.framework
def test_a_worker_killed_mid_run_has_its_site_run_elsewhere(cluster, tmp_path):
    pytest.importorskip("tensorflow")
    markers = tmp_path / "markers"
    markers.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    sites = 6
    for units in range(1, sites + 1):
        (project / f"model_{units}.py").write_text(
            SLEEPS.format(markers=str(markers), units=units)
        )
    victim = cluster.add_worker(name=f"victim-{free_port()}")
    try:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seq2func",
                "verify",
                str(project),
                "--scheduler",
                cluster.address,
                "--report",
                str(tmp_path / "report.json"),
            ],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not _building_under(markers, victim.process.pid):
            assert run.poll() is None, "the run ended before the victim built a model"
            assert time.monotonic() < deadline, "the victim never built a model"
            time.sleep(0.05)
        victim.kill()
        _, stderr = run.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        victim.kill()
    assert run.returncode == 0, stderr
    checks = _verified(tmp_path / "report.json")
    assert len(checks) == sites
    assert all(c["status"] == "equivalent" for c in checks), checks


def _building_under(markers: Path, group: int) -> bool:
    for marker in markers.iterdir():
        try:
            if os.getpgid(int(marker.name)) == group:
                return True
        except ProcessLookupError:
            continue
    return False


KILLS_ITS_WORKER = """\
import os
import signal

import keras


def build():
    os.kill(os.getppid(), signal.SIGKILL)  # the Dask worker that started this process
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""
FINE = """\
import keras

def build():
    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
"""


@pytest.mark.framework
def test_a_site_under_which_two_workers_die_is_s2f305_and_the_others_finish(cluster):
    pytest.importorskip("tensorflow")
    import seq2func
    from seq2func.verify import Options, verify_many

    items = [
        (source, seq2func.convert_source(source).code, name)
        for name, source in (("kills", KILLS_ITS_WORKER), ("fine", FINE))
    ]
    reports = verify_many(items, Options(scheduler=cluster.address, timeout=120))
    by_name = {r.path: r.sites[0] for r in reports}
    killer = by_name["kills"]
    assert killer.status == "error" and killer.diagnostics[0].code == "S2F305"
    assert "the Dask workers running it died" in killer.reason
    assert killer.reason.count("tcp://") == 2
    assert by_name["fine"].status == "equivalent"


def test_an_unreachable_scheduler_is_a_clear_error():
    address = f"tcp://127.0.0.1:{free_port()}"
    result = _seq2func("verify", SAMPLE / "mlp.py", "--scheduler", address)
    assert result.returncode == 2
    assert f"error: cannot reach the Dask scheduler at {address}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_scheduler_address_can_come_from_the_environment():
    address = f"tcp://127.0.0.1:{free_port()}"
    result = _seq2func(
        "verify", SAMPLE / "mlp.py", env=_env(DASK_SCHEDULER_ADDRESS=address)
    )
    assert result.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}" in result.stderr


def test_workers_with_another_seq2func_or_keras_backend_are_refused_by_name(
    tmp_path,
):
    from seq2func.verify.cluster import _keras_backend

    other = tmp_path / "other"
    shutil.copytree(
        ROOT / "seq2func", other / "seq2func", ignore=shutil.ignore_patterns("*.pyc")
    )
    with open(other / "seq2func" / "convert.py", "a") as patched:
        patched.write("\n# a local patch\n")
    backend = "torch" if _keras_backend() == "jax" else "jax"
    env = _env(PYTHONPATH=str(other), KERAS_BACKEND=backend)
    with SubprocessCluster(tmp_path / "dask", workers=1, env=env) as running:
        result = _seq2func("verify", SAMPLE / "mlp.py", "--scheduler", running.address)
        worker = running.workers[0].log.read_text().split("Start worker at:")[1]
    assert result.returncode == 2, result.stderr
    assert "results are never mixed across versions" in result.stderr
    assert worker.split()[0] in result.stderr  # the worker, by address
    assert f"Keras backend {backend} (here: " in result.stderr
    assert "seq2func source " in result.stderr
    assert "Traceback" not in result.stderr


def test_device_gpu_without_gpu_workers_is_a_clear_error(cluster):
    result = _seq2func(
        "verify", SAMPLE / "mlp.py", "--device", "gpu", "--scheduler", cluster.address
    )
    assert result.returncode == 2
    assert "no Dask worker at" in result.stderr and "GPU resource" in result.stderr


@pytest.mark.framework
def test_a_local_run_does_not_import_dask():
    pytest.importorskip("tensorflow")
    script = textwrap.dedent(f"""\
        import sys
        from seq2func.cli import main
        code = main(["verify", {str(SAMPLE / "mlp.py")!r}, "-q", "-j", "1"])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))
        print(code, loaded)
        """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert result.stdout.split("\n")[-2] == "0 []", result.stdout + result.stderr


class _FakeSlot:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_the_warm_pool_reuses_a_slot_and_closes_it_when_idle_too_long(monkeypatch):
    from seq2func.verify import Options
    from seq2func.verify import cluster_worker as cluster

    monkeypatch.setattr(cluster, "WARM_IDLE_S", 0.5)
    pool = cluster._WarmPool()
    options = Options()
    slot = _FakeSlot()
    pool.give(options, slot)
    assert pool.take(options) is slot and not slot.closed
    pool.give(options, slot)
    deadline = time.monotonic() + 30
    while not slot.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slot.closed
    assert pool.take(options) is not slot


def test_a_worker_that_differs_refuses_its_site_even_after_the_check(
    cluster, monkeypatch
):
    """A worker that joins once the run's check is done is caught by its task."""
    import seq2func
    from seq2func.verify import Options, cluster as on_cluster, verify_many

    expected = dict(on_cluster.worker_versions(), keras="0.0.1")
    monkeypatch.setattr(on_cluster, "worker_versions", lambda: expected)
    monkeypatch.setattr(on_cluster._ClusterRun, "_check_workers", lambda self: None)
    with pytest.raises(on_cluster.ClusterError) as caught:
        verify_many(
            [(FINE, seq2func.convert_source(FINE).code, "fine")],
            Options(scheduler=cluster.address),
        )
    assert "the Dask worker tcp://127.0.0.1:" in str(caught.value)
    assert "keras " in str(caught.value) and "(here: 0.0.1)" in str(caught.value)
