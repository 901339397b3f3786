"""Stand-ins for data a model reads only the shape of, when the data cannot be loaded.

`model.add(Dense(30, input_shape=X_train.shape[1:]))` after `X_train` is
read from a download, a file or a module that is not installed: the probe
fails before the model, and the site would stay unverifiable. The model's
code reads nothing of `X_train` but its shape, so both sides can be built
from an array of zeros in its place, at the statement that last binds it,
and compared: the converted code reads the same expression of the same
stand-in (the conversion moves `input_shape=` to `Input(shape=...)`, never
changes what it says).

Used only where it is sound and needed:

- a model whose original failed, at a module-level line the stand-in's
  name depends on (the data it could not load; a function that builds the
  model reads it as a global);
- every read of the name after its last binding, up to the model, is
  `NAME.shape` (a `len(NAME)`, `NAME[0]` or `NAME.dtype` is a read of the
  data itself, and the site stays unverifiable);
- the converted side gets the same stand-in, by name; where it reads the
  name otherwise, the site stays unverifiable.

The stand-in's shape is not the data's: ranks 2, 3 and 4 are tried, with
distinct sizes (4 rows, then 32, 24, 20) so a dimension read in the wrong
place shows; the first the original builds on is kept. The report says so
(S2F314): the rewrite is proven for that shape, not for the real data's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from .names import bound_names, read_names
from .reach import Probe, Unreachable

SIZES = (4, 32, 24, 20)
RANKS = (2, 3, 4)


@dataclass(frozen=True)
class StandIn:
    """Names replaced by zeros of one shape."""

    names: tuple[str, ...]
    shape: tuple[int, ...]

    def expressions(self) -> dict[str, str]:
        text = repr(self.shape)
        return {
            name: f'__import__("numpy").zeros({text}, dtype="float32")'
            for name in self.names
        }

    def describe(self) -> str:
        names = ", ".join(f"`{name}`" for name in self.names)
        return f"{names} as zeros of shape {self.shape}"


def failing_line(error: BaseException, filename: str) -> int | None:
    """The probe's top-level line the error came from (its `<module>` frame)."""
    tb = error.__traceback__
    line = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename and code.co_name == "<module>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def shape_only_names(code: str, error_line: int) -> tuple[str, ...]:
    """Names of the probe whose loading failed at `error_line` and that the rest
    of the probe reads only as `NAME.shape`."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return ()
    found = []
    for index, statement in enumerate(body[:-1]):
        for name in sorted(bound_names(statement)):
            later = body[index + 1 :]
            if any(name in bound_names(s) for s in later):
                continue  # not its last binding
            readers = [s for s in later if name in read_names(s)]
            if not readers or not all(_shape_reads_only(s, name) for s in readers):
                continue
            if _depends_on(body[: index + 1], name, error_line):
                found.append(name)
    return tuple(found)


def _shape_reads_only(statement: ast.stmt, name: str) -> bool:
    parents = {
        id(child): parent
        for parent in ast.walk(statement)
        for child in ast.iter_child_nodes(parent)
    }
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id == name:
            parent = parents.get(id(node))
            if not (isinstance(parent, ast.Attribute) and parent.attr == "shape"):
                return False
    return True


def _depends_on(body: list[ast.stmt], name: str, line: int) -> bool:
    """Whether the statement at `line` is one `name`'s last binding depends on."""
    needed = {name}
    for statement in reversed(body):
        if not bound_names(statement) & needed:
            continue
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            return True
        needed |= read_names(statement)
    return False


def with_stand_ins(
    failed: dict,
    original_probe: Probe,
    make: Callable[[dict[str, str]], tuple[Probe, Probe]],
    run: Callable[[Probe], dict],
) -> tuple[dict, tuple[Probe, Probe], StandIn] | None:
    """The original built with stand-ins for the data its loading failed on.

    `failed` is the original's failed result, `make` gives both probes with
    stand-ins, `run` runs the original side on a probe. Returns the original's
    result, both probes and the stand-in; None where none applies or none
    builds.
    """
    line = failed.get("error_line")
    if line is None:
        return None
    names = shape_only_names(original_probe.code, line)
    if not names:
        return None
    for rank in RANKS:
        stand_in = StandIn(names, SIZES[:rank])
        try:
            probes = make(stand_in.expressions())
        except (Unreachable, SyntaxError):
            return None
        if not all(_stands_in(probe.code, names) for probe in probes):
            return None  # a side reads more of the data than its shape
        result = run(probes[0])
        if result.get("ok"):
            return result, probes, stand_in
    return None


def _stands_in(code: str, names: tuple[str, ...]) -> bool:
    """Every name is replaced, and read only as `NAME.shape` after."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    for name in names:
        if f"{name} = __import__" not in code:
            return False
        readers = [s for s in body if name in read_names(s)]
        if not all(_shape_reads_only(s, name) for s in readers):
            return False
    return True
