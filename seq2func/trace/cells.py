"""Notebook cells: the kernel's view (what IPython compiled) and the client's (which cell of which notebook).

In a kernel, a cell's code runs under a made-up file name (ipykernel: a
temporary `.py` path from a hash of the cell; IPython: `<ipython-input-N-…>`)
and what was compiled is the cell after IPython's transformations. The key
must be the cell as written in the notebook, so IPython's
`CachingCompiler.cache`, which receives both, is wrapped to remember, for
each file name, the raw cell and the code compiled from it.

The client (nbclient, which nbconvert and papermill use) knows the notebook
and the cell's index: each code cell it sends is noted as a unit of that
notebook, so a later edit of the cell shows as a stale trace. The note is
taken where nbclient calls its own hooks (`run_hook`) at the start of a cell,
by a plain function that returns nbclient's coroutine untouched: no frame of
ours is on the stack while the cell runs or when it fails.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType

from . import keys

NOTEBOOK_SUFFIX = ".ipynb"
# jupyter_server names the notebook of each kernel it starts in this variable.
SESSION_ENV = "JPY_SESSION_NAME"


class CellSources:
    """File name of compiled cell code -> (the cell as written, the code IPython compiled)."""

    def __init__(self) -> None:
        self._sources: dict[str, tuple[str, str]] = {}
        self._indexes: dict[str, keys.CallIndex] = {}
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        self._lock = threading.Lock()

    def remember(self, name: str, raw: str, transformed: str) -> None:
        with self._lock:
            if self._sources.get(name) != (raw, transformed):
                self._sources[name] = (raw, transformed)
                self._indexes.pop(name, None)

    def get(self, name: str) -> tuple[str, str, keys.CallIndex] | None:
        with self._lock:
            found = self._sources.get(name)
            if found is None:
                return None
            index = self._indexes.get(name)
            if index is None:
                index = self._indexes[name] = keys.CallIndex(found[1])
            return found[0], found[1], index

    def patch_ipython(self, module: ModuleType) -> None:
        """Wrap `IPython.core.compilerop.CachingCompiler.cache`, which every cell goes through."""
        compiler = module.CachingCompiler
        original = compiler.cache
        sources = self

        @functools.wraps(original)
        def cache(self, transformed_code, number=0, raw_code=None):
            name = original(self, transformed_code, number, raw_code)
            sources.remember(
                name,
                transformed_code if raw_code is None else raw_code,
                transformed_code,
            )
            return name

        compiler.cache = cache


def kernel_notebook_path() -> str:
    """The notebook a kernel runs, when the server that started it said so; else ''."""
    named = os.environ.get(SESSION_ENV, "")
    if named.endswith(NOTEBOOK_SUFFIX) and os.path.isfile(named):
        return os.path.realpath(named)
    return ""


def client_notebook_path(client: object) -> str:
    """The notebook an nbclient `NotebookClient` executes, as far as it can be known; else ''."""
    notebook = getattr(client, "nb", None)
    metadata = getattr(notebook, "metadata", None) or {}
    papermill = metadata.get("papermill") if hasattr(metadata, "get") else None
    candidates = []
    if isinstance(papermill, dict) and papermill.get("input_path"):
        candidates.append(str(papermill["input_path"]))
    resources = getattr(client, "resources", None) or {}
    described = resources.get("metadata", {}) if hasattr(resources, "get") else {}
    if described.get("name"):  # nbconvert: the folder and the name without suffix
        folder = described.get("path") or os.getcwd()
        candidates.append(os.path.join(folder, described["name"] + NOTEBOOK_SUFFIX))
    for candidate in candidates:
        if candidate.endswith(NOTEBOOK_SUFFIX) and os.path.isfile(candidate):
            return os.path.realpath(candidate)
    return ""


NoteCell = Callable[[str, str, int], None]  # (cell source, notebook path, cell index)


def patch_nbclient(module: ModuleType, note: NoteCell) -> None:
    """Note each code cell an nbclient client starts; see the module docstring."""
    original = getattr(module, "run_hook", None)
    if original is None:
        return

    @functools.wraps(original)
    def run_hook(hook, **kwargs):
        cell, index = kwargs.get("cell"), kwargs.get("cell_index")
        caller = sys._getframe(1)
        client = caller.f_locals.get("self") if caller is not None else None
        if (
            isinstance(cell, dict)
            and isinstance(index, int)
            and cell.get("cell_type") == "code"
        ):
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            note(source, client_notebook_path(client), index)
        return original(hook, **kwargs)

    module.run_hook = run_hook
