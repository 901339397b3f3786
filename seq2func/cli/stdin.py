"""`seq2func convert -`: one program read from standard input."""

from __future__ import annotations

import json
import sys

from .. import __version__
from ..diagnostics import SYNTAX_ERROR
from ..files import FileError, decode, encode
from ..runner import FileOutcome, convert_text
from ..summary import outcome_record
from .output import diff, print_diagnostics


def convert_stdin(args) -> int:
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
    print_diagnostics(outcome, args)
    if args.command == "verify":
        print("error: verify reads files, not standard input", file=sys.stderr)
        return 2
    if args.diff:
        if outcome.changed:
            sys.stdout.write(diff(outcome))
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
