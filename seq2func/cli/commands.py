"""`seq2func convert` and `seq2func verify` once every file was converted."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from ..diagnostics import UNREADABLE
from ..files import atomic_write, encode
from ..runner import FileOutcome
from ..summary import Summary
from .output import diff, finish, print_diagnostics


def convert_command(outcomes: list[FileOutcome], args, missing: list[str]) -> int:
    verification = None
    if args.verify:
        hooks = _verify_hooks()
        if hooks is None:
            return 2
        outcomes, verification = hooks.verify_outcomes(outcomes, args)
    failed_writes = _show_and_write(outcomes, args)
    outcomes = [
        (
            replace(o, status="failed", error_code=UNREADABLE, error="cannot write")
            if o.path in failed_writes
            else o
        )
        for o in outcomes
    ]
    summary = Summary.of(outcomes, missing=len(missing), verification=verification)
    finish(outcomes, summary, args, verification)
    if summary.failed or missing:
        return 2
    if args.check and summary.changed:
        return 1
    if verification is not None and not verification.all_proven:
        return 1
    return 0


def _show_and_write(outcomes: list[FileOutcome], args) -> list[str]:
    """Print, diff or write each changed file; the paths that could not be written."""
    write = not (args.diff or args.check)
    failed_writes = []
    for outcome in outcomes:
        print_diagnostics(outcome, args)
        if not outcome.changed:
            continue
        if args.diff:
            sys.stdout.write(diff(outcome))
        elif args.check:
            if not args.quiet:
                print(f"would convert {outcome.path}", file=sys.stderr)
        if write:
            try:
                atomic_write(
                    Path(outcome.path), encode(outcome.converted, outcome.encoding)
                )
            except OSError as error:
                failed_writes.append(outcome.path)
                print(
                    f"{outcome.path}: S2F004 cannot write: {error.strerror or error}",
                    file=sys.stderr,
                )
            else:
                if args.verbose:
                    print(f"converted {outcome.path}", file=sys.stderr)
    return failed_writes


def verify_command(outcomes: list[FileOutcome], args, missing: list[str]) -> int:
    hooks = _verify_hooks()
    if hooks is None:
        return 2
    outcomes, verification = hooks.verify_outcomes(outcomes, args, only_verify=True)
    for outcome in outcomes:
        print_diagnostics(outcome, args)
    summary = Summary.of(outcomes, missing=len(missing), verification=verification)
    finish(outcomes, summary, args, verification)
    if summary.failed or missing:
        return 2
    return 0 if verification.all_proven else 1


def _verify_hooks():
    try:
        from ..verify import cli_hooks
    except ImportError as error:
        print(
            f"error: verification needs the framework: pip install 'seq2func[verify]' ({error})",
            file=sys.stderr,
        )
        return None
    return cli_hooks
