"""A model used as a layer of another that owns no weights is converted all the same (S2F221).

S2F117 exists because Keras 3 weight files key a nested model by its class
(`layers/sequential/...`, `layers/functional/...`). A model whose every
layer is one of `WEIGHTLESS_LAYERS` (a data-augmentation block: RandomFlip,
RandomRotation, Rescaling...) has nothing under that key, so converting it
loses no weight. It changes the keys of the outer model's other sub-models,
though: the key counts the classes in layer order (`sequential`,
`sequential_1`, `functional`...), so a Sequential or Functional sub-model
after it in the same outer model would move. The inner model is converted
only when nothing after it may be a model with weights (`outer_keys_move`):
built-in layers, merge functions (`layers.add`), an application's
`preprocess_input`, and Sequential models of weightless layers are fine.

Measured on Keras 3.15.1: `outer = Sequential([Input((8, 8, 3)), inner,
Conv2D, Flatten, Dense])` saved with `save_weights("w.weights.h5")` loads into
the same outer built with a Functional `inner` (RandomFlip, RandomRotation,
Rescaling, or Rescaling/Flatten/Reshape) with outputs equal to 0.0; the
file holds `layers/sequential/layers/random_flip/vars` with no arrays (a
random layer's seed state is not saved). With a Sequential with weights
after the inner one the load fails ("Layer 'conv2d' expected 2 variables,
but received 0"). In functional code, a converted weightless model followed by a
weightless Sequential, `keras.applications.vgg16.preprocess_input` (plain
operations, no layer) and `layers.add` (an `Add` layer) loads too. tf_keras 2.21 `.h5` files load by layer order and name,
not class: both load. The classes below were built on an input on Keras
3.15.1 and tf_keras 2.21; each had `len(layer.weights) == 0` (random layers
hold a seed-generator state variable, which weight files do not store).
`Lambda` (it may capture variables), `PReLU`, normalization and lookup
layers are not in the list. Fixtures: `later_weightless_*`.
"""

from __future__ import annotations

import re
from typing import Final

import libcst as cst

from ...analysis import keras_names
from ...analysis.index import TreeIndex, WholeFileNeeded
from ...analysis.symbolic import is_symbolic
from ..plan import Plan

WEIGHTLESS_LAYERS: Final = frozenset(
    {
        # Data augmentation (Keras 3 and 2)
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomCrop",
        "RandomHeight",
        "RandomWidth",
        "RandomShear",
        "RandomHue",
        "RandomSaturation",
        "RandomGrayscale",
        "RandomColorJitter",
        "RandomColorDegeneration",
        "RandomSharpness",
        "RandomPosterization",
        "RandomInvert",
        "RandomErasing",
        "RandomGaussianBlur",
        "RandomPerspective",
        "RandomElasticTransform",
        "Solarization",
        "AutoContrast",
        "Equalization",
        "AugMix",
        "RandAugment",
        "CutMix",
        "MixUp",
        # Image preprocessing
        "Rescaling",
        "Resizing",
        "CenterCrop",
        # Reshaping
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        *(f"{kind}{d}D" for kind in ("Cropping", "ZeroPadding") for d in (1, 2, 3)),
        *(f"UpSampling{d}D" for d in (1, 2, 3)),
        # Pooling
        *(
            f"{kind}{d}D"
            for kind in (
                "MaxPooling",
                "AveragePooling",
                "MaxPool",
                "AvgPool",
                "GlobalMaxPooling",
                "GlobalAveragePooling",
                "GlobalMaxPool",
                "GlobalAvgPool",
            )
            for d in (1, 2, 3)
        ),
        # Activations
        "Activation",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Softmax",
        "ThresholdedReLU",
        # Regularization and noise
        "Dropout",
        *(f"SpatialDropout{d}D" for d in (1, 2, 3)),
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        "Identity",
        "Masking",
        "UnitNormalization",
    }
)


# Functions called on tensors that make no model: the merge layers' functional
# forms (`layers.add([x, y])` makes an `Add` layer) and an application's
# `preprocess_input` (plain operations on the tensor).
_NO_MODEL_FUNCTIONS = re.compile(
    r"^(src\.)?(layers(\.[a-z_0-9]+)*\."
    r"(add|subtract|multiply|average|maximum|minimum|concatenate|dot)"
    r"|applications(\.[a-z_0-9]+)*\.preprocess_input)$"
)


def owns_no_weights(index: TreeIndex, plan: Plan) -> bool:
    """Whether every layer of the model is an Input or a layer of `WEIGHTLESS_LAYERS`."""
    return bool(plan.applications) and all(
        _weightless(index, app.expr) for app in plan.applications
    )


