"""Step: every use of the model after it is complete, checked by the rule for its kind.

A Functional model answers some questions differently from the Sequential it
replaces (`model.layers[0]`, `isinstance(model, Sequential)`, `model._layers`).
Each later use is dispatched, by the attribute it reads, to the rules in this
package (one file per family of use); a use of the model as a value (passed,
copied, called) goes through `VALUE_RULES` in order. A rule either leaves the
use alone, plans a rewrite that keeps its meaning (in `Effects`), or raises
`Skip`. A model its function returns is judged by its callers' uses too
(`returned`). Rules never change the plan themselves: a use inside a function may
run at any time, and one after a rebinding in a branch or a loop may read
another model of the same name (`owned_uses`), so a rewrite there cannot be
trusted, and its effects are refused (S2F106) instead of applied.

To add a rule for a new kind of use: write a module here with a function
`rule(use: Use, effects: Effects) -> None`, register it in `ATTRIBUTE_RULES`
(by attribute name) or `VALUE_RULES`, and add fixtures (CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Callable

from ...analysis.index import TreeIndex
from ...analysis.watched_names import CALLBACK_ATTRIBUTES
from ...analysis.references import Ref
from ...diagnostics import CHANGED_AFTER_COMPLETE, SEQUENTIAL_SEMANTICS
from ..plan import Form, Plan, Skip
from . import (
    checkpoints,
    copies,
    layers,
    mutation,
    private_state,
    reached_elsewhere,
    returned,
    serialization,
    type_tests,
    used_as_layer,
)
from .base import Effects, Use

Rule = Callable[[Use, Effects], None]

# `model.<name>`: the rules for each attribute, run in order.
ATTRIBUTE_RULES: dict[str, tuple[Rule, ...]] = {
    **{name: (mutation.changed_after_complete,) for name in mutation.MUTATORS},
    "layers": (layers.hands_out_layers, layers.rewrite_layers),
    "get_layer": (layers.hands_out_layers, layers.get_layer_by_index),
    **{name: (serialization.serialized,) for name in serialization.SERIALIZERS},
    "__class__": (type_tests.class_attribute,),
    **{name: (reached_elsewhere.handed_to_callbacks,) for name in CALLBACK_ATTRIBUTES},
}
# `model._<name>`: private state (only Sequential's own counts).
PRIVATE_RULES: tuple[Rule, ...] = (private_state.sequential_state,)
# The model as a value: called, passed, stored, tested.
VALUE_RULES: tuple[Rule, ...] = (
    used_as_layer.used_as_layer_later,
    checkpoints.tracked_by_checkpoint,
    copies.through_copies,
    serialization.serialized_by_call,
    type_tests.type_test,
    mutation.escapes,
    reached_elsewhere.stored_away,
)


def rules_for(use: Use) -> tuple[Rule, ...]:
    """The rules that judge one use."""
    name = use.attribute_name
    if name is None:
        return VALUE_RULES
    if name in ATTRIBUTE_RULES:
        return ATTRIBUTE_RULES[name]
    if name.startswith("_"):
        return PRIVATE_RULES
    return ()


def effects_of(use: Use) -> Effects:
    """What the use needs for its meaning to survive; raises `Skip` when nothing can."""
    effects = Effects()
    for rule in rules_for(use):
        rule(use, effects)
    return effects


def check_uses(index: TreeIndex, plan: Plan) -> None:
    returned.check_callers(index, plan, effects_of)
    if plan.form is Form.RETURN:
        return  # returned at once: its uses are the callers', judged above
    for ref in plan.later_uses:
        effects_of(Use(index, plan, ref)).apply_to(plan)
    for ref in plan.shared_uses:
        _check_unsure_use(index, plan, ref, shared=True)
    for ref in plan.deferred_uses:
        _check_unsure_use(index, plan, ref, shared=False)
    copies.check_round_trip(index, plan)


def _check_unsure_use(index: TreeIndex, plan: Plan, ref: Ref, shared: bool) -> None:
    """A use that may run at any time (in a function), or read another model bound
    to the same name (after a rebinding in a branch or a loop): nothing there can
    be rewritten for this model alone."""
    if ref.rebinds:
        return
    use = Use(index, plan, ref)
    read = index.code(use.attribute or ref.node)
    if shared:
        where = f"`{read}` on line {ref.line} may read another model bound to `{plan.target}`"
    else:
        where = f"in a function on line {ref.line}"
    if use.attribute_name in ("add", "pop"):
        detail = f" ({where})" if shared else f" ({use.attribute_name}() {where})"
        raise Skip(CHANGED_AFTER_COMPLETE, detail, ref.node)
    effects = effects_of(use)
    if effects.rewrites:
        raise Skip(SEQUENTIAL_SEMANTICS, f" ({where})", ref.node)
    effects.apply_to(plan)
