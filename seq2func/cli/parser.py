"""The argument parser of the `seq2func` command line.

The options are declared in the order `--help` lists them: each function adds
one group of them, and a subcommand's parser calls them top to bottom.
"""

from __future__ import annotations

import argparse
import os

from .. import __version__
from ..trace import commands as trace_commands

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seq2func",
        description="Rewrite Keras Sequential models as Functional-API code, and prove it.",
    )
    parser.add_argument(
        "--version", action="version", version=f"seq2func {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_convert(commands)
    _add_verify(commands)
    trace_commands.add_parsers(commands)
    return parser


def _add_convert(commands) -> None:
    convert = commands.add_parser(
        "convert",
        help="rewrite Sequential models in place",
        epilog=CONVERT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(convert)
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


def _add_verify(commands) -> None:
    verify = commands.add_parser(
        "verify",
        help="prove converted models equivalent (runs model code)",
        epilog=VERIFY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(verify)
    _verify_options(verify)


def _common_options(sub: argparse.ArgumentParser) -> None:
    """The options `convert` and `verify` share."""
    _input_options(sub)
    _output_options(sub)
    _trace_options(sub)
    level = sub.add_mutually_exclusive_group()
    level.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    level.add_argument(
        "-v", "--verbose", action="store_true", help="print hints and every file"
    )


def _input_options(sub: argparse.ArgumentParser) -> None:
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


def _output_options(sub: argparse.ArgumentParser) -> None:
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


def _trace_options(sub: argparse.ArgumentParser) -> None:
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
