"""The Dask worker's side of cluster verification: one site per Dask task.

`cluster.run_on_worker` hands each task's payload here. A task checks this
worker's versions against the client's, refuses a third start of a site
under which two workers died, and runs the site through `verify_site` in a
warm seq2func worker process taken from this Dask worker's pool.
"""

from __future__ import annotations

import atexit
import pickle
import socket
import threading
import time

from .cluster import (
    _STARTS,
    MAX_WORKER_DEATHS,
    _difference,
    _died,
    _Job,
    _Outcome,
    worker_versions,
)
from .engine import DeviceUnavailable, Options, _Slot, verify_site

# Warm seq2func workers left idle this long on a Dask worker are closed, so a
# shared cluster does not keep framework processes after a run.
WARM_IDLE_S = 600.0


class _WarmPool:
    """This Dask worker's warm seq2func worker processes, kept between sites.

    Deliberately per process and module-level: a Dask worker process keeps it
    from one task to the next, so the framework is imported once per Dask
    worker thread rather than once per site (that start-up is what would make
    a cluster slower than the local pool). Each task takes a slot and gives it
    back; Dask's threads never share one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple, list[tuple[float, _Slot]]] = {}
        self._reaper: threading.Thread | None = None

    def take(self, options: Options) -> _Slot:
        key = (options.device, options.memory_mb)
        with self._lock:
            self._close_stale()
            idle = self._idle.get(key)
            if idle:
                return idle.pop()[1]
        return _Slot(options)

    def give(self, options: Options, slot: _Slot) -> None:
        key = (options.device, options.memory_mb)
        with self._lock:
            self._idle.setdefault(key, []).append((time.monotonic(), slot))
            if self._reaper is None:
                self._reaper = threading.Thread(
                    target=self._reap, name="seq2func-warm-pool", daemon=True
                )
                self._reaper.start()

    def _reap(self) -> None:
        """Closes what no site took for WARM_IDLE_S, when no run comes to take it."""
        while True:
            time.sleep(WARM_IDLE_S / 10)
            with self._lock:
                self._close_stale()

    def _close_stale(self) -> None:
        now = time.monotonic()
        for idle in self._idle.values():
            for entry in [e for e in idle if now - e[0] > WARM_IDLE_S]:
                idle.remove(entry)
                entry[1].close()

    def close(self) -> None:
        with self._lock:
            for idle in self._idle.values():
                for _, slot in idle:
                    slot.close()
            self._idle.clear()


_POOL = _WarmPool()
atexit.register(_POOL.close)


def run_job(payload: bytes) -> bytes:
    """Verify one site on this Dask worker, exactly as locally (`cluster.run_on_worker`)."""
    from distributed import get_client, get_worker

    job: _Job = pickle.loads(payload)
    worker = get_worker()
    here = f"{worker.address} ({socket.gethostname()})"
    difference = _difference(job.expected, worker_versions())
    if difference:
        return pickle.dumps(_Outcome(fatal=f"the Dask worker {here} has {difference}"))
    died_on = job.died_on + _record_start(get_client(), worker)
    if len(died_on) >= MAX_WORKER_DEATHS:
        return pickle.dumps(_Outcome(site=_died(job.task, died_on)))
    slot = _POOL.take(job.options)
    try:
        site = verify_site(slot, job.task, job.options)
    except DeviceUnavailable as error:
        return pickle.dumps(_Outcome(fatal=f"on the Dask worker {here}: {error}"))
    finally:
        _POOL.give(job.options, slot)
    return pickle.dumps(_Outcome(site=site))


def _record_start(client, worker) -> tuple[str, ...]:
    """The workers this task started on before (each one died under it); adds this one.

    Dask reruns a task whose worker died on its own; only the task can stop
    a third run before it starts, so it checks the record first.
    """
    key = worker.get_current_task()
    before = tuple(client.get_metadata([key, _STARTS], default=[]))
    client.set_metadata([key, _STARTS], [*before, worker.address])
    return before
