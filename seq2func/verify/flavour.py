"""Which Keras verifies a site: Keras 3, or Keras 2 through the tf-keras package.

Both sides of a site always run on the same Keras. Under `--keras auto` a
file is verified on Keras 3 unless it is written for Keras 2: it imports
`tf_keras`, `keras.engine` or `tensorflow.python.keras` (decided here, from
the source), or its original fails on Keras 3 with an error only Keras 2 code
raises (decided from the error, after the original ran: see `keras2_only`).
"""

from __future__ import annotations

import ast
import re
from typing import Literal

KerasFlavour = Literal["2", "3"]
KerasChoice = Literal["auto", "2", "3"]
KERAS_CHOICES: tuple[KerasChoice, ...] = ("auto", "2", "3")

# Import paths that exist only in Keras 2: code that imports them was written
# for Keras 2 and means what Keras 2 made of it.
_KERAS2_MODULES = ("tf_keras", "keras.engine", "tensorflow.python.keras")

# Keras 3 errors that Keras 2 code raises and Keras 2 accepted: arguments Keras
# 3 dropped, and Keras 2 module paths and names that Keras 3 no longer has.
_KERAS2_ARGUMENTS = (
    "batch_input_shape",
    "input_length",
    "batch_size",
    "input_dtype",
    "weights",
)
# `keras.src` is Keras 3's own tree: what is missing there is a newer Keras 3
# (a layer added after the installed release), never Keras 2 code.
_PUBLIC = r"(?:keras|tensorflow\.keras)(?!\.src\b)"
_KERAS2_ERRORS = (
    re.compile(
        r"Unrecognized keyword arguments?\b.*'(" + "|".join(_KERAS2_ARGUMENTS) + ")'"
    ),
    re.compile(rf"No module named '{_PUBLIC}\.[\w.]+'"),
    re.compile(rf"module '{_PUBLIC}[\w.]*' has no attribute '\w+'"),
    re.compile(rf"cannot import name '\w+' from '{_PUBLIC}[\w.]*'"),
)


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def keras2_import(source: str) -> str | None:
    """The Keras-2-only module the source imports, if any."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for module in sorted(_imported_modules(tree)):
        for prefix in _KERAS2_MODULES:
            if module == prefix or module.startswith(prefix + "."):
                return module
    return None


def choose(source: str, requested: KerasChoice) -> tuple[KerasFlavour, str]:
    """The Keras a file is first verified on, and why (empty for the default)."""
    if requested in ("2", "3"):
        return requested, f"--keras {requested}"
    module = keras2_import(source)
    if module is not None:
        return "2", f"the file imports {module}"
    return "3", ""


def keras2_only(error: str) -> bool:
    """Whether an error of the original on Keras 3 is one only Keras 2 code raises."""
    return any(pattern.search(error) for pattern in _KERAS2_ERRORS)
