"""In the worker: running the user's code until the model it builds is reached.

The probe (made by `reach.py`) runs one top-level statement at a time; an
import that fails is skipped, and a failure that comes down to one is
reported as that import.
"""

from __future__ import annotations

import __future__
import ast
import linecache
import re
import sys
from dataclasses import dataclass


class _ModelComplete(BaseException):
    """Raised into the watched function once its model is complete.

    A BaseException, so the user's own `except Exception` does not catch it.
    """


class _Watcher:
    """Watches a function's frame and keeps the k-th object bound to the target;
    with `complete_at`, stops the function once that model is complete."""

    def __init__(self, code, target: str | None, ordinal: int, complete_at=None):
        self.code = code
        self.target = target
        self.ordinal = ordinal
        self.complete_at = complete_at
        self.seen: list = []
        self.returned = None

    def __call__(self, frame, event, arg):
        if frame.f_code is not self.code:
            return None
        return self.local

    def local(self, frame, event, arg):
        if self.target is not None and "." not in self.target:
            value = frame.f_locals.get(self.target)
            if value is not None and not any(value is s for s in self.seen):
                self.seen.append(value)
        if event == "return":
            self.returned = arg
        elif (
            event == "line"
            and self.complete_at is not None
            and frame.f_lineno > self.complete_at
            and len(self.seen) >= self.ordinal
        ):
            raise _ModelComplete()
        return self.local

    def model(self):
        if self.target is None:
            return self.returned
        if len(self.seen) >= self.ordinal:
            return self.seen[self.ordinal - 1]
        return None


class _SiteWatcher:
    """Watches the frame of the top-level statement that holds a module-level
    site in a loop: once the site's lines (`first` to `last`) have run and the
    frame goes past them, on to the loop's training or back to its head, the
    model is complete and the statement is stopped.

    Python unsets a trace function that raises: a bare `except:` that
    swallows the stop leaves the loop running to its end, as before this stop.
    """

    def __init__(self, code, first: int, last: int):
        self.code = code
        self.first = first
        self.last = last
        self.entered = False

    def __call__(self, frame, event, arg):
        if frame.f_code is not self.code:
            return None
        return self.local

    def local(self, frame, event, arg):
        if event == "line":
            if self.first <= frame.f_lineno <= self.last:
                self.entered = True
            elif self.entered:
                raise _ModelComplete()
        return self.local


@dataclass
class SkippedImport:
    """An import of the probe that failed; the names it would have bound stay unbound."""

    statement: str
    module: str
    names: tuple[str, ...]
    error: str


def _imported_module(node: ast.stmt, error: ImportError) -> str:
    if getattr(error, "name", None):
        return error.name
    if isinstance(node, ast.ImportFrom):
        return node.module or "."
    return node.names[0].name


def _run_probe(
    code: str,
    filename: str,
    namespace: dict,
    skipped: list[SkippedImport],
    site: tuple[int, int] | None = None,
) -> None:
    """Run the probe one top-level statement at a time; an import that fails
    with ImportError is skipped and its names left unbound, never stubbed: code
    that then reads one fails with NameError and the caller names the module.

    `site` (first line, last line): the statement that holds those lines is
    stopped once they have run (`_SiteWatcher`), and the probe ends there.
    """
    tree = ast.parse(code)
    # What runs is the probe's text, not the file on disk (the converted side,
    # or lines that an earlier conversion in the file moved): source readers
    # such as autograph's `inspect.getsource(layer.call)` must see the probe.
    # An entry without an mtime is one `linecache.checkcache` keeps.
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    for node in tree.body:
        unit = compile(
            ast.Module(body=[node], type_ignores=[]),
            filename,
            "exec",
            flags=flags,
            dont_inherit=True,
        )
        importing = isinstance(node, (ast.Import, ast.ImportFrom)) and not (
            isinstance(node, ast.ImportFrom) and node.module == "__future__"
        )
        if site is not None and node.lineno <= site[0] <= node.end_lineno:
            if _stopped_at_site(unit, namespace, site):
                return
            continue
        if _unparsed_cell(node):
            continue  # a notebook cell that does not parse: IPython runs none of it
        if not importing:
            exec(unit, namespace)
            continue
        try:
            exec(unit, namespace)
        except ImportError as error:
            names = tuple(
                (alias.asname or alias.name).split(".")[0] for alias in node.names
            )
            skipped.append(
                SkippedImport(
                    ast.unparse(node),
                    _imported_module(node, error),
                    names,
                    f"{type(error).__name__}: {_first_line(error)}",
                )
            )


