"""Start the recorder in every Python process a traced command starts.

coverage.py measures subprocesses by running code at every interpreter's
start-up (a `.pth` file that calls `coverage.process_startup()`), gated by an
environment variable the parent sets. seq2func does the same, with the
start-up file put where the traced command's interpreters look, not into
an installation: `seq2func trace` writes a `sitecustomize.py` into a
temporary folder and puts that folder first on `PYTHONPATH` for the command.
Every Python started under it (subprocesses, `multiprocessing` spawn and
forkserver workers, pytest-xdist workers, Jupyter kernels, in whatever
virtual environment) runs it, because the environment is inherited; a `.pth`
in one `site-packages` would reach only the interpreters of that
installation, and writing one would change that installation for every
other program. The start-up code:

1. loads this folder as the private package `_seq2func_trace` (the
   recording half is standard-library only), so a program that imports
   `seq2func`, or another version of it, is not affected;
2. calls `process_startup()`, which starts the recorder when
   `SEQ2FUNC_TRACE_STORE` names a store;
3. takes its folder out of `sys.path` again and runs the `sitecustomize`
   it shadows, if there is one, which then stands in `sys.modules` as the
   program would have seen it; if there is none, it ends with the
   `ImportError` that `site` ignores, so no `sitecustomize` is left either.

A failure to start is reported once on stderr and the program runs untraced.
Interpreters started with `-I`, `-E` or `-S`, or with an environment that
drops `PYTHONPATH`, are not traced (coverage.py has the same limit).
`process_startup()` can also be called from a `.pth` file of your own, as
coverage.py documents for its own.
"""

from __future__ import annotations

import os

from . import hooks

# This module runs at every traced interpreter's start, before the program:
# it imports nothing the interpreter has not loaded already. The recorder,
# the store and sqlite3 are imported only when the program imports one of
# the modules below, and a program that never does pays for the finder only.
ACTIVE_ENV = "SEQ2FUNC_TRACE_STORE"  # store.ACTIVE_ENV
RUN_ENV = "SEQ2FUNC_TRACE_RUN"  # store.RUN_ENV
BOOT_FILE = "sitecustomize.py"
PRIVATE_PACKAGE = "_seq2func_trace"
WATCHED = {
    "keras.src.models.sequential": "patch_keras3",
    "tf_keras.src.engine.sequential": "patch_keras2",
    "IPython.core.compilerop": "patch_ipython",
    "nbclient.client": "patch_nbclient",
}

_BOOT = """\
# Written by `seq2func trace`: starts its input recorder in this Python process.
# See {package}/startup.py.


def _seq2func_trace_boot():
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    package = {package!r}
    sys.path[:] = [entry for entry in sys.path if entry != here]
    try:
        module = sys.modules.get({private!r})
        if module is None:
            spec = importlib.util.spec_from_file_location(
                {private!r},
                os.path.join(package, "__init__.py"),
                submodule_search_locations=[package],
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules[{private!r}] = module
            spec.loader.exec_module(module)
        importlib.import_module({private!r} + ".startup").process_startup()
    except Exception as error:
        sys.stderr.write(
            "seq2func trace: the recorder did not start in this process "
            f"({{type(error).__name__}}: {{error}}); the program goes on untraced.\\n"
        )
    shadowed = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if shadowed is None or shadowed.loader is None:
        # As if there were no sitecustomize: site.py ignores exactly this error,
        # and the import machinery takes this module out of sys.modules.
        raise ImportError("no sitecustomize", name="sitecustomize")
    original = importlib.util.module_from_spec(shadowed)
    sys.modules["sitecustomize"] = original  # what `import sitecustomize` returns
    shadowed.loader.exec_module(original)


_seq2func_trace_boot()
"""


# Per process: a `.pth` of the user's and the boot file may both call in.
_started = False


def process_startup() -> bool:
    """Start recording if `SEQ2FUNC_TRACE_STORE` is set; True when this process records."""
    global _started
    path = os.environ.get(ACTIVE_ENV)
    if not path or _started:
        return _started
    _started = True
    run = os.environ.get(RUN_ENV) or new_run_id()
    hooks.install(
        {module: _deferred(path, run, patch) for module, patch in WATCHED.items()}
    )
    return True


def _deferred(path: str, run: str, patch: str):
    """A callback that starts the recorder on first use and applies one of its patches."""

    def callback(module) -> None:
        try:
            from . import recorder

            recorder.start(path, run, install_hooks=False).apply(patch, module)
        except Exception as error:  # the program's import must succeed regardless
            _report(error)

    return callback


_reported = False  # per process: the first failure is reported, the rest are not


def _report(error: Exception) -> None:
    global _reported
    if _reported:
        return
    _reported = True
    import sys

    sys.stderr.write(
        "seq2func trace: the recorder did not start in this process "
        f"({type(error).__name__}: {error}); the program goes on untraced.\n"
    )


def new_run_id() -> str:
    return os.urandom(16).hex()


def write_boot_folder(folder):
    """Write the `sitecustomize.py` that starts the recorder into `folder` (a Path); returns it."""
    from pathlib import Path

    package = Path(__file__).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    text = _BOOT.format(package=str(package), private=PRIVATE_PACKAGE)
    (folder / BOOT_FILE).write_text(text, encoding="utf-8")
    return folder


def traced_environment(
    base: dict[str, str], store_path, run: str, boot_folder
) -> dict[str, str]:
    """`base` with what a traced command needs: the store, the run, the start-up folder first on PYTHONPATH."""
    env = dict(base)
    env[ACTIVE_ENV] = str(store_path)
    env[RUN_ENV] = run
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(boot_folder) + (os.pathsep + existing if existing else "")
    return env
