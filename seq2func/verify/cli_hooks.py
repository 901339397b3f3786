"""What `seq2func verify` and `seq2func convert --verify` do with the files a run found."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from ..analysis.traces import SiteTraces
from ..convert import convert_source
from ..notebook import notebook_sources, notebook_traces
from ..runner import FileOutcome
from ..trace.lookup import TraceIndex
from .cluster import ClusterError
from .engine import DeviceUnavailable, Options, verify_many
from .reach import parse_binds
from .results import RunVerification, VerificationReport


def _in_cells(report: VerificationReport, joined) -> VerificationReport:
    """Lines of the joined notebook source become (cell, line within the cell)."""
    sites = []
    for site in report.sites:
        cell, line = joined.locate(site.line)
        sites.append(replace(site, cell=cell, line=line))
    return replace(report, sites=tuple(sites))


def _options(args) -> Options:
    return Options(
        binds=parse_binds(args.bind),
        device=args.device,
        timeout=args.timeout,
        jobs=args.jobs or os.cpu_count() or 1,
        scheduler=getattr(args, "scheduler", None),
        keras=getattr(args, "keras", "auto"),
    )


def verify_outcomes(outcomes: list[FileOutcome], args, only_verify: bool = False):
    """Verify every converted site; unless told otherwise, unproven sites are not written.

    Returns the outcomes to write (a file whose sites were not all proven is
    converted again with those sites left as they were) and the verification.
    """
    candidates = [o for o in outcomes if o.changed]
    joined = {
        o.path: notebook_sources(o.original) for o in candidates if o.kind == "notebook"
    }
    items = [
        (
            (joined[o.path].code, notebook_sources(o.converted).code, o.path)
            if o.kind == "notebook"
            else (o.original, o.converted, o.path)
        )
        for o in candidates
    ]
    store = getattr(args, "trace_store", None)
    index = TraceIndex.open(store) if store else None
    traces = _traces(candidates, index)
    try:
        reports = verify_many(items, _options(args), traces=traces)
    except (DeviceUnavailable, ClusterError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    reports = [_in_cells(r, joined[r.path]) if r.path in joined else r for r in reports]
    verification = RunVerification({o.path: r for o, r in zip(candidates, reports)})
    if only_verify or getattr(args, "write_unverified", False):
        return outcomes, verification
    kept = [
        _proven_only(outcome, verification.reports.get(outcome.path), args, index)
        for outcome in outcomes
    ]
    return kept, verification


def _traces(candidates: list[FileOutcome], index: TraceIndex | None) -> list:
    """What the trace store recorded for each file's sites; None without a store."""
    return [
        (
            None
            if index is None
            else (
                notebook_traces(o.original, o.path, index)
                if o.kind == "notebook"
                else SiteTraces.for_file(index, o.original, o.path)
            )
        )
        for o in candidates
    ]


def _proven_only(
    outcome: FileOutcome,
    report: VerificationReport | None,
    args,
    index: TraceIndex | None,
) -> FileOutcome:
    """The outcome to write: converted again with its unproven sites left as they were."""
    unproven = (
        {s.line for s in report.sites if s.status != "equivalent"} if report else set()
    )
    if not unproven:
        return outcome
    if outcome.kind == "notebook":  # a notebook is written whole or not at all
        return replace(outcome, status="unchanged", converted=outcome.original)
    redone = convert_source(
        outcome.original,
        path=outcome.path,
        line_length=args.line_length,
        keep_lines=unproven,
        traces=index,
    )
    status = "changed" if redone.changed else "unchanged"
    return replace(outcome, status=status, sites=redone.sites, converted=redone.code)
