"""A first layer given `**config`, where `config` is a literal dict bound once.

`Dense(**config)` with `config = dict(units=16)` is `Dense(units=16)` to
Python. When the scope binds `config` once, to `dict(k=v, ...)` or to a
`{"k": v}` literal with string keys, and only ever unpacks it (`**config`:
nothing can add a key), its keys are known. If none of them is one that
sets or shapes the model's input (`input_shape`, `input_dim` but on an
Embedding, `batch_input_shape`, `batch_size`, `batch_shape`, `dtype`, which
build() gives the Input as the compute dtype, `input_length`), the layer's
input arguments are the ones it is given outside the dict, and the model's
input comes from them or from a later `build(shape)` or first data, as for
any layer. The layer's call is written unchanged, `**config` included.

Measured on Keras 3.15 (TF 2.21): `Sequential([Dense(**dict(units=16))])`
then `build((None, 8))` has the same `model.inputs` (shape `(None, 8)`,
float32) as `Sequential([Dense(units=16)])` built the same way.

Anything else keeps S2F111 ("takes **-unpacked arguments"). Fixtures:
`input_unpacked_layer_config*`.
"""

from __future__ import annotations

from typing import Final

import libcst as cst

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.references import references
from .config_dict import unpacked_dict

# The keywords that give or change the model's input when a layer gets them.
_INPUT_KEYWORDS: Final = frozenset(
    {
        "input_shape",
        "batch_input_shape",
        "batch_size",
        "batch_shape",
        "dtype",
        "input_length",
    }
)


def unpacks_no_input(index: TreeIndex, call: cst.Call, embedding: bool) -> bool:
    """Whether every unpacked argument of `call` is `**config` whose keys are
    known and none of them is about the input."""
    starred = [a for a in call.args if a.star]
    if not starred:
        return False
    return all(_known_config(index, call, arg, embedding) for arg in starred)


def _known_config(
    index: TreeIndex, call: cst.Call, arg: cst.Arg, embedding: bool
) -> bool:
    if arg.star != "**" or not isinstance(arg.value, cst.Name):
        return False
    if index.may_be_elided(arg.value.value):
        raise WholeFileNeeded  # narrowing may have blanked its binding or a read
    found = unpacked_dict(index, arg)
    if found is None:
        return False
    assign, entries = found
    forbidden = _INPUT_KEYWORDS if embedding else _INPUT_KEYWORDS | {"input_dim"}
    keys = {a.keyword.value for a in entries if a.keyword is not None}
    if keys & forbidden:
        return False
    return _only_unpacked(index, call, arg.value, assign)


def _only_unpacked(
    index: TreeIndex, call: cst.Call, name: cst.Name, assign: cst.Assign
) -> bool:
    """Every other occurrence of the name in its scope is a `**name` argument:
    nothing can add a key to the dict or hand it to code that might."""
    target = assign.targets[0].target
    scope = index.scope_root(assign)
    for ref in references(index, name.value, call, assign, scope):
        if ref.node is target:
            continue
        parent = index.parent(ref.node)
        if not (isinstance(parent, cst.Arg) and parent.star == "**"):
            return False
    return True
