"""The patches `recorder.Recorder` puts on Keras 3's and Keras 2's `Sequential`.

Like the recorder it never imports Keras: each function gets the module the
program itself just imported. The recorder's docstring says what is patched
and why; here are the wrappers, which call the originals with the same
arguments and return their results, and the readers that turn a just-built
model into what `Recorder.built` records.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import describe

if TYPE_CHECKING:
    from .recorder import Recorder


def patch_keras3(recorder: Recorder, module: ModuleType) -> None:
    sequential = module.Sequential
    _patch_new(recorder, sequential)
    original_lock = sequential._lock_state
    on_built = recorder.guarded(functools.partial(_built_keras3, recorder))

    @functools.wraps(original_lock)
    def _lock_state(model):
        original_lock(model)
        if recorder.enabled and recorder.waiting:
            on_built(model)

    sequential._lock_state = _lock_state


def _built_keras3(recorder: Recorder, model: Any) -> None:
    layers = getattr(model, "_layers", None) or []
    first = layers[0] if layers else None
    input_layer = first if type(first).__name__ == "InputLayer" else None
    shapes = getattr(model, "_build_shapes_dict", None)
    if isinstance(shapes, dict) and len(shapes) == 1:
        input_shape = next(iter(shapes.values()))
    elif input_layer is not None:
        input_shape = input_layer.batch_shape
    else:
        return
    config = sys.modules.get("keras.src.backend.config")
    backend = config.backend() if hasattr(config, "backend") else None
    version = getattr(sys.modules.get("keras.src.version"), "__version__", None)
    recorder.built(model, input_shape, input_layer, version, backend)


def patch_keras2(recorder: Recorder, module: ModuleType) -> None:
    sequential = module.Sequential
    _patch_new(recorder, sequential)
    original = sequential._build_graph_network_for_inferred_shape
    on_built = recorder.guarded(functools.partial(_built_keras2, recorder))

    @functools.wraps(original)
    def _build_graph_network_for_inferred_shape(model, input_shape, input_dtype=None):
        result = original(model, input_shape, input_dtype)
        if recorder.enabled and recorder.waiting:
            on_built(model)
        return result

    sequential._build_graph_network_for_inferred_shape = (
        _build_graph_network_for_inferred_shape
    )


def _built_keras2(recorder: Recorder, model: Any) -> None:
    if not getattr(model, "_graph_initialized", False):
        return  # not built yet: Keras 2 falls back to running the layers one by one
    inputs = list(getattr(model, "inputs", None) or [])
    if len(inputs) != 1:
        return
    tensor = inputs[0]
    layer = _Keras2Input(
        describe.dtype_name(tensor.dtype),
        "Sparse" in type(tensor).__name__,
        "Ragged" in type(tensor).__name__,
    )
    version = getattr(sys.modules.get("tf_keras"), "__version__", None)
    recorder.built(model, tensor.shape, layer, version, "tensorflow")


@dataclass(frozen=True)
class _Keras2Input:
    """What Keras 2's implicit input layer says about itself, read from its tensor."""

    dtype: str | None
    sparse: bool
    ragged: bool


def _patch_new(recorder: Recorder, sequential: type) -> None:
    original_new = sequential.__new__
    site_of = recorder.guarded(recorder.site_of)
    constructed = recorder.guarded(recorder.constructed)

    @functools.wraps(original_new)
    def __new__(cls, *args, **kwargs):
        site = site_of(sys._getframe(1)) if recorder.enabled else None
        model = original_new(cls, *args, **kwargs)
        if site is not None:
            constructed(model, site)
        return model

    sequential.__new__ = staticmethod(__new__)
