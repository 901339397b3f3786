"""What the command line prints: diagnostics, diffs, progress, the summary."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from .. import __version__
from ..runner import FileOutcome
from ..summary import Summary, outcome_record


def progress(outcomes, total: int, args):
    """A progress bar on a terminal for long runs; silent otherwise."""
    if args.quiet or total <= 20 or not sys.stderr.isatty():
        yield from outcomes
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_console()) as bar:
        task = bar.add_task("converting", total=total)
        for outcome in outcomes:
            bar.advance(task)
            yield outcome


def _console():
    from rich.console import Console

    return Console(stderr=True)


def finish(outcomes, summary: Summary, args, verification) -> None:
    if args.report:
        from ..reports import write_report

        write_report(
            Path(args.report), outcomes, summary, verification, command=args.command
        )
        if not args.quiet:
            print(f"report written to {args.report}", file=sys.stderr)
    if args.json:
        record = {
            "version": __version__,
            "files": [outcome_record(o, verification) for o in outcomes],
            "summary": summary.to_dict(),
        }
        json.dump(record, sys.stdout, indent=2)
        sys.stdout.write("\n")
    if not args.quiet:
        print(summary.line(), file=sys.stderr)


def print_diagnostics(outcome: FileOutcome, args) -> None:
    if outcome.status == "failed":
        print(f"{outcome.path}: {outcome.error_code} {outcome.error}", file=sys.stderr)
        return
    if args.quiet:
        return
    for site in outcome.sites:
        for diagnostic in site.diagnostics:
            if diagnostic.kind == "note" and not args.verbose:
                continue
            print(diagnostic.format(), file=sys.stderr)
            if args.verbose:
                print(f"    hint: {diagnostic.hint}", file=sys.stderr)


def diff(outcome: FileOutcome) -> str:
    if outcome.kind == "notebook":
        from ..notebook import notebook_diff

        return notebook_diff(outcome.original, outcome.converted, outcome.path)
    return "".join(
        difflib.unified_diff(
            outcome.original.splitlines(keepends=True),
            outcome.converted.splitlines(keepends=True),
            f"a/{outcome.path}",
            f"b/{outcome.path}",
        )
    )
