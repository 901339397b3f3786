"""The `trace` and `traces` subcommands of the `seq2func` command line."""

from __future__ import annotations

import argparse
import json
import sys

# The store's module (and sqlite3) is imported only when a trace command runs:
# every `seq2func convert` builds this parser.
STORE_HELP = (
    "the trace store (default: $SEQ2FUNC_TRACES, else "
    ".seq2func/traces.sqlite beside pyproject.toml, else in the current folder)"
)

TRACE_EXAMPLES = """\
examples:
  seq2func trace -- python train.py --epochs 1   record the inputs of every model train.py builds
  seq2func trace train.py                        the same, with the Python running seq2func
  seq2func trace -- python -m pytest -n 2        every test process records, xdist workers included
  seq2func trace notebooks/*.ipynb               execute the notebooks (never written) and record
  seq2func trace -- jupyter nbconvert --to notebook --execute nb.ipynb
then:
  seq2func convert .                             sites with a recorded input are converted

The store is .seq2func/traces.sqlite beside pyproject.toml (else the current
folder); --traces PATH or SEQ2FUNC_TRACES name another. The command's exit
status is passed through.
"""


def add_parsers(commands) -> None:
    trace = commands.add_parser(
        "trace",
        help="run a program and record the input each Sequential is built with",
        epilog=TRACE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _store_option(trace)
    trace.add_argument(
        "--cell-timeout",
        type=float,
        default=None,
        metavar="S",
        help="notebooks: seconds a cell may run (default: no limit)",
    )
    trace.add_argument(
        "--kernel",
        default=None,
        metavar="NAME",
        help="notebooks: the Jupyter kernel (default: the notebook's own)",
    )
    trace.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing of seq2func's own"
    )
    trace.add_argument(
        "arguments",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND [ARGS...] | NOTEBOOK.ipynb...",
        help="the command to run, after --; or notebooks to execute",
    )
    traces = commands.add_parser(
        "traces", help="list the recorded inputs, per file and site"
    )
    _store_option(traces)
    traces.add_argument(
        "--json", action="store_true", help="print one JSON record per site"
    )


def _store_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--traces",
        metavar="PATH",
        default=None,
        help=STORE_HELP,
    )


def main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "trace":
        return _trace(args, parser)
    return _traces(args)


def _trace(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import store
    from .run import trace

    arguments = list(args.arguments)
    if arguments and arguments[0] == "--":
        arguments = arguments[1:]
    if not arguments:
        parser.error("trace needs a command after -- (or notebooks to execute)")
    try:
        outcome = trace(
            arguments,
            traces=args.traces,
            cell_timeout=args.cell_timeout,
            kernel=args.kernel,
        )
    except (OSError, store.StoreError) as error:
        print(f"error: cannot use the trace store: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(
            f"seq2func trace: {outcome.builds} build(s) of {outcome.sites} site(s) "
            f"recorded in {outcome.store}",
            file=sys.stderr,
        )
    return outcome.exit_status


def _traces(args: argparse.Namespace) -> int:
    from . import store
    from .listing import format_listing, listed_sites, listing_records
    from .lookup import TraceIndex

    path = store.resolve_store_path(args.traces)
    index = TraceIndex.open(path)
    if index is None:
        print(f"{path}: no trace store (run `seq2func trace` first)", file=sys.stderr)
        return 1
    with index:
        listed = listed_sites(index)
    if args.json:
        json.dump(listing_records(listed), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_listing(listed, path))
    return 0
