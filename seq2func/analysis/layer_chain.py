"""Whether a Functional model, as the code builds it, is a chain of single-input layers.

Another model's layers applied one after another (`for layer in
A.layers[1:]: x = layer(x)`) rebuild A's graph only when that graph is a
chain: each layer takes the output of the one before. A branch (a residual
`Add`, a `Concatenate`) is not: measured on Keras 3.15.1, a Sequential
given MobileNetV2's layers catches the `NotImplementedError` of `Add` called
on one tensor and stays unbuilt, while the loop in Functional code raises it.
A layer object applied twice is listed once in `A.layers`, so the loop would
apply it once: only layers made where they are applied count.

`keras.applications` models are chains only in the VGG family (VGG16,
VGG19: convolutions, poolings, then Flatten and Dense); every other family
has branches (ResNet, Inception, Xception, MobileNetV2/V3, DenseNet,
EfficientNet, ConvNeXt, NASNet), or depthwise blocks this list does not
vouch for (MobileNet).
"""

from __future__ import annotations

import libcst as cst

from . import keras_names
from .index import TreeIndex
from .reaching import Unknown, reaching_value

_CHAIN_APPLICATIONS = (".VGG16", ".VGG19")


def is_chain_application(qualified_names: set[str]) -> bool:
    """A `keras.applications` model whose layers form one chain."""
    return any(name.endswith(_CHAIN_APPLICATIONS) for name in qualified_names)


def is_chain(index: TreeIndex, outputs: cst.BaseExpression, inputs: cst.Name) -> bool:
    """Whether `outputs` is reached from the Input `inputs` names through
    built-in layers made and applied at once (`Dense(8)(h)`), one argument each."""
    expr = outputs
    for _ in range(10_000):  # a chain the code writes is far shorter
        if isinstance(expr, cst.Name):
            if expr.value == inputs.value and _same_value(index, expr, inputs):
                return True
            try:
                value = reaching_value(index, expr)
            except Unknown:
                return False
            if value is None:
                return False
            expr = value
            continue
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Call)):
            return False
        layer = expr.func
        if keras_names.keras_layer_class(index.qualified(layer.func)) is None:
            return False
        if len(expr.args) != 1 or expr.args[0].star or expr.args[0].keyword:
            return False
        expr = expr.args[0].value
    return False


def _same_value(index: TreeIndex, read: cst.Name, inputs: cst.Name) -> bool:
    """Whether the read sees the value `inputs` (the model's argument) sees."""
    try:
        return reaching_value(index, read) is reaching_value(index, inputs)
    except Unknown:
        return False
