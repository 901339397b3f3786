"""In the worker: the sample both sides call the model on, chosen to exercise it."""

from __future__ import annotations

from .worker_model import _flatten
from .worker_probe import _first_line

_BATCH = 2
_LARGEST_OPEN = 1024  # the largest size tried for a None dimension
_MOST_ELEMENTS = 1 << 24  # and the largest sample, in elements


def _largest(value) -> int:
    if value is None:
        return 1
    if isinstance(value, (tuple, list)):
        return max((_largest(v) for v in value), default=1)
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def _all_layers(model) -> list:
    found = []
    for layer in getattr(model, "layers", ()):
        if getattr(layer, "layers", None):
            found.extend(_all_layers(layer))
        else:
            found.append(layer)
    return found


def _shortest_input(model) -> int:
    """The shortest length along a None axis that leaves every windowed layer an
    output of length 1 or more: walked back from the last layer, each
    convolution or pooling needs `(out - 1) * stride + window` (`same` and
    `causal` padding need `(out - 1) * stride + 1`)."""
    need = 1
    for layer in reversed(_all_layers(model)):
        window = getattr(layer, "kernel_size", None)
        if window is None:
            window = getattr(layer, "pool_size", None)
        if window is None:
            continue
        if "Transpose" in type(layer).__name__:
            continue  # a transposed convolution grows its input
        stride = _largest(getattr(layer, "strides", None) or window)
        dilation = _largest(getattr(layer, "dilation_rate", 1))
        padding = str(getattr(layer, "padding", "valid")).lower()
        span = (_largest(window) - 1) * dilation + 1 if padding == "valid" else 1
        need = (need - 1) * stride + span
    return need


def _random_sample(np, shape, dtype: str):
    rng = np.random.default_rng(0)
    if dtype in (
        "string",
        "str",
        "object",
    ):  # a StringLookup or TextVectorization input
        return rng.choice(np.array(["a", "b", "c"]), size=shape)
    if "int" in dtype:
        return rng.integers(0, 2, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(size=shape).astype(dtype)


def _output_shapes(keras, model, sample) -> list[tuple]:
    """The shape of every layer's output on `sample` (the model's own outputs
    when its layers cannot be read one by one, e.g. a layer used twice)."""
    import numpy as np

    try:
        outputs = [
            layer.output
            for layer in model.layers
            if type(layer).__name__ != "InputLayer"
        ]
        probe = keras.Model(model.inputs, outputs) if outputs else model
    except Exception:
        probe = model
    found = probe(sample, training=False)
    return [tuple(np.shape(value)) for value in _flatten(keras, found)]


def _reset_states(model) -> None:
    """Every call starts stateful layers from zero: the converted side calls its
    model twice (before and after loading the original's weights), and
    choosing a sample may have called the original."""
    for layer in _all_layers(model):
        if getattr(layer, "stateful", False):
            reset = getattr(layer, "reset_states", None) or getattr(
                layer, "reset_state", None
            )
            if reset is not None:
                reset()


def _choose_sample(keras, model, shape: list, dtype: str):
    """A sample for the model, and why none works when none does.

    The batch dimension is 2 when open. Other None dimensions start at the
    shortest length the layers' windows and strides allow (at least 8) and
    double until no layer's output has an empty dimension: a zero-length
    sequence makes a recurrent layer return whatever memory it was given, and
    the comparison would see noise.
    """
    import numpy as np

    batch = _BATCH if shape[0] is None else int(shape[0])
    fixed = [batch, *(None if d is None else int(d) for d in shape[1:])]
    if all(d is not None for d in fixed):
        return _random_sample(np, fixed, dtype), None
    size = max(8, _shortest_input(model))
    problem = None
    while True:
        concrete = [size if d is None else int(d) for d in fixed]
        sample = _random_sample(np, concrete, dtype)
        try:
            shapes = _output_shapes(keras, model, sample)
        except Exception as error:  # a window longer than the input, say
            problem = f"{type(error).__name__}: {_first_line(error)}"
        else:
            empty = next((s for s in shapes if 0 in s), None)
            if empty is None:
                _reset_states(model)
                return sample, None
            problem = f"a layer's output {empty} is empty"
        if size >= _LARGEST_OPEN or int(np.prod(concrete)) * 2 > _MOST_ELEMENTS:
            _reset_states(model)
            return sample, (
                f"no size up to {size} for the None dimensions of {tuple(shape)} "
                f"gives every layer a non-empty output ({problem})"
            )
        size *= 2
