"""Remembering files that need no conversion, so the next run does not parse them again.

As black does: after `seq2func convert` has rewritten a tree, every later
`--check` (a pre-commit hook, a CI step) finds the same files with the same
bytes. A file is remembered by its resolved path and the SHA-256 of its bytes,
with the sites it reported (skipped ones keep their diagnostics), and only when
it came out unchanged: a file that would change is converted every time, and
a file that failed is tried again.

The cache belongs to one build of seq2func: its file name carries a digest of
the package's own source and of the LibCST version, so any change to either
starts a new cache. It lives in `$SEQ2FUNC_CACHE_DIR`, else
`$XDG_CACHE_HOME/seq2func`, else `~/.cache/seq2func`; `--no-cache` leaves it
alone. A cache that cannot be read is ignored, and one that cannot be written
only costs the next run its time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from .results import Diagnostic, Site

_FORMAT = 1


def cache_dir() -> Path:
    explicit = os.environ.get("SEQ2FUNC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return Path(base) / "seq2func"


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of this build's conversion code and the parser it runs on."""
    from importlib import metadata  # only a run that uses the cache needs it

    digest = hashlib.sha256(f"{_FORMAT}".encode())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    try:
        digest.update(metadata.version("libcst").encode())
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        pass
    return digest.hexdigest()[:16]


class Cache:
    """Sites of unchanged files, keyed by resolved path and content digest."""

    def __init__(self, folder: Path, salt: str = "") -> None:
        # `salt` names what else decides a conversion (the trace store's state).
        name = fingerprint()
        if salt:
            name += "-" + hashlib.sha256(salt.encode()).hexdigest()[:8]
        self.path = folder / f"convert-{name}.json"
        self._entries: dict[str, dict] = {}
        self._dirty = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass

    @staticmethod
    def key(path: str) -> str:
        return str(Path(path).resolve())

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def sites(self, path: str, digest: str) -> tuple[Site, ...] | None:
        """The sites remembered for these bytes at this path, or None."""
        entry = self._entries.get(self.key(path))
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            return None
        try:
            return tuple(_site(record, path) for record in entry["sites"])
        except (KeyError, TypeError, ValueError):
            return None

    def remember(self, path: str, digest: str, sites: tuple[Site, ...]) -> None:
        self._entries[self.key(path)] = {
            "sha256": digest,
            "sites": [_record(site) for site in sites],
        }
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in self.path.parent.glob("convert-*.json"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".convert-", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self._entries, out)
            os.replace(temporary, self.path)
        except OSError:
            pass
        self._dirty = False


def _record(site: Site) -> dict:
    record = asdict(site)
    record.pop("path", None)
    for diagnostic in record["diagnostics"]:
        diagnostic.pop("path", None)
    return record


def _site(record: dict, path: str) -> Site:
    diagnostics = tuple(
        Diagnostic(**{**d, "path": path}) for d in record["diagnostics"]
    )
    return Site(**{**record, "diagnostics": diagnostics, "path": path})
