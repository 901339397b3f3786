"""`model._functional`, `model._layers`...: private state only a Sequential has (S2F106).

A Functional model answers every private attribute of `Layer` and `Model`
as the Sequential did (`_jit_compile`, `_trainable`,
`_steps_per_execution_tuner`, ... are set by the base classes for both);
only the state `Sequential` defines itself is missing or means something
else, and code that reads or writes it relies on the class. So only the
names below skip the site. Dunder attributes are Python's, not Sequential's:
`model.__call__` is the model called; `model.__dict__` holds the private
state, so it counts; `model.__class__` is a type test (`type_tests`).

Measured on Keras 3.15.1 and tf_keras 2.21 (`TF_USE_LEGACY_KERAS=1`), with
`s = Sequential([Dense(4, input_shape=(3,)), Dense(1)])` and the Functional
`f` built from the same layers on `keras.Input(shape=(3,))`: the private,
non-dunder names in `vars(Sequential)` (what the class defines or
overrides), and those in `dir(s)` but not in `dir(f)` (what its code sets):

- Keras 3 (`keras/src/models/sequential.py`): `_functional` (the Functional
  model Sequential builds inside itself), `_maybe_rebuild`,
  `_is_layer_name_unique`, `_lock_state` (a no-op on Sequential, which stays
  mutable after build), `_obj_type` ("Sequential" vs "Functional"), and
  `_api_export_path`/`_api_export_symbol_id` (its public name).
- Keras 2: `_build_graph_network_for_inferred_shape`, `_created_nodes`,
  `_graph_initialized`, `_has_explicit_input_shape`, `_inferred_input_shape`,
  `_input_dtype`, `_use_legacy_deferred_behavior`, `_is_layer_name_unique`,
  `_assert_weights_created`, `_trackable_saved_model_saver`,
  `_keras_api_names`, `_keras_api_names_v1`.
- The layer list that `add()`/`pop()` edit in place: `_layers` (Keras 3)
  and `_self_tracked_trackables` (Keras 2). Both models list the InputLayer
  first there, but only the Sequential's list is the model: changing it
  changes the Sequential, not a Functional model.

Fixtures: `safety_private_attribute`, `later_private_base_state`.
"""

from __future__ import annotations

from typing import Final

from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Skip
from .base import Effects, Use

SEQUENTIAL_STATE: Final = frozenset(
    {
        # Keras 3
        "_functional",
        "_maybe_rebuild",
        "_is_layer_name_unique",
        "_lock_state",
        "_obj_type",
        "_api_export_path",
        "_api_export_symbol_id",
        "_layers",
        # Keras 2
        "_build_graph_network_for_inferred_shape",
        "_created_nodes",
        "_graph_initialized",
        "_has_explicit_input_shape",
        "_inferred_input_shape",
        "_input_dtype",
        "_use_legacy_deferred_behavior",
        "_assert_weights_created",
        "_trackable_saved_model_saver",
        "_keras_api_names",
        "_keras_api_names_v1",
        "_self_tracked_trackables",
        # Python's view of all of them
        "__dict__",
    }
)


def is_sequential_state(name: str) -> bool:
    """Whether `model.<name>` reads state that only a Sequential has."""
    return name in SEQUENTIAL_STATE


def sequential_state(use: Use, effects: Effects) -> None:
    name = use.attribute_name
    if name is not None and is_sequential_state(name):
        raise Skip(SEQUENTIAL_SEMANTICS, f" (.{name} on line {use.line})", use.ref.node)
