"""Reading conversion fixtures: the input, then `# output`, then the expected output.

The layout is black's `tests/data/cases`. A case without an `# output` line
must come out byte for byte unchanged. Header comments say what to expect:
`# expect: converted, skipped S2F107` lists each site in source order, and
`# notes: S2F201 S2F206` the note codes the converted sites carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "fixtures" / "cases"
OUTPUT_MARKER = "# output\n"


@dataclass(frozen=True)
class Case:
    path: Path
    source: str
    expected: str
    sites: tuple[tuple[str, tuple[str, ...]], ...]  # (status, skip codes) per site
    notes: frozenset[str]
    verify: str = "equivalent"  # what verification must say of each converted site

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def changes(self) -> bool:
        return self.source != self.expected


def load_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    if OUTPUT_MARKER in text:
        source, _, expected = text.partition("\n" + OUTPUT_MARKER)
        source += "\n"
    else:
        source = expected = text
    sites: list[tuple[str, tuple[str, ...]]] = []
    notes: frozenset[str] = frozenset()
    verify = "equivalent"
    for line in source.splitlines():
        if line.startswith("# expect:"):
            value = line.split(":", 1)[1].strip()
            if value != "no sites":
                for part in value.split(","):
                    words = part.split()
                    sites.append((words[0], tuple(words[1:])))
        elif line.startswith("# notes:"):
            notes = frozenset(line.split(":", 1)[1].split())
        elif line.startswith("# verify:"):
            verify = line.split(":", 1)[1].strip()
    return Case(path, source, expected, tuple(sites), notes, verify)


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES_DIR.glob("*.py"))]