def _weightless(index: TreeIndex, expr: cst.BaseExpression) -> bool:
    call = expr if isinstance(expr, cst.Call) else index.single_assignment(expr)
    if call is None:
        return False
    qualified = index.qualified(call.func)
    if keras_names.is_input(qualified) or keras_names.is_input_layer(qualified):
        return True
    return keras_names.keras_layer_class(qualified) in WEIGHTLESS_LAYERS


def outer_keys_move(index: TreeIndex, plan: Plan, node: cst.CSTNode) -> str | None:
    """Why converting the model used as a layer at `node` could move the weight-file
    keys of the outer model's other sub-models; None when nothing after it can be
    a model."""
    parent = index.parent(node)
    if isinstance(parent, cst.Element):
        display = index.parent(parent)
        arg = index.parent(display)
        call = index.parent(arg)
        if (
            isinstance(display, (cst.List, cst.Tuple))
            and isinstance(arg, cst.Arg)
            and isinstance(call, cst.Call)
            and keras_names.sequential_family(index.qualified(call.func))
        ):
            values = [e.value for e in display.elements]
            position = next(i for i, v in enumerate(values) if v is node)
            return _first_not_plain(index, values[position + 1 :])
    if isinstance(parent, cst.Arg):
        call = index.parent(parent)
        if isinstance(call, cst.Call) and call.func is not node:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "add":
                return _first_not_plain(index, _later_adds(index, call))
            return f"it is handed to `{index.code(call.func)}`"
    if isinstance(parent, cst.Call) and parent.func is node:
        return _later_symbolic_call(index, plan, parent)
    return "the model it is a layer of cannot be seen"


def _first_not_plain(index: TreeIndex, exprs: list[cst.BaseExpression]) -> str | None:
    for expr in exprs:
        call = expr if isinstance(expr, cst.Call) else index.single_assignment(expr)
        if call is None or not (
            keras_names.keras_layer_class(index.qualified(call.func))
            or _weightless_sequential(index, call)
        ):
            return f"`{index.code(expr)}` after it may be a model with weights"
    return None


def _weightless_sequential(index: TreeIndex, call: cst.Call) -> bool:
    """`Sequential([...])` of weightless layers: its key may move, it holds nothing."""
    if not keras_names.sequential_family(index.qualified(call.func)):
        return False
    listed = next(
        (
            a.value
            for a in call.args
            if a.keyword is None or a.keyword.value == "layers"
        ),
        None,
    )
    return (
        isinstance(listed, (cst.List, cst.Tuple))
        and bool(listed.elements)
        and all(
            isinstance(e, cst.Element) and _weightless(index, e.value)
            for e in listed.elements
        )
    )


def _later_adds(index: TreeIndex, add_call: cst.Call) -> list[cst.BaseExpression]:
    """The layers later `add()` calls on the same outer model add."""
    owner = index.code(add_call.func.value)  # type: ignore[attr-defined]
    start = index.pos(add_call).end
    found = []
    for attribute in index.attributes.get("add", []):
        call = index.parent(attribute)
        if not (isinstance(call, cst.Call) and call.func is attribute and call.args):
            continue
        if index.code(attribute.value) != owner or not index.known(attribute):
            continue
        if index.pos(call).start.line > start.line or (
            index.pos(call).start.line == start.line
            and index.pos(call).start.column >= start.column
        ):
            found.append(call.args[0].value)
    return found


def _later_symbolic_call(index: TreeIndex, plan: Plan, call: cst.Call) -> str | None:
    """In functional code, a later call on a tensor that may be a model's."""
    if index.narrowed:
        # The outer model's graph may run through statements narrowing left out.
        raise WholeFileNeeded
    root = index.scope_root(call)
    start = index.pos(call).end
    for node in index.walk(root):
        if not isinstance(node, cst.Call) or node is call:
            continue
        where = index.pos(node).start
        if (where.line, where.column) < (start.line, start.column):
            continue
        if not any(is_symbolic(index, a.value) for a in node.args):
            continue
        if _plain_call(index, plan, node):
            continue
        return f"`{index.code(node.func)}` is called on a tensor after it"
    return None


def _plain_call(index: TreeIndex, plan: Plan, call: cst.Call) -> bool:
    """A built-in layer, a merge function, `preprocess_input`, a weightless
    Sequential, the model itself again, or `keras.Model(...)`."""
    func = call.func
    if isinstance(func, cst.Name) and func.value == plan.target:
        return True
    qualified = index.qualified(func)
    if keras_names.is_model(qualified) or keras_names.is_input(qualified):
        return True
    for name in qualified:
        split = keras_names.split_family(name)
        if split is not None and _NO_MODEL_FUNCTIONS.match(split[1]):
            return True
    layer = func if isinstance(func, cst.Call) else index.single_assignment(func)
    if layer is None:
        return False
    return bool(
        keras_names.keras_layer_class(index.qualified(layer.func))
    ) or _weightless_sequential(index, layer)
