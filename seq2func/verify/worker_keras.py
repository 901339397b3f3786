"""In the worker: importing the Keras it runs on, Keras 3 or Keras 2 (tf-keras).

Nothing here imports the framework at module level: `_import_keras` sets
`TF_USE_LEGACY_KERAS` before TensorFlow is first imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys


class _KerasTwoAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """In the Keras 2 worker, `keras` and `keras.X` are tf-keras.

    `TF_USE_LEGACY_KERAS=1` makes `tf.keras` Keras 2, but code written for
    standalone Keras 2 imports `keras` itself, which is Keras 3 when
    installed. tf-keras is that same Keras 2 under another name, so the
    worker makes the name mean it: `keras.X` is `tf_keras.X` where the public
    API has X, else `tf_keras.src.X` (Keras 2's internal paths such as
    `keras.engine.sequential` or `keras.layers.core`). The module objects are
    tf-keras's own, never copies, so a class has one identity whatever the
    spelling. Keras 3 is never imported in this process.
    """

    def __init__(self):
        self._own_specs: dict[str, object] = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        rest = spec.name[len("keras") :]
        candidates = [f"tf_keras{rest}"] + ([f"tf_keras.src{rest}"] if rest else [])
        for candidate in candidates:
            try:
                module = importlib.import_module(candidate)
            except ModuleNotFoundError as error:
                if error.name is None or not candidate.startswith(error.name):
                    raise
                continue
            self._own_specs[spec.name] = getattr(module, "__spec__", None)
            return module
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)

    def exec_module(self, module):
        # The import system set __spec__ to the alias's spec: give the module
        # back its own.
        module.__spec__ = self._own_specs.pop(module.__spec__.name, None)


def _import_keras(flavour: str):
    if flavour == "2":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tensorflow  # noqa: F401  (reads TF_USE_LEGACY_KERAS once)
        import tf_keras

        sys.meta_path.insert(0, _KerasTwoAlias())
        return tf_keras
    import keras

    return keras
