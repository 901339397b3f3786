"""What the trace store says, written out: for messages, reports and `keras.Input(...)`."""

from __future__ import annotations

import time
from collections.abc import Sequence

from .found import (
    Dimension,
    InputArguments,
    NotConvertible,
    StaleTrace,
    TracedInput,
    TraceOrigin,
    VaryingInput,
)


def shape_text(shape: Sequence[Dimension]) -> str:
    """A shape as Python writes a tuple: `(784,)`, `(None, 28, 28)`, `()`."""
    items = ["None" if d is None else str(d) for d in shape]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def leaf_text(
    shape: Sequence[Dimension], dtype: str | None, sparse: bool, ragged: bool
) -> str:
    text = f"{shape_text(shape)} {dtype or 'no InputLayer'}"
    if sparse:
        text += " sparse"
    if ragged:
        text += " ragged"
    return text


def input_text(traced: TracedInput) -> str:
    """The recorded input, batch dimension as None: `(None, 784) float32`."""
    if traced.structure == "tensor":
        leaf = traced.leaves[0]
        return leaf_text((None, *leaf.shape), leaf.dtype, leaf.sparse, leaf.ragged)
    inner = ", ".join(
        (f"{leaf.key!r}: " if traced.structure == "dict" else "")
        + leaf_text((None, *leaf.shape), leaf.dtype, leaf.sparse, leaf.ragged)
        for leaf in traced.leaves
    )
    return "{" + inner + "}" if traced.structure == "dict" else "[" + inner + "]"


def input_arguments(traced: TracedInput) -> InputArguments | NotConvertible:
    """The arguments of `keras.Input(...)` for a traced input, or why there are none.

    The dtype is always written: it is the one Keras gave the InputLayer,
    which is not always the default (`build()` takes the first layer's
    compute dtype). A model fed a list or a dict gets no InputLayer from a
    Sequential (Keras runs its layers one by one), so no single
    `keras.Input` reproduces it.
    """
    if traced.structure != "tensor":
        keys_ = ", ".join(repr(leaf.key) for leaf in traced.leaves)
        what = "dict" if traced.structure == "dict" else "list"
        return NotConvertible(
            f"the model was built with a {what} of {len(traced.leaves)} inputs "
            f"({keys_}), for which a Sequential makes no InputLayer"
        )
    leaf = traced.leaves[0]
    if leaf.dtype is None:
        return NotConvertible("Keras made no InputLayer when it built the model")
    text = f'shape={shape_text(leaf.shape)}, dtype="{leaf.dtype}"'
    if leaf.sparse:
        text += ", sparse=True"
    if leaf.ragged:
        text += ", ragged=True"
    return InputArguments(text)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def note_detail(traced: TracedInput) -> str:
    """`input (None, 784) float32 recorded from 2 builds in 1 run`, for the S2F208 note."""
    return (
        f"input {input_text(traced)} recorded from {_count(traced.builds, 'build')} "
        f"in {_count(traced.runs, 'run')}"
    )


def varying_detail(varying: VaryingInput) -> str:
    """What a site was built with, for the S2F118 skip: `(None, 784) float32 in 1 run; (None, 20) float32 in 1 run`."""
    return "; ".join(
        f"{seen.text} in {_count(seen.runs, 'run')}" for seen in varying.seen
    )


def stale_detail(stale: StaleTrace) -> str:
    """For the S2F119 skip: when the unit was last traced, in its earlier content."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(stale.last_traced))
    what = "the cell" if stale.cell is not None else "the file"
    return f"{what} changed since it was traced on {when}"


def origin_text(origin: TraceOrigin) -> str:
    """One line for a report: `2 builds by fit in `python train.py` (2025-01-31 14:02)`."""
    text = f"{_count(origin.builds, 'build')} by {', '.join(origin.calls)}"
    if origin.command:
        text += f" in `{origin.command}`"
    if origin.started:
        text += time.strftime(" (%Y-%m-%d %H:%M)", time.localtime(origin.started))
    return text
