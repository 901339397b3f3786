"""Recognising Keras objects by qualified name, whatever the import spelling.

`tf.keras.models.Sequential`, `from tensorflow.keras import models` then
`models.Sequential`, `import tensorflow.keras as K` then `K.Sequential`, and
Keras 2 paths such as `keras.engine.sequential.Sequential` all reach one
canonical spelling here, so the rest of the converter never matches text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from .nodes import dotted

# Prefixes that are the same Keras API under another package name.
_FAMILY_PREFIXES = (
    ("tensorflow.compat.v2.keras", "tensorflow.keras"),
    ("tensorflow.compat.v1.keras", "tensorflow.keras"),
    ("tensorflow.python.keras", "tensorflow.keras"),
    ("tensorflow._api.v2.keras", "tensorflow.keras"),
    ("tensorflow.keras", "tensorflow.keras"),
    ("tf_keras", "tf_keras"),
    ("keras", "keras"),
)

# Module paths, relative to the family root, under which the classes live.
_SEQUENTIAL_PATHS = {
    "Sequential",
    "models.Sequential",
    "models.sequential.Sequential",
    "engine.sequential.Sequential",
    "src.models.Sequential",
    "src.models.sequential.Sequential",
    "src.engine.sequential.Sequential",
}
_MODEL_PATHS = {
    "Model",
    "models.Model",
    "engine.training.Model",
    "src.models.Model",
    "src.models.model.Model",
    "engine.functional.Functional",
    "src.models.functional.Functional",
}
_INPUT_PATHS = {
    "Input",
    "layers.Input",
    "engine.input_layer.Input",
    "layers.core.input_layer.Input",
    "src.layers.Input",
    "src.layers.core.input_layer.Input",
}
_INPUT_LAYER_PATHS = {
    "layers.InputLayer",
    "engine.input_layer.InputLayer",
    "layers.core.input_layer.InputLayer",
    "src.layers.InputLayer",
    "src.layers.core.input_layer.InputLayer",
}
_LAYER_MODULE = re.compile(r"^(src\.)?layers(\.[a-z_0-9]+)*\.[A-Z]\w*$")
# Layers whose own `input_dim` is a vocabulary size (Embedding, ReversibleEmbedding),
# not the generic input-shape argument every Layer accepts.
_EMBEDDING = re.compile(r"Embedding$")
_APPLICATION = re.compile(r"^(src\.)?applications(\.[a-z_0-9]+)*\.[A-Z]\w*$")


def split_family(qualified: str) -> tuple[str, str] | None:
    """`tensorflow.compat.v1.keras.layers.Dense` -> (`tensorflow.keras`, `layers.Dense`)."""
    for prefix, family in _FAMILY_PREFIXES:
        if qualified == prefix:
            return family, ""
        if qualified.startswith(prefix + "."):
            return family, qualified[len(prefix) + 1 :]
    return None


def _rest_in(qualified_names: set[str] | frozenset[str], paths: set[str]) -> str | None:
    for name in qualified_names:
        split = split_family(name)
        if split and split[1] in paths:
            return split[0]
    return None


def sequential_family(qualified_names) -> str | None:
    """The Keras family (`keras`, `tensorflow.keras`, `tf_keras`) if this is Sequential."""
    return _rest_in(qualified_names, _SEQUENTIAL_PATHS)


def is_model(qualified_names) -> bool:
    return _rest_in(qualified_names, _MODEL_PATHS) is not None


def is_input(qualified_names) -> bool:
    return _rest_in(qualified_names, _INPUT_PATHS) is not None


def is_input_layer(qualified_names) -> bool:
    return _rest_in(qualified_names, _INPUT_LAYER_PATHS) is not None


def keras_layer_class(qualified_names) -> str | None:
    """The class name if this is a built-in Keras layer (`Dense`, `Conv2D`, ...)."""
    for name in qualified_names:
        split = split_family(name)
        if split and _LAYER_MODULE.match(split[1]):
            cls = split[1].rsplit(".", 1)[-1]
            if cls not in ("Input", "InputLayer"):
                return cls
    return None


def is_embedding(qualified_names) -> bool:
    cls = keras_layer_class(qualified_names)
    return cls is not None and _EMBEDDING.search(cls) is not None


def _matches(qualified_names, pattern: re.Pattern[str]) -> bool:
    """Whether a name, relative to its Keras family root, matches `pattern`."""
    for name in qualified_names:
        split = split_family(name)
        if split and pattern.match(split[1]):
            return True
    return False


def is_application(qualified_names) -> bool:
    return _matches(qualified_names, _APPLICATION)


_CLONE_PATHS = {
    "models.clone_model",
    "src.models.cloning.clone_model",
    "models.cloning.clone_model",
}
_SERIALIZER_PATHS = {
    "models.save_model",
    "saving.save_model",
    "src.saving.saving_api.save_model",
    # Keras 3 keeps the Keras 2 HDF5 writer; tf_keras has it under saving.legacy.
    "src.legacy.saving.legacy_h5_format.save_model_to_hdf5",
    "src.saving.legacy.hdf5_format.save_model_to_hdf5",
}
_DESERIALIZER = re.compile(
    r"^((src\.)?(legacy\.)?(models|saving)(\.[a-z_0-9]+)*\."
    r"(load_model|load_model_from_hdf5|model_from_json|model_from_yaml|model_from_config|"
    r"deserialize_keras_object|clone_model)|(models\.)?(Sequential|Model)\.from_config)$"
)


def is_clone(qualified_names) -> bool:
    """`keras.models.clone_model`: a copy of a Functional model is Functional."""
    return _rest_in(qualified_names, _CLONE_PATHS) is not None


def is_serializer(qualified_names) -> bool:
    """`keras.models.save_model(model, ...)` and its other homes."""
    return _rest_in(qualified_names, _SERIALIZER_PATHS) is not None


def is_deserializer(qualified_names) -> bool:
    """A call that reads a model back: `load_model`, `model_from_json`, `from_config`..."""
    return _matches(qualified_names, _DESERIALIZER)


# Keras 2 lives on in these packages; a file that imports one is written for it.
KERAS2_MODULES = ("tf_keras", "keras.engine", "tensorflow.python.keras")
KERAS2_HINTS = ("tf_keras", "engine", "python.keras", "TF_USE_LEGACY_KERAS")
# `os.environ["TF_USE_LEGACY_KERAS"] = "1"` (or `%env ...=1`): tf.keras is Keras 2.
LEGACY_ENV = re.compile(r"""TF_USE_LEGACY_KERAS['"]?\]?\s*[=,]\s*['"]?(1|[Tt]rue)\b""")


