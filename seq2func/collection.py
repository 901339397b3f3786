"""Conversion runs with Python's cyclic garbage collector paused.

A conversion allocates a few hundred thousand container objects (LibCST's
nodes, Python's `ast` nodes, the index's maps), nearly all freed by
reference counting when it ends. The cyclic collector, triggered every 700
allocations, walks them again and again while they live: on a notebook
about a sixth of the time (benchmarks/bench_notebooks.py). Paused for one
conversion, the few cycles it leaves (scopes and their assignments) are
collected at the collector's next pass after it. A caller that paused it
itself keeps it paused; the outermost call resumes it.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


def collector_paused(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function`, run with the cyclic collector paused (if it ran)."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused
