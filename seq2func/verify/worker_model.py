"""In the worker: what is read from a built model, on any Keras and backend.

Its layers' rows, configs and summary, and its outputs as NumPy.
"""

from __future__ import annotations

import io
import json


def _flatten(keras, outputs) -> list:
    tree = getattr(keras, "tree", None)  # Keras 3
    if tree is not None:
        return list(tree.flatten(outputs))
    import tensorflow as tf  # Keras 2 runs on TensorFlow only

    return list(tf.nest.flatten(outputs))


def _to_numpy(keras, value):
    import numpy as np

    ops = getattr(keras, "ops", None)  # Keras 3: any backend, any device
    if ops is not None and hasattr(ops, "convert_to_numpy"):
        return ops.convert_to_numpy(value)
    return np.asarray(value)


def _as_numpy(keras, outputs):
    """A model's outputs as one NumPy array, from any backend and device.

    `np.asarray` is not enough: a PyTorch tensor that requires grad refuses,
    and one on a GPU must be copied back first.
    """
    import numpy as np

    arrays = [_to_numpy(keras, value) for value in _flatten(keras, outputs)]
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate([a.astype("float64").ravel() for a in arrays])


def _dtype_name(dtype) -> str:
    """`float32` from Keras 3's strings and Keras 2's `tf.DType` alike."""
    return str(getattr(dtype, "name", None) or dtype)


_LEGACY_PACKAGE = "tensorflow.python.keras"
_MODEL_PACKAGES = ("keras", "tf_keras", _LEGACY_PACKAGE)


def _is_legacy_model(value) -> bool:
    """A model of TensorFlow's legacy copy of Keras 2 (`tensorflow.python.keras`)."""
    return type(value).__module__.startswith(_LEGACY_PACKAGE + ".")


def _is_model(keras, value) -> bool:
    """A Keras model of the worker's Keras, or of TensorFlow's own legacy copy
    (`tensorflow.python.keras`, which Keras 2 code still imports)."""
    if isinstance(value, keras.Model):
        return True
    return any(
        cls.__name__ == "Model" and cls.__module__.startswith(_MODEL_PACKAGES)
        for cls in type(value).__mro__
    )


def _shape(shape) -> str:
    return (
        str(tuple(shape)).replace(",)", ")")
        if len(tuple(shape)) != 1
        else str(tuple(shape))
    )


def _rows(keras, model, functional: bool):
    rows = []
    layers = model.layers
    for index, layer in enumerate(layers):
        is_input = type(layer).__name__ == "InputLayer"
        try:
            output_shape = _shape(layer.output.shape)
        except Exception:
            output_shape = "?"
        try:
            input_shape = _shape(layer.input.shape) if not is_input else output_shape
        except Exception:
            input_shape = ""
        ignored = None if is_input else _input_shape_argument(layer)
        first_real = index == (
            1
            if functional and layers and type(layers[0]).__name__ == "InputLayer"
            else 0
        )
        rank = (
            input_shape.count(",") + 1
            if input_shape.startswith("(") and input_shape != "()"
            else 0
        )
        rows.append(
            {
                "name": layer.name,
                "class_name": type(layer).__name__,
                "output_shape": output_shape,
                "params": int(layer.count_params()) if layer.built else 0,
                "input_shape": input_shape,
                "explicit_input": is_input and functional,
                "ignored_input_shape": (
                    None
                    if ignored is None or (first_real and not functional)
                    else str(tuple(ignored))
                ),
                "acts_on_last_axis": hasattr(layer, "units") and rank > 2,
                "config": json.dumps(_config(layer), sort_keys=True, default=str),
            }
        )
    return rows


def _input_shape_argument(layer):
    """The `input_shape` a layer was given: Keras 3 keeps the argument, Keras 2
    the batch shape made from it (None when the layer got none)."""
    shape = getattr(layer, "_input_shape_arg", None)
    if shape is not None:
        return shape
    batch_shape = getattr(layer, "_batch_input_shape", None)
    if batch_shape is not None and type(layer).__name__ != "InputLayer":
        return tuple(batch_shape)[1:]
    return None


def _config(layer):
    try:
        config = layer.get_config()
    except Exception:
        return {}
    config.pop("name", None)
    # Keras 2 writes the input_shape a layer was given into its config as
    # batch_input_shape; the Functional form gives it to the Input instead.
    # The model's input is compared on its own, and the seed-002 rows show the
    # input_shape Keras ignored, so the copy in the config is not compared.
    config.pop("batch_input_shape", None)
    # A lambda's serialised bytecode carries its line numbers, which a rewrite
    # moves; what it computes is checked by comparing outputs. Keras 3 writes
    # it as a `__lambda__` dict, Keras 2 as `func_dump`'s list beside
    # `function_type: "lambda"`.
    for key in ("function", "output_shape", "mask"):
        value = config.get(key)
        if (
            isinstance(value, dict) and value.get("class_name") == "__lambda__"
        ) or config.get(f"{key}_type") == "lambda":
            config[key] = "<lambda>"
    return config


def _summary(model) -> str:
    buffer = io.StringIO()
    try:
        model.summary(
            print_fn=lambda line, *a, **k: buffer.write(line + "\n"), line_length=100
        )
    except Exception as error:  # an unbuilt model has no summary worth showing
        return f"(no summary: {error})"
    return buffer.getvalue()
