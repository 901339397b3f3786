"""Planning: one decision per step, run in the order of `STEPS` for every site.

    source in -> sites found (`find_sites`) -> each site planned by STEPS
    -> code out (`writing/`) -> verification on the result (`verify/`)

Each step reads the tree through `analysis.TreeIndex`, fills in its part of
the `Plan`, and raises `Skip` when the site must stay as it is; the first
skip ends the site's planning. The order matters: the layers `add()` brings
are known before the uses after completion are judged, and the uses decide
which `input_shape=` arguments stay before the input step reads them.

| step | decides | codes |
|---|---|---|
| binding.bind | how the model is bound | S2F107 S2F108 |
| constructor.read_constructor | the listed layers, name=, trainable= | S2F102 S2F109 |
| completion.complete | the add() layers, where Model(...) goes | S2F104 S2F109 |
| repeated_layers.check_repeats | no layer object held twice | S2F121 |
| uses.check_uses | later uses: rewrite or skip | S2F103 S2F105 S2F106 S2F117 |
| inputs.plan_input | where the input comes from | S2F101-S2F103 S2F109 S2F111-S2F113 S2F115 S2F116 |
| uses.caller_builds.check_caller_builds | a caller's build() only repeats the input | S2F103 |
| build_time_draws.check_draws | no layer's build() draws a seed at another time | S2F122 |
| mid_construction.check_reads | `output_shape` and `summary()` between the adds: the running tensor | S2F104 |
| model_arguments.check_model_arguments | name=/trainable= still mean the same | S2F109 |
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..diagnostics import SUBCLASS
from .binding import bind
from .build_time_draws import check_draws
from .completion import complete
from .constructor import read_constructor
from .inputs import plan_input
from .mid_construction import check_reads
from .model_arguments import check_model_arguments
from .repeated_layers import check_repeats
from .plan import CompletionKind, Form, Plan, Skip, diagnostic
from .uses import check_uses
from .uses.caller_builds import check_caller_builds

Step = Callable[[TreeIndex, Plan], None]

STEPS: tuple[Step, ...] = (
    bind,
    read_constructor,
    complete,
    check_repeats,
    check_uses,
    plan_input,
    check_caller_builds,
    check_draws,
    check_reads,
    check_model_arguments,
)


def find_sites(index: TreeIndex) -> list[Plan]:
    """Every `Sequential(...)` call and `Sequential` subclass, planned, in source order."""
    found: list[Plan] = []
    for node in index.candidates:
        if isinstance(node, cst.Call):
            family = keras_names.sequential_family(index.qualified(node.func))
            if family is not None:
                found.append(plan_site(index, node, family))
        elif isinstance(node, cst.ClassDef):
            for base in node.bases:
                if keras_names.sequential_family(index.qualified(base.value)):
                    found.append(_subclass(index, node))
                    break
    found.sort(key=lambda p: (p.line, p.column))
    return found


def plan_site(index: TreeIndex, call: cst.Call, family: str) -> Plan:
    """Run every step on one `Sequential(...)` call; a skip ends it with a diagnostic."""
    start = index.pos(call).start
    plan = Plan(
        call=call,
        target=None,
        scope=index.scope_name(call),
        form=Form.EXPRESSION,
        line=start.line,
        column=start.column,
        end_line=index.pos(call).end.line,
        family=family,
    )
    try:
        for step in STEPS:
            step(index, plan)
    except Skip as skip:
        plan.skips.append(diagnostic(index, plan, skip.code, skip.detail, skip.node))
        # A skip made in one step and raised from a deeper one is held by the
        # frames its traceback holds: a cycle that would keep the whole index
        # alive until the collector runs.
        skip.__traceback__ = skip.__context__ = None
        return plan
    plan.end_line = _end_line(index, plan)
    return plan


def _end_line(index: TreeIndex, plan: Plan) -> int:
    """The last line of the statements the site covers: the constructor to the last add/build."""
    node = plan.completion.node
    if plan.completion.kind is not CompletionKind.CONSTRUCTOR and node is not None:
        return index.pos(node).end.line
    return index.pos(plan.statement).end.line


def _subclass(index: TreeIndex, node: cst.ClassDef) -> Plan:
    start = index.pos(node).start
    plan = Plan(
        call=None,  # type: ignore[arg-type]
        target=node.name.value,
        scope=index.scope_name(node),
        form=Form.SUBCLASS,
        line=start.line,
        column=start.column,
        end_line=index.pos(node).end.line,
    )
    plan.skips.append(diagnostic(index, plan, SUBCLASS))
    return plan
