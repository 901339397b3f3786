"""Hypothesis strategies that write whole Sequential programs, the way users write them."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# (imports, how to spell Sequential, the layers module, Input, InputLayer)
SPELLINGS = [
    (
        "import keras",
        "keras.Sequential",
        "keras.layers",
        "keras.Input",
        "keras.layers.InputLayer",
    ),
    (
        "import keras\nfrom keras import layers",
        "keras.Sequential",
        "layers",
        "keras.Input",
        "layers.InputLayer",
    ),
    (
        "from keras.models import Sequential\nfrom keras import layers",
        "Sequential",
        "layers",
        None,
        "layers.InputLayer",
    ),
    (
        "import tensorflow as tf",
        "tf.keras.Sequential",
        "tf.keras.layers",
        "tf.keras.Input",
        "tf.keras.layers.InputLayer",
    ),
    (
        "from tensorflow.keras import layers, models",
        "models.Sequential",
        "layers",
        "layers.Input",
        "layers.InputLayer",
    ),
    (
        "import tensorflow.keras as K",
        "K.models.Sequential",
        "K.layers",
        "K.Input",
        "K.layers.InputLayer",
    ),
]


@dataclass(frozen=True)
class Program:
    source: str
    in_function: bool
    checks: tuple[str, ...]  # names whose values must be the same after conversion


def _layer(draw, mod: str, first_shape: str | None) -> str:
    kind = draw(
        st.sampled_from(
            ["dense", "dense", "dropout", "activation", "norm", "batchnorm"]
        )
    )
    extra = f", input_shape={first_shape}" if first_shape else ""
    if kind == "dense":
        units = draw(st.integers(1, 6))
        activation = draw(
            st.sampled_from(["", ', activation="relu"', ', activation="tanh"'])
        )
        return f"{mod}.Dense({units}{activation}{extra})"
    if kind == "dropout":
        return f"{mod}.Dropout({draw(st.sampled_from(['0.1', '0.5']))}{extra})"
    if kind == "activation":
        return f'{mod}.Activation("sigmoid"{extra})'
    if kind == "norm":
        return f"{mod}.LayerNormalization({extra.lstrip(', ')})"
    return f"{mod}.BatchNormalization({extra.lstrip(', ')})"


INPUT_KINDS = ("input_shape", "input_dim", "Input", "InputLayer", "build")


@st.composite
def programs(draw, input_kind: str | None = None) -> Program:
    """A Sequential program; `input_kind` (one of `INPUT_KINDS`) fixes where its
    input comes from."""
    imports, seq, mod, inp, input_layer = draw(st.sampled_from(SPELLINGS))
    features = draw(st.integers(1, 6))
    count = draw(st.integers(1, 4))
    if input_kind is None:
        input_kind = draw(st.sampled_from(INPUT_KINDS))
    if input_kind == "Input" and inp is None:
        input_kind = "input_shape"
    form = draw(st.sampled_from(["list", "add", "mixed"]))
    wrap = draw(st.sampled_from([None, "for", "if", "with"]))
    clash = draw(st.booleans())
    later = draw(st.booleans())
    in_function = draw(st.booleans())

    first_shape = f"({features},)" if input_kind == "input_shape" else None
    layers = []
    for index in range(count):
        text = _layer(draw, mod, first_shape if index == 0 else None)
        if index == 0 and input_kind == "input_dim":
            text = f"{mod}.Dense({draw(st.integers(1, 6))}, input_dim={features})"
        layers.append(text)
    head = []
    if input_kind == "Input":
        head = [f"{inp}(shape=({features},))"]
    elif input_kind == "InputLayer":
        head = [f"{input_layer}(shape=({features},))"]

    body: list[str] = []
    if clash:
        body += ["x = 7", 'inputs = "mine"', "outputs = [1, 2]"]
    split = (
        0
        if form == "add"
        else (len(layers) if form == "list" else len(layers) // 2 + 1)
    )
    listed = head + layers[:split] if form != "add" else []
    added = layers[split:] if form != "add" else head + layers
    body.append(
        f"model = {seq}([{', '.join(listed)}])" if listed else f"model = {seq}()"
    )
    for index, layer in enumerate(added):
        statement = f"model.add({layer})"
        # Only later layers go in a block: the first one must stay visible.
        if wrap and index == len(added) - 1 and (listed or index > 0):
            if wrap == "for":
                body += ["for _ in range(1):", f"    {statement}"]
            elif wrap == "if":
                body += ["if True:", f"    {statement}"]
            else:
                body += ["with contextlib.nullcontext():", f"    {statement}"]
        else:
            body.append(statement)
    if input_kind == "build":
        body.append(f"model.build((None, {features}))")
    checks = []
    if later:
        body += ["first_name = model.layers[0].name", "layer_count = len(model.layers)"]
        checks += ["first_name", "layer_count"]
    if clash:
        body.append("mine = (x, inputs, outputs)")
        checks.append("mine")
    lines = ["import contextlib", imports, ""]
    if in_function:
        lines.append("def build():")
        lines += ["    " + line for line in body]
        lines.append("    return model")
        lines.append("")
        lines.append("model = build()")
    else:
        lines += body
    return Program(
        "\n".join(lines) + "\n", in_function, tuple(checks) if not in_function else ()
    )
