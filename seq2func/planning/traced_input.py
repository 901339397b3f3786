"""Late input source: the input runs of the program built the model with (`seq2func trace`).

A model with no input in its code is built by its first `fit`, `predict` or
call, on data only a run knows. `seq2func trace` records that input per
site; a record applies only to code that is what it was when traced.

- One input, agreed on by every recorded build but for the batch size: it
  becomes `keras.Input(shape=..., dtype=...)` with the dtype Keras gave the
  InputLayer (S2F208). The batch size a deferred Keras 3 build keeps is not
  written: the converted model's is `None`, an expected difference.
- Builds that differ in anything but the batch dimension (S2F118): the
  input is never hard-coded to one of them.
- A list or dict input, or a build where Keras made no InputLayer (S2F120).
- Records of this file or cell, but none of its current content (S2F119):
  trace again.

Fixtures: none (a trace store is runtime state); tests: `test_trace_convert.py`.
"""

from __future__ import annotations

from ..analysis.index import TreeIndex
from ..diagnostics import (
    INPUT_FROM_TRACE,
    STALE_TRACE,
    TRACED_INPUT_NOT_CONVERTIBLE,
    VARYING_TRACED_INPUT,
)
from ..trace.lookup import (
    NotConvertible,
    StaleTrace,
    VaryingInput,
    input_arguments,
    note_detail,
    stale_detail,
    varying_detail,
)
from .plan import Application, InputSource, InputSpec, Plan, Skip, diagnostic


def traced_input(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    if index.traces is None:
        return None
    found = index.traces.lookup(plan.line, plan.column)
    if found is None:
        return None
    if isinstance(found, StaleTrace):
        raise Skip(STALE_TRACE, f" ({stale_detail(found)})", skip.node)
    if isinstance(found, VaryingInput):
        raise Skip(VARYING_TRACED_INPUT, f" ({varying_detail(found)})", skip.node)
    arguments = input_arguments(found)
    if isinstance(arguments, NotConvertible):
        raise Skip(TRACED_INPUT_NOT_CONVERTIBLE, f" ({arguments.reason})", skip.node)
    plan.notes.append(diagnostic(index, plan, INPUT_FROM_TRACE, note_detail(found)))
    return InputSpec(InputSource.TRACE, arguments=arguments.text)
