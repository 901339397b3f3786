"""The project's own modules, importable by the probe as they are when the program runs.

Python puts a script's folder first on `sys.path` (Jupyter: the notebook's
folder); a module inside a package runs from the first folder upward that
is not a package (`python -m`, and pytest, where a test's `conftest.py`
usually is: `from conftest import ...`), never from inside the package,
whose subpackages would shadow installed ones (`keras/src/backend/jax`).
The probe runs in an empty folder, so it gets that folder on `sys.path` for
the job, and loses them after: modules imported from them are dropped
from `sys.modules`, so the next job, from another project, imports its own.
"""

from __future__ import annotations

import os
import sys


def import_folders(path: str | None) -> list[str]:
    """The folder the program at `path` imports its own modules from (none or one)."""
    if not path:
        return []
    top = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(top):
        return []  # a path from another machine (a Dask worker's job)
    while os.path.isfile(os.path.join(top, "__init__.py")):
        parent = os.path.dirname(top)
        if parent == top:
            return []
        top = parent
    return [top]


class LocalImports:
    """A context in which the job's own folders are importable (see the module)."""

    def __init__(self, path: str | None):
        self.folders = import_folders(path)  # made absolute before the job's chdir
        self._path: list[str] = []
        self._modules: set[str] = set()

    def __enter__(self) -> LocalImports:
        self._path = list(sys.path)
        self._modules = set(sys.modules)
        sys.path[0:0] = self.folders
        return self

    def __exit__(self, *exc) -> None:
        sys.path[:] = self._path
        # Installed packages inside the project (its virtual environment) keep
        # their modules: a second copy of a framework module would split its classes.
        installed = [entry for entry in self._path if entry and os.path.isabs(entry)]
        for name in set(sys.modules) - self._modules:
            file = getattr(sys.modules.get(name), "__file__", None) or ""
            if any(_inside(file, folder) for folder in self.folders) and not any(
                _inside(file, entry) for entry in installed
            ):
                del sys.modules[name]


def _inside(file: str, folder: str) -> bool:
    return os.path.abspath(file).startswith(folder.rstrip(os.sep) + os.sep)
