"""Which Keras verifies a site: Keras 3, or Keras 2 through the tf-keras package.

Both sides of a site always run on the same Keras. Under `--keras auto` a
file is verified on Keras 3 unless it is written for Keras 2: it imports
`tf_keras`, `keras.engine` or `tensorflow.python.keras`, or sets
`TF_USE_LEGACY_KERAS=1` (decided here, from the source), or its original
fails on Keras 3 with an error only Keras 2 code raises (decided from the
error, after the original ran: see `keras2_only`). In a Keras 2 file, a
site runs on the Keras its Sequential is at run time, as the converter read
it (`planning/keras2.py`; see `site_keras`).
"""

from __future__ import annotations

import ast
import re
from typing import Literal

from ..analysis.keras_names import LEGACY_ENV

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


def imports_module(source: str, prefix: str) -> bool:
    """Whether the source imports `prefix` or a module under it (`from
    tensorflow.python import keras` imports `tensorflow.python.keras`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(
        module == prefix or module.startswith(prefix + ".")
        for module in _imported_modules(tree)
    )


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
    if LEGACY_ENV.search(source):
        return "2", _LEGACY_REASON
    return "3", ""


_LEGACY_REASON = "the file sets TF_USE_LEGACY_KERAS=1"


def site_keras(
    source: str, text: str, keras: KerasFlavour, why: str
) -> tuple[KerasFlavour, str]:
    """The Keras one site of a file chosen for Keras 2 runs on; `text` is the
    source from the site's constructor on.

    Where the file chose it (not `--keras 2`), the site's Sequential decides:
    `tf.keras` is Keras 2 only once TF_USE_LEGACY_KERAS=1 is set (a file that
    imports tf_keras to compare has Keras 3 there), and `keras` is Keras 3
    where the name is the Keras 3 package. Else the file's choice stands.
    """
    if keras != "2" or not why.startswith("the file "):
        return keras, why
    if text.startswith("tf.keras."):
        return ("2", _LEGACY_REASON) if LEGACY_ENV.search(source) else ("3", "")
    if text.startswith("keras.") and _keras_is_keras3(source):
        return "3", ""
    # `models.Sequential()` after `from keras.src import models`: the name's
    # import says which package (a Keras 3 test that also imports tf_keras).
    module = _imported_from(source, re.split(r"[.(]", text, maxsplit=1)[0])
    if module is not None and (module == "keras" or module.startswith("keras.")):
        return "3", ""
    return keras, why


def _imported_from(source: str, name: str) -> str | None:
    """The module every `from M import name` of the source takes `name` from."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    modules = {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if (alias.asname or alias.name) == name
    }
    return modules.pop() if len(modules) == 1 else None


def _keras_is_keras3(source: str) -> bool:
    """Whether the name `keras` is the Keras 3 package (not `import tf_keras as keras`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    bound = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if (alias.asname or alias.name.split(".")[0]) == "keras"
    ]
    return bool(bound) and all(name.split(".")[0] == "keras" for name in bound)


def keras2_only(error: str) -> bool:
    """Whether an error of the original on Keras 3 is one only Keras 2 code raises."""
    return any(pattern.search(error) for pattern in _KERAS2_ERRORS)
