"""The `seq2func` command line: black's and ruff's conventions for a codemod.

Exit status: 0 success; 1 `--check` found work, or verification found a
site that is not equivalent or could not be proven; 2 usage errors or files
that could not be processed (reported after every other file was processed).

It is long because argparse declarations are: the options of four
subcommands, each with its help, are one table read top to bottom.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from .diagnostics import SYNTAX_ERROR, UNREADABLE
from . import __version__
from .cache import Cache, cache_dir
from .discovery import discover
from .files import FileError, atomic_write, decode, encode
from .runner import FileOutcome, convert_text, run
from .settings import SettingsError, load_settings
from .summary import Summary, outcome_record
from .trace import commands as trace_commands

CONVERT_EXAMPLES = """\
examples:
  seq2func convert src/                 rewrite every model under src/ in place
  seq2func convert model.py --diff      show what would change, write nothing
  seq2func convert . --check            exit 1 if anything would change (for CI)
  seq2func convert . --verify --report report.html
                                        write only rewrites proven equivalent
  cat model.py | seq2func convert -     read standard input, write standard output
"""

VERIFY_EXAMPLES = """\
examples:
  seq2func verify src/models.py         build each model from the original and the
                                        converted code and compare them
  seq2func verify . --report report.md  write a Markdown report for a pull request
  seq2func verify train.py --bind units=32 --device cpu
  seq2func verify legacy/ --keras 2     verify Keras 2 code on Keras 2 (tf-keras)

Verification executes your model-building code (never training or data
loading) in separate worker processes.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seq2func",
        description="Rewrite Keras Sequential models as Functional-API code, and prove it.",
    )
    parser.add_argument(
        "--version", action="version", version=f"seq2func {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="files or folders; - for standard input",
        )
        sub.add_argument(
            "-j",
            "--jobs",
            type=int,
            default=None,
            metavar="N",
            help="parallel workers (default: cores)",
        )
        sub.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="skip matching paths (repeatable)",
        )
        sub.add_argument(
            "--json",
            action="store_true",
            help="print a machine-readable record of every file and site",
        )
        sub.add_argument(
            "--report", metavar="FILE", help="write a report: .html, .md or .json"
        )
        sub.add_argument(
            "--line-length",
            type=int,
            default=None,
            metavar="N",
            help="black line length",
        )
        sub.add_argument(
            "--no-cache",
            action="store_true",
            help="neither read nor write the cache of files that need no conversion",
        )
        traces = sub.add_mutually_exclusive_group()
        traces.add_argument(
            "--traces",
            metavar="PATH",
            help="trace store to read recorded inputs from"
            " (default: $SEQ2FUNC_TRACES, else .seq2func/traces.sqlite, if it exists)",
        )
        traces.add_argument(
            "--no-traces",
            action="store_true",
            help="ignore recorded inputs (seq2func trace)",
        )
        level = sub.add_mutually_exclusive_group()
        level.add_argument(
            "-q", "--quiet", action="store_true", help="print errors only"
        )
        level.add_argument(
            "-v", "--verbose", action="store_true", help="print hints and every file"
        )

    convert = commands.add_parser(
        "convert",
        help="rewrite Sequential models in place",
        epilog=CONVERT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(convert)
    mode = convert.add_mutually_exclusive_group()
    mode.add_argument(
        "--diff", action="store_true", help="print a unified diff; write nothing"
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if something would change",
    )
    convert.add_argument(
        "--verify",
        action="store_true",
        help="write only rewrites proven equivalent (runs model code)",
    )
    convert.add_argument(
        "--write-unverified",
        action="store_true",
        help="with --verify: write unproven rewrites too",
    )
    _verify_options(convert)

    verify = commands.add_parser(
        "verify",
        help="prove converted models equivalent (runs model code)",
        epilog=VERIFY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(verify)
    _verify_options(verify)
    trace_commands.add_parsers(commands)
    return parser


def _verify_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="where to build models",
    )
    sub.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="argument for a model function",
    )
    sub.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds per site (default 120)",
    )
    sub.add_argument(
        "--scheduler",
        default=os.environ.get("DASK_SCHEDULER_ADDRESS") or None,
        metavar="ADDRESS",
        help="verify on the Dask cluster at ADDRESS (default: $DASK_SCHEDULER_ADDRESS)",
    )
    sub.add_argument(
        "--keras",
        choices=("auto", "2", "3"),
        default="auto",
        help="which Keras builds both sides: 3, 2 (tf-keras), or auto: Keras 2 for "
        "code written for it (default)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ("trace", "traces"):
        return trace_commands.main(args, parser)
    try:
        settings = load_settings(args.paths)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.line_length = args.line_length or settings.line_length
    args.jobs = args.jobs or settings.jobs
    exclude = tuple(settings.exclude) + tuple(args.exclude)
    if args.command == "verify" or getattr(args, "verify", False):
        if args.bind and any("=" not in b for b in args.bind):
            parser.error("--bind takes NAME=VALUE")
    if args.paths == ["-"]:
        return _stdin(args)
    if "-" in args.paths:
        parser.error("- (standard input) cannot be combined with other paths")
    missing = [p for p in args.paths if not os.path.exists(p)]
    for path in missing:
        print(f"{path}: S2F004 cannot read: no such file or folder", file=sys.stderr)
    found = [
        str(f.path)
        for f in discover(
            [p for p in args.paths if p not in missing], exclude, settings.project_root
        )
    ]
    traces = _trace_store(args)
    if traces is False:
        return 2
    args.trace_store = traces  # verification builds traced originals the same way
    # A file converts differently once the store changes: its state keys the cache.
    cache = None if args.no_cache else Cache(cache_dir(), salt=_stamp(traces))
    # A check that writes neither files nor a report needs each file's verdict, not its new text.
    check_only = (
        args.command == "convert" and args.check and not (args.verify or args.report)
    )
    outcomes = list(
        _progress(
            run(
                found,
                jobs=args.jobs,
                line_length=args.line_length,
                cache=cache,
                check_only=check_only,
                traces=traces,
            ),
            len(found),
            args,
        )
    )
    if args.command == "verify":
        return _verify_command(outcomes, args, missing)
    return _convert_command(outcomes, args, missing)


def _trace_store(args) -> str | None | bool:
    """The trace store to read, None for none, False after an error was printed."""
    if args.no_traces:
        return None
    from .trace.store import resolve_store_path

    path = resolve_store_path(args.traces)
    if path.is_file():
        return str(path)
    if args.traces is not None:
        print(f"error: {args.traces}: no trace store there", file=sys.stderr)
        return False
    return None


def _stamp(traces: str | None) -> str:
    if traces is None:
        return ""
    stamp = os.path.abspath(traces)
    # Writers in WAL mode append to the -wal file before the database changes.
    for name in (traces, traces + "-wal"):
        if os.path.exists(name):
            stat = os.stat(name)
            stamp += f":{stat.st_mtime_ns}:{stat.st_size}"
    return stamp


def _progress(outcomes, total: int, args):
    """A progress bar on a terminal for long runs; silent otherwise."""
    if args.quiet or total <= 20 or not sys.stderr.isatty():
        yield from outcomes
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_console()) as progress:
        task = progress.add_task("converting", total=total)
        for outcome in outcomes:
            progress.advance(task)
            yield outcome


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _convert_command(outcomes: list[FileOutcome], args, missing: list[str]) -> int:
    verification = None
    if args.verify:
        hooks = _verify_hooks()
        if hooks is None:
            return 2
        outcomes, verification = hooks.verify_outcomes(outcomes, args)
    write = not (args.diff or args.check)
    failed_writes = []
    for outcome in outcomes:
        _print_diagnostics(outcome, args)
        if not outcome.changed:
            continue
        if args.diff:
            sys.stdout.write(_diff(outcome))
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
    outcomes = [
        (
            replace(o, status="failed", error_code=UNREADABLE, error="cannot write")
            if o.path in failed_writes
            else o
        )
        for o in outcomes
    ]
    summary = Summary.of(outcomes, missing=len(missing), verification=verification)
    _finish(outcomes, summary, args, verification)
    if summary.failed or missing:
        return 2
    if args.check and summary.changed:
        return 1
    if verification is not None and not verification.all_proven:
        return 1
    return 0


