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
   program would have seen it.

A failure to start is reported once on stderr and the program runs untraced.
Interpreters started with `-I`, `-E` or `-S`, or with an environment that
drops `PYTHONPATH`, are not traced (coverage.py has the same limit).
`process_startup()` can also be called from a `.pth` file of your own, as
coverage.py documents for its own.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from . import recorder, store

BOOT_FILE = "sitecustomize.py"
PRIVATE_PACKAGE = "_seq2func_trace"
PACKAGE_DIR = Path(__file__).resolve().parent

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
    if shadowed is not None and shadowed.loader is not None:
        original = importlib.util.module_from_spec(shadowed)
        sys.modules["sitecustomize"] = original
        shadowed.loader.exec_module(original)


_seq2func_trace_boot()
del _seq2func_trace_boot
"""


def process_startup() -> bool:
    """Start recording if `SEQ2FUNC_TRACE_STORE` is set; True when this process records."""
    path = os.environ.get(store.ACTIVE_ENV)
    if not path:
        return False
    run = os.environ.get(store.RUN_ENV) or new_run_id()
    recorder.start(path, run)
    return True


def new_run_id() -> str:
    return uuid.uuid4().hex


def write_boot_folder(folder: Path) -> Path:
    """Write the `sitecustomize.py` that starts the recorder into `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    text = _BOOT.format(package=str(PACKAGE_DIR), private=PRIVATE_PACKAGE)
    (folder / BOOT_FILE).write_text(text, encoding="utf-8")
    return folder


def traced_environment(
    base: dict[str, str], store_path: Path, run: str, boot_folder: Path
) -> dict[str, str]:
    """`base` with what a traced command needs: the store, the run, the start-up folder first on PYTHONPATH."""
    env = dict(base)
    env[store.ACTIVE_ENV] = str(store_path)
    env[store.RUN_ENV] = run
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(boot_folder) + (os.pathsep + existing if existing else "")
    return env
