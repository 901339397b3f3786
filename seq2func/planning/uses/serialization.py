"""Uses that write the model out: a reader of this file may load it back.

Nothing is skipped here; the line is recorded so that
`copies.check_round_trip` follows a model loaded back later in the file (it
comes back Functional). Fixtures: `safety_saved_and_loaded_reads_layers`,
`later_round_trip_saved_and_loaded`.
"""

from __future__ import annotations

from ...analysis import keras_names
from .base import Effects, Use

# Methods that write the model out, for a reader of this file to load back.
SERIALIZERS = ("save", "to_json", "to_yaml", "get_config", "export")


def serialized(use: Use, effects: Effects) -> None:
    """`model.save(...)`, `model.to_json()`, ..."""
    effects.serialized_at = use.line


def serialized_by_call(use: Use, effects: Effects) -> None:
    """`keras.models.save_model(model, ...)` and the like."""
    found = use.call_with_argument
    if found is not None and keras_names.is_serializer(
        use.index.qualified(found[0].func)
    ):
        effects.serialized_at = use.line
