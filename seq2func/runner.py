"""Processing files: read, convert, and say what happened, one typed outcome per file.

Converting happens here, in worker processes when there are many files;
writing happens in the caller, after any verification, so nothing is written
that was not meant to be.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .diagnostics import INVALID_NOTEBOOK, SYNTAX_ERROR
from .cache import Cache
from .files import FileError, decode, read_bytes
from .results import ConversionError, Site

if TYPE_CHECKING:
    from .trace.lookup import TraceIndex

Status = Literal["unchanged", "changed", "failed"]
_MARKER = b"Sequential"
# Below this many candidate files a process pool costs more than it saves.
_POOL_THRESHOLD = 8


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: Status
    sites: tuple[Site, ...] = ()
    error_code: str | None = None
    error: str | None = None
    original: str | None = None  # kept only for changed files
    converted: str | None = None
    encoding: str = "utf-8"
    kind: Literal["python", "notebook"] = "python"

    @property
    def changed(self) -> bool:
        return self.status == "changed"


def convert_text(
    text: str, path: str, line_length: int | None, traces: str | None = None
) -> tuple[str, tuple[Site, ...], str]:
    """Convert one file's text; returns (new text, sites, kind).

    `traces` is the path of a trace store to read recorded inputs from.
    """
    if path.endswith(".ipynb"):
        try:
            from .notebook import convert_notebook
        except ImportError:  # pragma: no cover - notebooks ship with the package
            raise FileError(
                INVALID_NOTEBOOK, "notebook support is not available"
            ) from None
        with _trace_index(traces) as index:
            result = convert_notebook(text, path, line_length=line_length, traces=index)
        return result.text, tuple(result.sites), "notebook"
    from .convert import convert_source

    with _trace_index(traces) as index:
        result = convert_source(text, path=path, line_length=line_length, traces=index)
    return result.code, result.sites, "python"


def check_text(
    text: str, path: str, traces: str | None = None
) -> tuple[tuple[Site, ...], bool]:
    """(sites, whether the file would change), without writing the new code."""
    from .convert import plan_source

    with _trace_index(traces) as index:
        sites = plan_source(text, path=path, traces=index)
    return sites, any(site.status == "converted" for site in sites)


@contextmanager
def _trace_index(traces: str | None) -> Iterator[TraceIndex | None]:
    """The trace store, open for one file: only files with models get here."""
    if traces is None:
        yield None
        return
    from .trace.lookup import TraceIndex

    index = TraceIndex.open(traces)
    try:
        yield index
    finally:
        if index is not None:
            index.close()


def process_file(
    path: str,
    line_length: int | None = None,
    *,
    check_only: bool = False,
    traces: str | None = None,
) -> FileOutcome:
    kind = "notebook" if path.endswith(".ipynb") else "python"
    try:
        data = read_bytes(Path(path))
    except FileError as error:
        return FileOutcome(
            path, "failed", error_code=error.code, error=error.reason, kind=kind
        )
    return process_bytes(path, data, line_length, check_only=check_only, traces=traces)


def process_bytes(
    path: str,
    data: bytes,
    line_length: int | None = None,
    *,
    check_only: bool = False,
    traces: str | None = None,
) -> FileOutcome:
    """The outcome of converting one file's bytes.

    With `check_only`, a Python file's sites are decided but its new code is
    not written: the outcome says whether it would change, without the text.
    """
    kind = "notebook" if path.endswith(".ipynb") else "python"
    try:
        source = decode(data)
        if _MARKER not in data:
            return FileOutcome(path, "unchanged", encoding=source.encoding, kind=kind)
        if check_only and kind == "python":
            sites, changes = check_text(source.text, path, traces)
            return FileOutcome(
                path,
                "changed" if changes else "unchanged",
                sites=sites,
                encoding=source.encoding,
            )
        code, sites, kind = convert_text(source.text, path, line_length, traces)
    except (FileError, ConversionError) as error:
        return FileOutcome(
            path, "failed", error_code=error.code, error=error.reason, kind=kind
        )
    except RecursionError:
        return FileOutcome(
            path,
            "failed",
            error_code=SYNTAX_ERROR,
            error="cannot parse: nested too deeply",
            kind=kind,
        )
    if code == source.text:
        return FileOutcome(
            path, "unchanged", sites=sites, encoding=source.encoding, kind=kind
        )
    return FileOutcome(
        path,
        "changed",
        sites=sites,
        original=source.text,
        converted=code,
        encoding=source.encoding,
        kind=kind,
    )


def run(
    paths: Iterable[str],
    *,
    jobs: int | None = None,
    line_length: int | None = None,
    cache: Cache | None = None,
    check_only: bool = False,
    traces: str | None = None,
) -> Iterator[FileOutcome]:
    """Outcomes in input order, whether run serially or in parallel.

    `check_only` outcomes say whether each file would change, without its new
    text (see `process_bytes`).

    Every file is read once, here; only files that contain the marker and
    that the cache does not know travel to a worker, and at most a few per
    worker are in flight, so memory stays flat however large the tree.
    """
    paths = list(paths)
    jobs = jobs or os.cpu_count() or 1
    window: deque = deque()
    in_flight = 0
    pool = (
        ProcessPoolExecutor(max_workers=jobs)
        if jobs > 1 and len(paths) >= _POOL_THRESHOLD
        else None
    )
    try:
        for path in paths:
            window.append(_start(path, pool, line_length, cache, check_only, traces))
            if isinstance(window[-1][0], Future):
                in_flight += 1
            # Outcomes leave in input order. Models are rare in a tree, so the
            # limit counts files in flight (their text is what costs memory),
            # with a looser one on the small outcomes queued behind them.
            while window and (
                in_flight > jobs * 4
                or len(window) > jobs * 256
                or not isinstance(window[0][0], Future)
                or window[0][0].done()
            ):
                head, digest = window.popleft()
                if isinstance(head, Future):
                    in_flight -= 1
                yield _finish(head, digest, cache)
        while window:
            head, digest = window.popleft()
            yield _finish(head, digest, cache)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if cache is not None:
            cache.save()


def _start(
    path: str,
    pool,
    line_length,
    cache: Cache | None,
    check_only: bool,
    traces: str | None,
):
    """(outcome or future, digest to remember it under)."""
    kind = "notebook" if path.endswith(".ipynb") else "python"
    try:
        data = read_bytes(Path(path))
    except FileError as error:
        return (
            FileOutcome(
                path, "failed", error_code=error.code, error=error.reason, kind=kind
            ),
            None,
        )
    if _MARKER not in data:
        return process_bytes(path, data, line_length), None
    digest = None
    if cache is not None:
        digest = cache.digest(data)
        sites = cache.sites(path, digest)
        if sites is not None:
            try:
                encoding = decode(data).encoding
            except FileError:
                encoding = "utf-8"
            return (
                FileOutcome(
                    path, "unchanged", sites=sites, encoding=encoding, kind=kind
                ),
                None,
            )
    if pool is None:
        outcome = process_bytes(
            path, data, line_length, check_only=check_only, traces=traces
        )
        return outcome, digest
    _load_converter(formatting=not check_only)
    return (
        pool.submit(
            process_bytes,
            path,
            data,
            line_length,
            check_only=check_only,
            traces=traces,
        ),
        digest,
    )


def _finish(head, digest: str | None, cache: Cache | None) -> FileOutcome:
    outcome = head.result() if isinstance(head, Future) else head
    if cache is not None and digest is not None and outcome.status == "unchanged":
        cache.remember(outcome.path, digest, outcome.sites)
    return outcome


def _load_converter(formatting: bool) -> None:
    """Import the converter before the pool starts its workers, so they inherit it (once: imports are kept).

    black formats rewrites; a check writes none, so it is not loaded for one.
    """
    if formatting:
        import black  # noqa: F401

    from . import convert  # noqa: F401
