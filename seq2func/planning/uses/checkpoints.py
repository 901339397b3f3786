"""The model tracked by a TensorFlow object checkpoint: `tf.train.Checkpoint(generator=model)`.

A `tf.train.Checkpoint` (TensorFlow's DCGAN tutorial saves and restores its
generator and discriminator this way) keys each variable by the path of
attributes that reaches it. Measured on Keras 3.15 with TensorFlow 2.21: a
Sequential's variables sit under `generator._functional._operations.N`, a
Functional model's elsewhere, so a checkpoint the original wrote (files on
disk from past training) restores nothing into the converted model, and
`checkpoint.restore(...)` says so only in a warning: training goes on from
fresh weights. The model stays a Sequential (S2F106). Keras 2 (tf_keras)
keys both forms alike, but a file cannot promise which Keras reads it.
Fixtures: `safety_tracked_by_checkpoint`, `safety_returned_tracked_by_checkpoint`.
"""

from __future__ import annotations

import re

from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Skip
from .base import Effects, Use

# `tf.train.Checkpoint`, `tf.compat.v1.train.Checkpoint`, `tensorflow.train...`.
_CHECKPOINT = re.compile(r"(^|\.)train\.Checkpoint$")


def tracked_by_checkpoint(use: Use, effects: Effects) -> None:
    found = use.call_with_argument
    if found is None:
        return
    call, _ = found
    if not any(_CHECKPOINT.search(name) for name in use.index.qualified(call.func)):
        return
    raise Skip(
        SEQUENTIAL_SEMANTICS,
        f" (tracked by `{use.index.code(call.func)}` on line {use.line}: a checkpoint"
        " the original wrote keys its variables by the Sequential's own attributes)",
        call,
    )
