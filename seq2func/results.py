"""Typed results of a conversion: what was found, what was done, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SiteStatus = Literal["converted", "skipped"]
DiagnosticKind = Literal["skip", "note"]


def model_label(target: str | None, form: str, scope: str) -> str:
    """How every message names a model: its target, else where it is returned from."""
    if target:
        return target
    if form == "return" and scope != "<module>":
        return f"model returned by {scope}"
    return "model"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about one site: a reason it was skipped, or a note on its rewrite."""

    code: str
    message: str
    hint: str
    line: int
    column: int = 0
    kind: DiagnosticKind = "skip"
    path: str | None = None
    cell: int | None = None

    def format(self) -> str:
        """`path:line:col: S2F101 message`, the shape editors and CI logs understand.

        The hint is not part of it: the command line prints it on a line of
        its own with `-v`.
        """
        where = self.path or "<stdin>"
        if self.cell is not None:
            where = f"{where}[cell {self.cell}]"
        return f"{where}:{self.line}:{self.column + 1}: {self.code} {self.message}"


@dataclass(frozen=True)
class Site:
    """One `Sequential(...)` construction found in the source.

    `target` is the code the model is bound to (`"model"`, `"self.model"`), or
    None when the model is returned or used directly as an expression.
    `scope` is `"<module>"` or the dotted qualified name of the enclosing
    function (`"build_model"`, `"Net.__init__"`). `line`..`end_line` is the span
    of original statements the site covers (constructor to last `add`/`build`).
    """

    target: str | None
    scope: str
    line: int
    column: int
    end_line: int
    status: SiteStatus
    form: str
    diagnostics: tuple[Diagnostic, ...] = ()
    model_name: str | None = None
    path: str | None = None
    cell: int | None = None

    @property
    def label(self) -> str:
        """How messages name the model (see `model_label`)."""
        return model_label(self.target, self.form, self.scope)

    @property
    def skip_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnostics if d.kind == "skip")


@dataclass(frozen=True)
class ConversionResult:
    """The outcome of `seq2func.convert_source`."""

    source: str
    code: str
    sites: tuple[Site, ...] = field(default_factory=tuple)
    path: str | None = None

    @property
    def changed(self) -> bool:
        return self.code != self.source

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for site in self.sites for d in site.diagnostics)

    @property
    def converted(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.status == "converted")

    @property
    def skipped(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.status == "skipped")


class ConversionError(ValueError):
    """The source could not be converted at all (it does not parse, for example).

    `code` is a file-level diagnostic code (S2F0xx); `path` names the file.
    """

    def __init__(
        self, code: str, reason: str, path: str | None = None, line: int | None = None
    ):
        self.code = code
        self.reason = reason
        self.path = path
        self.line = line
        where = path or "<stdin>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {code} {reason}")
