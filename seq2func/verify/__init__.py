"""Verification: build the model each site builds, from both sources, and compare.

This package imports NumPy and, inside its worker processes, the framework;
converting never imports it.

In the parent: `engine` turns a run's sites into tasks and runs them on a
pool, `site_run` verifies one site, `processes` starts and replaces the worker
processes, `judge` gives the verdict from the two sides' reports, `reach` and
`deferred` make the probes that reach each model, `compare` compares, `flavour`
chooses the Keras, `results` holds what is reported; `cluster` and
`cluster_worker` run the sites on Dask. In the worker process: `worker` and
the `worker_*` modules it uses.
"""

from __future__ import annotations

from .engine import DeviceUnavailable, Options, sites_to_verify, verify_many
from .flavour import KerasChoice, KerasFlavour
from .reach import parse_binds
from .results import (
    Check,
    LayerRow,
    RunVerification,
    SiteVerification,
    VerificationReport,
)

__all__ = [
    "Check",
    "DeviceUnavailable",
    "KerasChoice",
    "KerasFlavour",
    "LayerRow",
    "Options",
    "RunVerification",
    "SiteVerification",
    "VerificationReport",
    "parse_binds",
    "sites_to_verify",
    "verify_many",
    "verify_sources",
]


def verify_sources(
    original: str,
    converted: str,
    path: str | None = None,
    *,
    binds: dict | None = None,
    device: str = "auto",
    timeout: float = 120.0,
    jobs: int = 1,
    include_skipped: bool = False,
    scheduler: str | None = None,
    keras: KerasChoice = "auto",
) -> VerificationReport:
    """Prove that `converted` builds the same models as `original`.

    The sites are those seq2func finds in `original`: the ones it would
    convert, and with `include_skipped` every model it finds. `converted` may
    come from anywhere, a person included; each model is matched by its scope
    and the name it is bound to. With `scheduler` (a Dask scheduler's address)
    the sites are verified on that cluster. `keras` chooses the Keras both sides run on:
    "3", "2" (tf-keras), or "auto" (Keras 2 for code written for it).
    """
    options = Options(
        binds=dict(binds or {}),
        device=device,
        timeout=timeout,
        jobs=jobs,
        scheduler=scheduler,
        keras=keras,
    )
    sites = [sites_to_verify(original, path, include_skipped)]
    return verify_many([(original, converted, path)], options, sites=sites)[0]
