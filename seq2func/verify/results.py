"""Typed results of verification: per site, what was checked and what differed."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

from ..results import Diagnostic

VerificationStatus = Literal["equivalent", "different", "unverifiable", "error"]


@dataclass(frozen=True)
class Check:
    """One comparison: layers, input, parameters, weights, outputs, checkpoint."""

    name: str
    passed: bool
    detail: str = ""
    tolerance: float | None = None
    max_difference: float | None = None


@dataclass(frozen=True)
class LayerRow:
    """One row of a model summary, with what the seeds ask about it."""

    name: str
    class_name: str
    output_shape: str
    params: int
    input_shape: str = ""  # the shape the layer really received
    explicit_input: bool = False  # the Functional model's InputLayer row (seed 000)
    ignored_input_shape: str | None = None  # an input_shape Keras ignored (seed 002)
    acts_on_last_axis: bool = False  # Dense-like layer on a rank > 2 input (seed 003)


@dataclass(frozen=True)
class SiteVerification:
    path: str | None
    line: int
    scope: str
    target: str | None
    status: VerificationStatus
    model_name: str | None = None
    differences: tuple[str, ...] = ()
    expected_differences: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    original_layers: tuple[LayerRow, ...] = ()
    converted_layers: tuple[LayerRow, ...] = ()
    original_summary: str = ""
    converted_summary: str = ""
    input_shape: str = ""
    input_dtype: str = ""
    device: str = ""
    # The machine the site was built on: a Dask worker's host on a cluster.
    host: str = ""
    backend: str = ""
    keras: Literal["2", "3", ""] = ""  # which Keras built both sides ("" when none ran)
    keras_version: str = ""  # that Keras's version ("2.21.0" is tf-keras)
    keras_reason: str = (
        ""  # why Keras 2 ran ("the file imports tf_keras"); "" for the default
    )
    sample_shape: str = (
        ""  # the sample both sides were called on, None dimensions filled
    )
    seconds: float = 0.0
    diagnostics: tuple[Diagnostic, ...] = ()
    reason: str = ""
    cell: int | None = None

    @property
    def label(self) -> str:
        return self.target or (
            f"model returned by {self.scope}" if self.scope != "<module>" else "model"
        )


@dataclass(frozen=True)
class VerificationReport:
    """`equivalent` is True only when every site was proven equivalent (and there was one)."""

    sites: tuple[SiteVerification, ...] = field(default_factory=tuple)
    path: str | None = None

    @property
    def equivalent(self) -> bool:
        return bool(self.sites) and all(s.status == "equivalent" for s in self.sites)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "equivalent": self.equivalent,
            "sites": [asdict(s) for s in self.sites],
        }


@dataclass(frozen=True)
class RunVerification:
    """Verification of a whole run: one report per verified file."""

    reports: dict[str, VerificationReport] = field(default_factory=dict)

    @property
    def all_proven(self) -> bool:
        return all(
            s.status == "equivalent" for r in self.reports.values() for s in r.sites
        )

    def counts(self) -> dict[str, int]:
        counter = Counter(s.status for r in self.reports.values() for s in r.sites)
        return {
            k: counter[k]
            for k in ("equivalent", "different", "unverifiable", "error")
            if counter[k]
        }

    def records_for(self, path: str) -> list[dict]:
        report = self.reports.get(path)
        return [] if report is None else [asdict(s) for s in report.sites]
