"""Run a function right after a named module is imported, without importing it.

The recorder must not import Keras (a program that never does stays as it
was), yet must patch `Sequential` before the program makes one. A finder at
the front of `sys.meta_path` lets every other finder find the module as
usual and wraps only the loader's `exec_module`: when the module's code has
run, the callback gets the module. The module's `__loader__` and
`__spec__.loader` are set back to the real loader, so nothing that inspects
the module sees the wrapper. A finder that is asked about anything else
answers None at the cost of one set lookup.
"""

from __future__ import annotations

import sys
import threading

# Imported at every traced interpreter's start, before the program: only what
# the interpreter has already loaded (`typing` is not among it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    Callback = Callable[[ModuleType], None]


class _AfterImport:
    """A loader that runs the real loader, then the callback."""

    def __init__(self, loader, callback: Callback):
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: ModuleSpec):
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        try:
            self._loader.exec_module(module)
        finally:
            module.__loader__ = self._loader
            if module.__spec__ is not None:
                module.__spec__.loader = self._loader
        self._callback(module)

    def __getattr__(self, name: str):  # get_source, get_code, is_package, ...
        return getattr(self._loader, name)


class PostImportFinder:
    """Calls `callbacks[name](module)` once the module `name` has been executed."""

    def __init__(self, callbacks: dict[str, Callback]):
        self._callbacks = dict(callbacks)
        self._local = threading.local()  # names being looked up by this thread

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname not in self._callbacks:
            return None
        busy = self._local.__dict__.setdefault("busy", set())
        if fullname in busy:
            return None
        busy.add(fullname)
        try:
            spec = _find_with_others(self, fullname, path, target)
        finally:
            busy.discard(fullname)
        if (
            spec is None
            or spec.loader is None
            or not hasattr(spec.loader, "exec_module")
        ):
            return spec
        spec.loader = _AfterImport(spec.loader, self._callbacks[fullname])
        return spec


def _find_with_others(own: PostImportFinder, fullname: str, path, target):
    for finder in list(sys.meta_path):
        if finder is own:
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


def install(callbacks: dict[str, Callback]) -> PostImportFinder:
    """Install the finder first in `sys.meta_path`; modules already imported get their callback now."""
    finder = PostImportFinder(callbacks)
    sys.meta_path.insert(0, finder)
    for name, callback in callbacks.items():
        module = sys.modules.get(name)
        if module is not None:
            callback(module)
    return finder
