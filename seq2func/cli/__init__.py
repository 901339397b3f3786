"""The `seq2func` command line: black's and ruff's conventions for a codemod.

Exit status: 0 success; 1 `--check` found work, or verification found a
site that is not equivalent or could not be proven; 2 usage errors or files
that could not be processed (reported after every other file was processed).

`main` is here, the entry point; `parser` declares the options,
`commands` finishes `convert` and `verify`, `output` prints, and `stdin`
converts standard input.
"""

from __future__ import annotations

import os
import sys

from ..cache import Cache, cache_dir
from ..discovery import discover
from ..runner import run
from ..settings import SettingsError, load_settings
from ..trace import commands as trace_commands
from .commands import convert_command, verify_command
from .output import progress
from .parser import build_parser
from .stdin import convert_stdin


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
        return convert_stdin(args)
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
    return _convert_files(found, args, missing, traces)


def _convert_files(found: list[str], args, missing: list[str], traces) -> int:
    # A file converts differently once the store changes: its state keys the cache.
    cache = None if args.no_cache else Cache(cache_dir(), salt=_stamp(traces))
    # A check that writes neither files nor a report needs each file's verdict, not its new text.
    check_only = (
        args.command == "convert" and args.check and not (args.verify or args.report)
    )
    outcomes = list(
        progress(
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
        return verify_command(outcomes, args, missing)
    return convert_command(outcomes, args, missing)


def _trace_store(args) -> str | None | bool:
    """The trace store to read, None for none, False after an error was printed."""
    if args.no_traces:
        return None
    from ..trace.store import resolve_store_path

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