def _run_cell(node: ast.AST | None) -> bool:
    """`get_ipython().run_cell(names...)`, as a notebook's join writes it."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run_cell"
        and ast.unparse(node.func.value) == "get_ipython()"
        and all(isinstance(arg, ast.Name) for arg in node.args)
        and not node.keywords
    )


def _unparsed_cell(node: ast.stmt) -> bool:
    """The statement that stands for a notebook cell that does not parse
    (`notebook.dead_cells`): as it stands the cell runs nothing."""
    if isinstance(node, ast.Expr):
        return _run_cell(node.value)
    return (
        isinstance(node, ast.If)
        and _run_cell(node.test)
        and not node.orelse
        and len(node.body) == 1
        and isinstance(node.body[0], ast.Assign)
        and _run_cell(node.body[0].value)
    )


def _stopped_at_site(unit, namespace: dict, site: tuple[int, int]) -> bool:
    """Runs the statement that holds the site; True when it was stopped there."""
    sys.settrace(_SiteWatcher(unit, *site))
    try:
        exec(unit, namespace)
    except _ModelComplete:
        return True
    finally:
        sys.settrace(None)
    return False


def _reach(job, namespace, skipped: list):
    probe = job["probe"]
    complete_at = probe.get("complete_at")
    site_from = probe.get("site_from")
    site = None if site_from is None else (site_from, complete_at)
    filename = job.get("path") or "<verified>"
    _run_probe(probe["code"], filename, namespace, skipped, site)
    mode = probe["mode"]
    if mode == "module":
        return _lookup(namespace, probe["target"])
    kwargs = probe["kwargs"]
    if mode == "function":
        function = namespace[probe["function"]]
        watcher = _Watcher(
            function.__code__, probe["target"], probe["ordinal"], complete_at
        )
        sys.settrace(watcher)
        try:
            function(**kwargs)
        except _ModelComplete:
            pass
        finally:
            sys.settrace(None)
        return watcher.model()
    cls = namespace[probe["class_name"]]
    method = getattr(cls, probe["function"])
    watcher = _Watcher(method.__code__, probe["target"], probe["ordinal"], complete_at)
    instance = None
    sys.settrace(watcher)
    try:
        if probe["function"] == "__init__":
            instance = cls()
        else:
            # The instance is made untraced to completion; only the method is
            # stopped when its model is complete.
            sys.settrace(None)
            instance = cls()
            sys.settrace(watcher)
            getattr(instance, probe["function"])(**kwargs)
    except _ModelComplete:
        pass
    finally:
        sys.settrace(None)
    target = probe["target"]
    if target and target.startswith("self."):
        return getattr(instance, target.split(".", 1)[1], None)
    return watcher.model()


def _lookup(namespace, target):
    head, _, rest = target.partition(".")
    value = namespace.get(head)
    for part in rest.split(".") if rest else ():
        value = getattr(value, part, None)
    return value


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _failed_import(
    error: BaseException, skipped: list[SkippedImport]
) -> tuple[str, str | None] | None:
    """(the error to report, the module not installed) when a failure comes down
    to an import: a name the model reads from an import that was skipped, or
    an import the model's own code runs."""
    if isinstance(error, NameError):
        for entry in skipped:
            if error.name in entry.names:
                missing = entry.error.startswith("ModuleNotFoundError")
                return entry.error, entry.module if missing else None
        return None
    if isinstance(error, ModuleNotFoundError) and error.name:
        return f"ModuleNotFoundError: No module named {error.name!r}", error.name
    if isinstance(error, ImportError):
        # A library's own word for an optional dependency it lacks (Keras says
        # "This requires the scipy module. You can install it via ...").
        named = re.search(
            r"requires the '?([A-Za-z_][\w.]*)'? (?:module|package)", str(error)
        )
        if named:
            return f"{type(error).__name__}: {_first_line(error)}", named.group(1)
    return None
