"""The names narrowing watches: words the conversion's checks read a model by.

Each set says which planning step reads it; narrowing keeps what they may read.
"""

from __future__ import annotations

import re

# Names that make a statement matter by themselves.
SEEDS = frozenset({"Sequential", "InputLayer"})
# What a call's function is named when it reads a model back, or clones one
# (`keras_names.is_deserializer`); an import may bind another name to one.
DESERIALIZERS = frozenset(
    {
        "load_model",
        "load_model_from_hdf5",
        "model_from_json",
        "model_from_yaml",
        "model_from_config",
        "deserialize_keras_object",
        "clone_model",
        "from_config",
    }
)
# What the checks read of a model as `model.attr` (sites.py: `_check_later_use`,
# `_sequential_use`, `_SERIALIZERS`), besides private names: any other
# attribute of it, read or assigned, they let be.
WATCHED_ATTRIBUTES = frozenset(
    {"add", "pop", "build", "layers", "get_layer"}
    | {"save", "to_json", "to_yaml", "get_config", "export"}
)
# The calls that hand `callbacks=` the model as `self.model`: watched when the
# statement spells `callbacks` and the file reads `self.model.layers` as a
# callback of its own may (planning/uses/reached_elsewhere.py).
CALLBACK_ATTRIBUTES = frozenset(
    {"fit", "evaluate", "predict", "fit_generator", "evaluate_generator"}
)
SELF_MODEL_LAYERS_TEXT = re.compile(
    r"self\s*\.\s*model\s*\.\s*(?:_?layers\b(?!\s*\.|\s+(?:import|as)\b)|get_layer\s*\()"
)
# The calls that build a model with no input on their data: the input step
# reads that data's shape (planning/first_build.py), back through its assignments.
FIRST_BUILD_ATTRIBUTES = frozenset(
    {"fit", "predict", "evaluate", "train_on_batch", "predict_on_batch"}
    | {"test_on_batch"}
)
# The input arguments a first layer bound to a name may have taken off its
# call (planning/first_layer_variable.py).
INPUT_ARGUMENTS = frozenset(
    {"input_shape", "input_dim", "batch_input_shape", "batch_size", "input_length"}
)
# Words of a constructor statement, or of its model's first add(), that give
# the model an input (not `input_dim`, which on Embedding is the vocabulary size).
STATED_INPUT = frozenset({"input_shape", "batch_input_shape", "Input", "InputLayer"})
# Where they are, a use of the model before them is a use before it is complete.
COMPLETING_ATTRIBUTES = frozenset({"add", "build"})
