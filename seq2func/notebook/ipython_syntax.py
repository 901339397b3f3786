"""Which lines of a cell IPython reads as its own syntax, and what stands for them.

IPython (8.x: `inputtransformer2`, and the prefilter's automagic) turns these
into Python before it runs a cell:

- `%magic`, `!shell` and `obj?`/`obj??` where a logical line starts;
- `x = !cmd` and `x = %magic` (`SystemAssign`, `MagicAssign`), which bind the
  names on the left to the command's output;
- with automagic on, as it is by default, a line magic or alias written
  without its `%` (`pip install x`, `ls ./data/`, `cd data`), but only in a
  cell of one line once its leading blank lines are dropped
  (`InteractiveShell.transform_cell` prefilters no other cell): measured on
  IPython 9.18, `pip install x` under a comment, or above `x = ...`, is a
  SyntaxError that runs none of the cell, and `cat += \\` continued on the
  next line is Python. IPython's `AssignmentChecker` keeps `ls = 1` Python;
  a line that is Python as it stands (`ls -la`) is left to be read as Python
  here, which only misses a command that binds nothing.

While converting, each such line is a placeholder statement: `pass`, or for
an assignment the assignment itself with an opaque value, so that the names
it binds are not taken for what they held before.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"^\s*(%|!|\?)|^[^#'\"]*\?\??\s*$")
# What IPython's SystemAssign/MagicAssign take: targets, the first "=", then
# "!" or "%" (the targets are checked to be Python's: `_targets`).
_ASSIGNED = re.compile(r"^\s*(?P<names>[^=#'\"]+?)\s*=\s*(?P<escape>[!%])")
_AUTOMAGIC = re.compile(r"^\s*(?P<word>[A-Za-z_]\w*)[ \t]+[^\s=,]")
# IPython 8's line magics and POSIX aliases that notebooks call without `%`;
# names that code often binds for itself (`time`, `load`, `run`, `save`,
# `env`, `config`, ...) are left out: a line using one is read as Python.
AUTOMAGICS = frozenset(
    {
        "cat",
        "cd",
        "conda",
        "cp",
        "ldir",
        "less",
        "lf",
        "lk",
        "ll",
        "load_ext",
        "ls",
        "lsmagic",
        "lx",
        "man",
        "matplotlib",
        "mkdir",
        "more",
        "mv",
        "pip",
        "popd",
        "pushd",
        "pwd",
        "reload_ext",
        "rm",
        "rmdir",
        "set_env",
        "tensorflow_version",
        "unload_ext",
        "who",
        "whos",
    }
)
# Line magics that bind names the line does not show (IPython 8), matched on
# a masked line's `command`. `%rerun` and `%edit` run code from the history
# or a file.
BINDING_MAGICS = re.compile(
    r"^%+\s*(run|store|reset|xdel|load|macro|recall|rerun|edit)\b"
)
_PLACEHOLDER_VALUES = {
    "!": "get_ipython().getoutput()",
    "%": "get_ipython().run_line_magic()",
}
# A placeholder as `placeholder` writes it, then the mask's marker comment.
PLACEHOLDER_LINE = re.compile(
    r"^(\s*)(?:pass|.+? = get_ipython\(\)\.(?:getoutput|run_line_magic)\(\)"
    r"|(?:if )?get_ipython\(\)\.run_cell\(.*\))"  # a cell that does not parse
    r" # seq2func-mask-(\d+)$"
)


def may_be_ipython(line: str, automagic: bool) -> bool:
    """Whether the line is IPython syntax if a logical line starts on it;
    `automagic`: whether the cell is one IPython prefilters (`one_line_cell`)."""
    if not (_ESCAPE.search(line) or _targets(line) or automagic and _automagic(line)):
        return False
    return not line.lstrip().startswith("#")


def one_line_cell(source: str) -> bool:
    """Whether IPython runs an automagic in the cell: one line, after the
    leading blank lines its `leading_empty_lines` drops."""
    lines = source.splitlines()
    while lines and (not lines[0] or lines[0].isspace()):
        lines.pop(0)
    return len(lines) == 1


def _targets(line: str) -> str | None:
    """The targets of `targets = !cmd` or `targets = %magic`, or None."""
    if "=" not in line or ("!" not in line and "%" not in line):
        return None  # most lines: no regex to run
    match = _ASSIGNED.match(line)
    if match is None:
        return None
    names = match.group("names").strip()
    try:
        compile(f"{names} = None", "<cell>", "exec")
    except SyntaxError:
        return None
    return names


def _automagic(line: str) -> bool:
    match = _AUTOMAGIC.match(line)
    if match is None or match.group("word") not in AUTOMAGICS:
        return False
    try:
        compile(line.strip(), "<cell>", "exec")
    except SyntaxError:
        return True
    return False


def command(text: str) -> str:
    """The IPython command of a masked line: `%time f()` of `t = %time f()`."""
    match = _ASSIGNED.match(text)
    if match is None or _targets(text) is None:
        return text
    return text[match.start("escape") :]


def placeholder(line: str) -> str:
    """The statement that stands for the IPython line while converting."""
    names = _targets(line)
    if names is None:
        return "pass"
    escape = _ASSIGNED.match(line).group("escape")  # type: ignore[union-attr]
    return f"{names} = {_PLACEHOLDER_VALUES[escape]}"