def keras2_module(dotted: str) -> str | None:
    """Which Keras-2-only package `dotted` is in (`tf_keras`, `keras.engine`, ...)."""
    for m in KERAS2_MODULES:
        if dotted == m or dotted.startswith(m + "."):
            return m
    return None


_HUB_LAYER_PATHS = {
    "tensorflow_hub.KerasLayer",
    "tensorflow_hub.keras_layer.KerasLayer",
}


def is_hub_layer(qualified_names) -> bool:
    """`hub.KerasLayer`: a Keras 2 (tf_keras) layer whose **kwargs reach Layer."""
    return any(name in _HUB_LAYER_PATHS for name in qualified_names)


def is_base_layer(qualified_names) -> bool:
    """`keras.Layer` / `keras.layers.Layer` and their other homes."""
    return (
        _rest_in(
            qualified_names,
            {"Layer", "layers.Layer", "engine.base_layer.Layer", "src.layers.Layer"},
        )
        is not None
    )


def keras2_markers(
    imports: list[cst.Import | cst.ImportFrom], source: str
) -> frozenset[str]:
    """What marks a file as Keras 2 code: the Keras 2 modules it imports
    (`tf_keras`, `keras.engine`, `tensorflow.python.keras`), and "legacy_env"
    where it sets TF_USE_LEGACY_KERAS."""
    if not any(hint in source for hint in KERAS2_HINTS):
        return frozenset()
    found = {keras2_module(m) for m in _imported_modules(imports)}
    found.discard(None)
    if LEGACY_ENV.search(source):
        found.add("legacy_env")
    return frozenset(found)  # type: ignore[arg-type]


def _imported_modules(
    imports: list[cst.Import | cst.ImportFrom],
) -> Iterator[str]:
    """The dotted modules the file imports (`from a.b import c` gives `a.b` and `a.b.c`)."""
    for node in imports:
        if isinstance(node, cst.Import):
            for alias in node.names:
                yield dotted(alias.name)
        elif node.module and not node.relative:
            source = dotted(node.module)
            yield source
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    yield f"{source}.{dotted(alias.name)}"


def ops_names(qualified: set[str]) -> list[str]:
    """The qualified names, a Keras one (`tf.keras.ops.ones`) as `keras.ops.ones`.

    Keras's own code and tests import the ops from their source package
    (`from keras.src import ops`): measured on Keras 3.15, `keras.src.ops.ones`
    and `keras.src.ops.numpy.ones` are `keras.ops.ones` (so are `zeros`,
    `full`, `reshape`, `expand_dims`, `array`, `convert_to_tensor`, `cast`).
    """
    found = []
    for name in qualified:
        split = split_family(name)
        if split is None:
            found.append(name)
            continue
        rest = split[1]
        if rest.startswith("src.ops."):
            rest = "ops." + rest.rsplit(".", 1)[1]
        found.append(f"keras.{rest}")
    return found
