"""Step: `name=`/`trainable=` still mean the same where `Model(...)` is written.

They are read when `Model(...)` is made, after the last `add()`, not when
`Sequential(...)` was called; a name they read must not change in between.
Raises S2F109. Fixtures: `form_name_and_trainable`,
`safety_name_changes_during_adds`.
"""

from __future__ import annotations

from ..analysis.index import TreeIndex
from ..diagnostics import AMBIGUOUS_ARGUMENTS
from .plan import CompletionKind, Plan, Skip


def check_model_arguments(index: TreeIndex, plan: Plan) -> None:
    node = plan.completion.node
    if plan.completion.kind is CompletionKind.CONSTRUCTOR or node is None:
        return
    for arg in plan.call.args:
        if arg.keyword is not None and arg.keyword.value in ("name", "trainable"):
            rebound = index.rebound_between(arg.value, plan.statement, node)
            if rebound:
                raise Skip(
                    AMBIGUOUS_ARGUMENTS,
                    f": {arg.keyword.value}= reads {rebound},"
                    " which changes before the last add()",
                    arg,
                )