def _verify_command(outcomes: list[FileOutcome], args, missing: list[str]) -> int:
    hooks = _verify_hooks()
    if hooks is None:
        return 2
    outcomes, verification = hooks.verify_outcomes(outcomes, args, only_verify=True)
    for outcome in outcomes:
        _print_diagnostics(outcome, args)
    summary = Summary.of(outcomes, missing=len(missing), verification=verification)
    _finish(outcomes, summary, args, verification)
    if summary.failed or missing:
        return 2
    return 0 if verification.all_proven else 1


def _verify_hooks():
    try:
        from .verify import cli_hooks
    except ImportError as error:
        print(
            f"error: verification needs the framework: pip install 'seq2func[verify]' ({error})",
            file=sys.stderr,
        )
        return None
    return cli_hooks


def _finish(outcomes, summary: Summary, args, verification) -> None:
    if args.report:
        from .reports import write_report

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


def _print_diagnostics(outcome: FileOutcome, args) -> None:
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


def _diff(outcome: FileOutcome) -> str:
    if outcome.kind == "notebook":
        from .notebook import notebook_diff

        return notebook_diff(outcome.original, outcome.converted, outcome.path)
    return "".join(
        difflib.unified_diff(
            outcome.original.splitlines(keepends=True),
            outcome.converted.splitlines(keepends=True),
            f"a/{outcome.path}",
            f"b/{outcome.path}",
        )
    )


def _stdin(args) -> int:
    data = sys.stdin.buffer.read()
    try:
        source = decode(data)
        code, sites, _ = convert_text(source.text, "-", args.line_length)
    except (FileError, ValueError) as error:
        code_ = getattr(error, "code", SYNTAX_ERROR)
        reason = getattr(error, "reason", str(error))
        print(f"<stdin>: {code_} {reason}", file=sys.stderr)
        return 2
    outcome = FileOutcome(
        "-",
        "changed" if code != source.text else "unchanged",
        sites=sites,
        original=source.text,
        converted=code,
        encoding=source.encoding,
    )
    _print_diagnostics(outcome, args)
    if args.command == "verify":
        print("error: verify reads files, not standard input", file=sys.stderr)
        return 2
    if args.diff:
        if outcome.changed:
            sys.stdout.write(_diff(outcome))
    elif args.check:
        return 1 if outcome.changed else 0
    else:
        sys.stdout.buffer.write(encode(code, source.encoding))
    if args.json:
        json.dump(
            {"version": __version__, "files": [outcome_record(outcome, None)]},
            sys.stderr,
            indent=2,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
