"""Running verification: worker processes, per-site timeouts, and the verdict per site.

Each worker is a separate Python process that imports the framework once and
builds many models; a crash, hang or out-of-memory costs that worker, which is
replaced, and the site is reported while the others finish.

This module makes the sites of a run into tasks and runs them on a local pool
(or, with a scheduler, on a Dask cluster: `cluster.py`). One site is verified
by `site_run.verify_site`, in a worker process that `processes.py` starts and
replaces, and judged by `judge.py`; the worker process itself is `worker.py`.
`Options` and `_Task` stay here: Dask pickles them by this module's path.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..analysis.traces import SiteTraces
from ..convert import convert_source
from ..results import Site
from .deferred import DeferredBuild, deferred_build
from .flavour import KerasChoice, KerasFlavour, choose, site_keras
from .judge import _verdict as _verdict  # re-exported: cluster.py imports it here
from .processes import DeviceUnavailable as DeviceUnavailable  # re-exported
from .processes import _Slot
from .reach import definition_of, ordinal_of
from .results import SiteVerification, VerificationReport
from .site_run import verify_site

DEFAULT_MEMORY_MB = 16384


@dataclass
class _Task:
    index: int  # which file
    path: str | None
    site: Site
    original: str
    converted: str
    original_ordinal: int
    converted_ordinal: int
    binds: dict = field(default_factory=dict)
    keras: KerasFlavour = "3"
    keras_reason: str = ""  # why this Keras; empty for the default
    definition: int = 0  # which definition of the site's function (see reach)
    # How the original was built when its input came from its first data or a
    # trace: worked out here, so a Dask worker needs neither the store nor a replan.
    deferred: DeferredBuild | None = None


@dataclass
class Options:
    binds: dict = field(default_factory=dict)
    device: str = "auto"
    timeout: float = 120.0
    jobs: int = 1
    memory_mb: int | None = DEFAULT_MEMORY_MB
    seed: int = 0
    keras: KerasChoice = "auto"
    scheduler: str | None = None  # a Dask scheduler's address: verify on that cluster


def sites_to_verify(
    original: str,
    path: str | None,
    include_skipped: bool = False,
    traces: SiteTraces | None = None,
) -> tuple[Site, ...]:
    sites = convert_source(original, path=path, traces=traces).sites
    return tuple(
        s
        for s in sites
        if s.status == "converted"
        or (include_skipped and s.form in ("list", "add", "return"))
    )


def verify_many(
    items: list[tuple[str, str, str | None]],
    options: Options,
    sites=None,
    traces: list[SiteTraces | None] | None = None,
) -> list[VerificationReport]:
    """Verify several (original, converted, path) pairs with one pool of workers.

    `traces` holds, per item, the recorded inputs its conversion used.
    """
    tasks = _tasks(items, options, sites, traces)
    results: list[SiteVerification | None] = [None] * len(tasks)
    if tasks and options.scheduler:
        from .cluster import run_on_cluster  # Dask is imported only when asked for

        results = run_on_cluster(tasks, options)
    elif tasks:
        workers = max(1, min(options.jobs, len(tasks)))
        slots = [_Slot(options) for _ in range(workers)]
        queue = list(enumerate(tasks))
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [
                    pool.submit(_drain, slot, queue, results, options) for slot in slots
                ]
                for future in futures:
                    future.result()
        finally:
            for slot in slots:
                slot.close()
    reports = []
    for index, (_, _, path) in enumerate(items):
        found = tuple(
            r for t, r in zip(tasks, results) if t.index == index and r is not None
        )
        reports.append(VerificationReport(sites=found, path=path))
    return reports


def _tasks(
    items: list[tuple[str, str, str | None]],
    options: Options,
    sites,
    traces: list[SiteTraces | None] | None,
) -> list[_Task]:
    """One task per site of every item, each on the Keras its code is written for."""
    tasks: list[_Task] = []
    for index, (original, converted, path) in enumerate(items):
        recorded = traces[index] if traces is not None else None
        chosen = (
            sites[index]
            if sites is not None
            else sites_to_verify(original, path, traces=recorded)
        )
        file_keras, file_why = choose(original, options.keras)
        for site in chosen:
            keras, why = _site_keras(original, site, file_keras, file_why)
            ordinal = ordinal_of(original, site.scope, site.target, site.line)
            tasks.append(
                _Task(
                    index,
                    path,
                    site,
                    original,
                    converted,
                    ordinal,
                    ordinal,
                    options.binds,
                    keras,
                    why,
                    definition_of(original, site.scope, site.line),
                    deferred_build(original, path, site, recorded),
                )
            )
    return tasks


def _site_keras(
    source: str, site: Site, keras: KerasFlavour, why: str
) -> tuple[KerasFlavour, str]:
    lines = source.splitlines()
    text = lines[site.line - 1][site.column :] if site.line <= len(lines) else ""
    return site_keras(source, text, keras, why)


def _drain(slot: _Slot, queue: list, results: list, options: Options) -> None:
    while True:
        try:
            position, task = queue.pop(0)
        except IndexError:
            return
        results[position] = verify_site(slot, task, options)
