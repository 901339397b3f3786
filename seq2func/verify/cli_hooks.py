"""What `seq2func verify` and `seq2func convert --verify` do with the files a run found."""

from __future__ import annotations

import os
from dataclasses import replace

from ..convert import convert_source
from ..runner import FileOutcome
from .engine import DeviceUnavailable, Options, verify_many
from .reach import parse_binds
from .results import RunVerification


def _options(args) -> Options:
    return Options(
        binds=parse_binds(args.bind),
        device=args.device,
        timeout=args.timeout,
        jobs=args.jobs or os.cpu_count() or 1,
    )


def verify_outcomes(outcomes: list[FileOutcome], args, only_verify: bool = False):
    """Verify every converted site; unless told otherwise, unproven sites are not written.

    Returns the outcomes to write (a file whose sites were not all proven is
    converted again with those sites left as they were) and the verification.
    """
    candidates = [o for o in outcomes if o.changed and o.kind == "python"]
    items = [(o.original, o.converted, o.path) for o in candidates]
    try:
        reports = verify_many(items, _options(args))
    except DeviceUnavailable as error:
        raise SystemExit(f"error: {error}")
    verification = RunVerification({o.path: r for o, r in zip(candidates, reports)})
    if only_verify or getattr(args, "write_unverified", False):
        return outcomes, verification
    kept = []
    for outcome in outcomes:
        report = verification.reports.get(outcome.path)
        unproven = {s.line for s in report.sites if s.status != "equivalent"} if report else set()
        if not unproven:
            kept.append(outcome)
            continue
        redone = convert_source(outcome.original, path=outcome.path, line_length=args.line_length, keep_lines=unproven)
        status = "changed" if redone.changed else "unchanged"
        kept.append(replace(outcome, status=status, sites=redone.sites, converted=redone.code))
    return kept, verification
