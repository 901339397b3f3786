"""In the worker: downloads refused, pretrained weights built with `weights=None`."""

from __future__ import annotations

import importlib
import sys

from .worker_datasets import dataset_stand_ins


class DownloadRefused(RuntimeError):
    pass


_FRAMEWORK_MODULES = ("keras", "tensorflow", "tf_keras")


class _Downloads:
    """Pretrained weights are not fetched, and neither is data: structure, not
    values, is compared, and the data-loading code is not what is verified.

    `get_file` is replaced wherever a module bound it (dataset loaders import
    it by name), and every function of `applications` that takes `weights`
    builds with `weights=None`. Modules imported by a job after the first are
    swept when the next job starts; each module is swept once.
    """

    def __init__(self, keras):
        self.keras = keras
        self.notes: list[str] = []
        self.swept: set[str] = set()
        self.replacements: dict[int, tuple[object, object]] = {}
        src = "tf_keras.src" if keras.__name__.startswith("tf_keras") else "keras.src"
        self.applications = f"{src}.applications."
        files = importlib.import_module(
            f"{src}.utils.data_utils"
            if src == "tf_keras.src"
            else f"{src}.utils.file_utils"
        )
        self._replace(files.get_file, self._refuse)
        # Keras's own datasets load as zeros of their documented shapes.
        self.datasets: list[str] = []
        for loader, stand_in in dataset_stand_ins(keras, src, self._loaded):
            self._replace(loader, stand_in)

    def _loaded(self, description: str) -> None:
        self.datasets.append(description)

    @staticmethod
    def _refuse(*args, **kwargs):
        raise DownloadRefused(
            "downloads are disabled during verification (data loading is not run)"
        )

    def _replace(self, original, replacement) -> None:
        self.replacements[id(original)] = (original, replacement)

    def _wrap(self, function):
        import functools
        import inspect

        signature = inspect.signature(function)
        default = signature.parameters["weights"].default
        downloads = self

        @functools.wraps(function)
        def without_download(*args, **kwargs):
            # Helpers take `weights` by position (`validate_activation(
            # classifier_activation, weights)`), so it is found by binding.
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return function(*args, **kwargs)  # let the function say why
            weights = bound.arguments.get("weights", default)
            if weights is not None:
                if weights is not inspect.Parameter.empty:
                    downloads.notes.append(
                        f"{function.__name__}(weights={weights!r}) built with weights=None"
                    )
                bound.arguments["weights"] = None
            return function(*bound.args, **bound.kwargs)

        return without_download

    @staticmethod
    def _modules():
        return [
            (name, module)
            for name, module in list(sys.modules.items())
            if module is not None and name.startswith(_FRAMEWORK_MODULES)
        ]

    def sweep(self) -> None:
        import inspect

        grown = False
        for name, module in self._modules():
            if name in self.swept or not name.startswith(self.applications):
                continue
            for value in list(vars(module).values()):
                if not inspect.isfunction(value) or id(value) in self.replacements:
                    continue
                try:
                    parameters = inspect.signature(value).parameters
                except (TypeError, ValueError):
                    continue
                if "weights" in parameters:
                    self._replace(value, self._wrap(value))
                    grown = True
        if grown:  # modules swept before may hold the new originals too
            self.swept.clear()
        for name, module in self._modules():
            if name in self.swept:
                continue
            self.swept.add(name)
            try:
                items = list(vars(module).items())
            except TypeError:
                continue
            for attr, value in items:
                found = self.replacements.get(id(value))
                if found is not None and found[0] is value:
                    setattr(module, attr, found[1])
