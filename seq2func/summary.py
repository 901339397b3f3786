"""What a run did, counted: the end-of-run line, and the --json record."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from .diagnostics import UNREADABLE
from .runner import FileOutcome


@dataclass(frozen=True)
class Summary:
    files: int
    with_models: int
    changed: int
    failed: int
    sites: int
    converted: int
    skipped: int
    skipped_by_code: dict[str, int] = field(default_factory=dict)
    failed_by_code: dict[str, int] = field(default_factory=dict)
    verified: dict[str, int] = field(default_factory=dict)  # status -> count

    @classmethod
    def of(
        cls, outcomes: list[FileOutcome], *, missing: int = 0, verification=None
    ) -> "Summary":
        sites = [site for o in outcomes for site in o.sites]
        skipped = Counter(
            code
            for site in sites
            if site.status == "skipped"
            for code in site.skip_codes[:1]
        )
        failed = Counter(o.error_code for o in outcomes if o.status == "failed")
        if missing:
            failed[UNREADABLE] += missing
        return cls(
            files=len(outcomes) + missing,
            with_models=sum(1 for o in outcomes if o.sites),
            changed=sum(1 for o in outcomes if o.changed),
            failed=sum(failed.values()),
            sites=len(sites),
            converted=sum(1 for s in sites if s.status == "converted"),
            skipped=sum(1 for s in sites if s.status == "skipped"),
            skipped_by_code=dict(sorted(skipped.items())),
            failed_by_code=dict(sorted(failed.items())),
            verified=dict(verification.counts()) if verification is not None else {},
        )

    def line(self) -> str:
        text = (
            f"{self.files} file{'s' * (self.files != 1)} scanned, {self.with_models} with models, "
            f"{self.changed} changed, {self.failed} failed; "
            f"{self.sites} site{'s' * (self.sites != 1)}: {self.converted} converted, {self.skipped} skipped"
        )
        if self.skipped_by_code:
            text += (
                " ("
                + ", ".join(f"{code}: {n}" for code, n in self.skipped_by_code.items())
                + ")"
            )
        if self.verified:
            text += "; verified: " + ", ".join(
                f"{n} {status}" for status, n in self.verified.items()
            )
        return text

    def to_dict(self) -> dict:
        return asdict(self)


def outcome_record(outcome: FileOutcome, verification=None) -> dict:
    record = {
        "path": outcome.path,
        "kind": outcome.kind,
        "status": outcome.status,
        "error": (
            None
            if outcome.error is None
            else {"code": outcome.error_code, "reason": outcome.error}
        ),
        "sites": [
            {
                "target": site.target,
                "scope": site.scope,
                "line": site.line,
                "end_line": site.end_line,
                "cell": site.cell,
                "form": site.form,
                "status": site.status,
                "model_name": site.model_name,
                "diagnostics": [
                    {
                        "code": d.code,
                        "kind": d.kind,
                        "line": d.line,
                        "column": d.column + 1,
                        "cell": d.cell,
                        "message": d.message,
                        "hint": d.hint,
                    }
                    for d in site.diagnostics
                ],
            }
            for site in outcome.sites
        ],
    }
    if verification is not None:
        record["verification"] = verification.records_for(outcome.path)
    return record
