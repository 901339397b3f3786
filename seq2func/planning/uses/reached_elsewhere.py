"""The model reached by code the converter does not follow, where `.layers` is read.

    ensemble.append(model)            # or zoo["small"] = model, box.net = model
    ensemble[0].layers[0].units       # the InputLayer on a Functional model

    class FirstLayerLogger(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.layers[0].trainable = False
    model.fit(x, y, callbacks=[FirstLayerLogger()])

A Functional model lists its InputLayer first (`uses.layers` rewrites the
model's own `.layers` reads). Once the model is stored into a container or
onto an attribute, or handed to callbacks that `fit` gives it to as
`self.model`, its `.layers` may be read through a path this file spells
otherwise. So the site stays (S2F106) when the model is stored away
(`x[k] = model`, `x.attr = model`, `x.append/insert/extend/setdefault(...)`,
`setattr`) and the file reads `.layers`, `get_layer(...)` or `._layers` of
anything but the model's own name (a module path such as
`keras.layers.Dense` is not a read); or when it is fitted with `callbacks=`
and the file reads `self.model.layers` (a callback of its own: Keras's
callbacks read no layer by its index). Fixtures:
`safety_stored_in_list_layers_read`, `safety_callback_reads_layers`,
`later_stored_in_list`.
"""

from __future__ import annotations

import re

import libcst as cst

from ...analysis.index import TreeIndex, WholeFileNeeded
from ...analysis.watched_names import CALLBACK_ATTRIBUTES, SELF_MODEL_LAYERS_TEXT
from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Skip
from .base import Effects, Use

_STORING_METHODS = frozenset({"append", "insert", "extend", "setdefault", "put"})
_LAYER_READS = ("layers", "get_layer", "_layers")
# The same reads in text: `.layers` not followed by a dot or `import` (a module
# path, `from keras.layers import ...`), or `.get_layer(`.
_LAYER_READ_TEXT = re.compile(
    r"\.\s*_?layers\b(?!\s*\.|\s+(?:import|as)\b)|\.\s*get_layer\s*\("
)


def stored_away(use: Use, effects: Effects) -> None:
    """`x[k] = model`, `x.attr = model`, `x.append(model)`, `setattr(x, n, model)`."""
    store = _store(use)
    if store is not None:
        skip_if_layers_read(use, store)


def handed_to_callbacks(use: Use, effects: Effects) -> None:
    """`model.fit(..., callbacks=[...])`: each callback gets the model as `self.model`;
    a class of this file that reads `self.model.layers` may be one (Keras's own
    callbacks read no layers by index)."""
    index = use.index
    call = index.parent(use.attribute)  # type: ignore[arg-type]
    if not isinstance(call, cst.Call) or use.attribute_name not in CALLBACK_ATTRIBUTES:
        return
    if not any(
        a.keyword is not None and a.keyword.value == "callbacks" for a in call.args
    ):
        return
    if index.elided_text_matches(SELF_MODEL_LAYERS_TEXT):
        raise WholeFileNeeded  # a callback's read may be in a blanked statement
    read = _foreign_layers_read(index, use.plan.target, of="self.model")
    if read is not None:
        _skip(use, f"`{use.attribute_name}(callbacks=...)`", read)


def _store(use: Use) -> str | None:
    """How the use stores the model away, quoted, if it does."""
    index, node = use.index, use.ref.node
    parent = index.parent(node)
    if isinstance(parent, cst.Assign) and parent.value is node:
        for target in parent.targets:
            if isinstance(target.target, (cst.Subscript, cst.Attribute)):
                if index.code(target.target) != use.plan.target:
                    return f"`{index.code(target.target)} = ...`"
    found = use.call_with_argument
    if found is None:
        return None
    call, _ = found
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
        return f"`{index.code(func)}(...)`"
    if isinstance(func, cst.Name) and func.value == "setattr":
        return "`setattr(...)`"
    return None


def skip_if_layers_read(use: Use, how: str) -> None:
    """S2F106 when the file reads `.layers` of anything but the model's own name."""
    index = use.index
    if index.elided_text_matches(_LAYER_READ_TEXT):
        raise WholeFileNeeded  # a read of `.layers` may be in a blanked statement
    read = _foreign_layers_read(index, use.plan.target)
    if read is not None:
        _skip(use, how, read)


def _skip(use: Use, how: str, read: cst.Attribute) -> None:
    index = use.index
    raise Skip(
        SEQUENTIAL_SEMANTICS,
        f" ({how} on line {use.line}: `{index.code(read)}` on line"
        f" {index.line(read)} may read its layers, which a Functional model"
        " lists with its InputLayer)",
        use.ref.node,
    )


def _foreign_layers_read(
    index: TreeIndex, target: str | None, of: str | None = None
) -> cst.Attribute | None:
    """A read of `.layers`/`get_layer`/`._layers` of something but `target`
    itself (of `of` only, when given)."""
    for name in _LAYER_READS:
        for attribute in index.attributes.get(name, []):
            parent = index.parent(attribute)
            if isinstance(parent, cst.Attribute) and parent.value is attribute:
                continue  # a module path: `keras.layers.Dense`
            if isinstance(parent, (cst.ImportFrom, cst.ImportAlias)):
                continue
            holder = index.code(attribute.value)
            if holder == target:
                continue  # the model's own reads, judged by `uses.layers`
            if of is None or holder == of:
                return attribute
    return None
