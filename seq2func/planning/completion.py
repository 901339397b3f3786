"""Step: where the model is complete: its `add(...)` calls and a `build(shape)`.

Keras adds layers one by one and builds the model when its input is known;
the Functional model exists only once, after the last layer. So each
`model.add(layer)` statement in the site's block becomes `x = layer(x)` in
place, `Model(...)` is written after the last of them (or in place of a
`build()` it folds), and nothing may use the incomplete model in between.
A statement sharing the last `add`'s line after it (`model.add(d);
model.compile()`) runs on the complete model: `Model(...)` goes between
them. Which uses are this model's at all is `owned_uses`'s to say; a read
of `output_shape` between the adds is `mid_construction`'s.

Raises S2F104 (the model is used before its last `add`, or before a later
`build()`), and S2F109 (an `add()` whose argument cannot be read). Leaves
the uses after completion to the `uses` step. Fixtures: `form_add_*`,
`form_control_flow`, `form_semicolons`, `input_build_*`,
`safety_used_before_build`,
`safety_output_shape_in_add`, `comments_on_add_lines`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.nodes import DEFERRED
from ..analysis.references import Ref, references
from ..diagnostics import AMBIGUOUS_ARGUMENTS, USED_BEFORE_COMPLETE
from .mid_construction import take_reads
from .owned_uses import owned_uses
from .plan import Application, Completion, CompletionKind, Form, Plan, Skip


def complete(index: TreeIndex, plan: Plan) -> None:
    if plan.form is Form.RETURN:
        return  # returned at once: nothing in this scope can add to it
    assert plan.target is not None and plan.scope_node is not None
    refs = references(index, plan.target, plan.call, plan.small, plan.scope_node)
    owned = owned_uses(index, plan, refs)
    rest = _take_adds(index, plan, owned.live)
    rest = _take_build(index, plan, rest)
    _check_shared_before_complete(index, plan, owned.shared)
    plan.later_uses = rest
    plan.shared_uses = owned.shared
    plan.deferred_uses = owned.deferred


def describe(index: TreeIndex, ref: Ref) -> str:
    """The statement a use sits in, as a message quotes it."""
    statement = index.enclosing_small(ref.node)
    if statement is None:
        return f"line {ref.line}"
    text = index.code(statement).strip().splitlines()[0].rstrip(";").rstrip()
    return f"`{text}` on line {ref.line}"


def method_call(index: TreeIndex, ref: Ref, name: str) -> cst.Call | None:
    """The call when `ref` is `model.<name>(...)`."""
    attribute = index.parent(ref.node)
    if not (isinstance(attribute, cst.Attribute) and attribute.value is ref.node):
        return None
    if attribute.attr.value != name:
        return None
    call = index.parent(attribute)
    if isinstance(call, cst.Call) and call.func is attribute:
        return call
    return None


def _take_adds(index: TreeIndex, plan: Plan, live: list[Ref]) -> list[Ref]:
    """Append the `add(...)` layers; the uses after the statement holding the last one."""
    adds = [r for r in live if _consumable(index, plan, r, "add")]
    if not adds:
        return live
    joined = [(plan.small, app) for app in plan.applications]
    completion_stmt = index.top_statement(adds[-1].node, plan.block)
    for ref in adds:
        call = index.parent(index.parent(ref.node))
        small = index.parent(call)
        line = index.parent(small)
        argument = _add_argument(index, call)
        plan.applications.append(
            Application(
                expr=argument,
                top_level=index.parent(line) is plan.block,
                small=small,
                line=line,
            )
        )
        for _, text in index.comments_in(call, [argument]):
            plan.applications[-1].leading_comments.append(text)
        joined.append((small, plan.applications[-1]))
    plan.form = Form.ADD
    if index.parent(completion_stmt) is plan.block and isinstance(
        completion_stmt, cst.SimpleStatementLine
    ):
        plan.completion = Completion(CompletionKind.LINE, completion_stmt)
    else:
        plan.completion = Completion(CompletionKind.AFTER, completion_stmt)
    done = _completed_at(index, plan, adds[-1])
    before = [r for r in live if r not in adds and r.start <= done]
    before = take_reads(index, plan, before, joined, describe)
    if before:
        raise Skip(
            USED_BEFORE_COMPLETE, f": {describe(index, before[0])}", before[0].node
        )
    return [r for r in live if r.start > done]


def _completed_at(index: TreeIndex, plan: Plan, last_add: Ref) -> tuple[int, int]:
    """Where the model is complete: the end of the last `add(...)` statement itself
    when it is a line of the site's block (`model.add(d); model.compile()` uses the
    complete model), else the end of the compound statement that holds it."""
    node = plan.completion.node
    if plan.completion.kind is CompletionKind.LINE:
        node = index.enclosing_small(last_add.node)
    end = index.pos(node).end  # type: ignore[arg-type]
    return (end.line, end.column)


def _check_shared_before_complete(
    index: TreeIndex, plan: Plan, shared: list[Ref]
) -> None:
    """A use between the constructor and the last `add` that may read this model."""
    start = index.pos(plan.small).end
    if plan.completion.kind is CompletionKind.CONSTRUCTOR:
        return
    end = index.pos(plan.completion.node).end  # type: ignore[arg-type]
    early = [
        r
        for r in shared
        if (start.line, start.column) < r.start <= (end.line, end.column)
    ]
    if early:
        raise Skip(
            USED_BEFORE_COMPLETE, f": {describe(index, early[0])}", early[0].node
        )


def _take_build(index: TreeIndex, plan: Plan, rest: list[Ref]) -> list[Ref]:
    """A `build(shape)` right after completion is folded into the Input; a later one is not."""
    if (
        rest
        and _consumable(index, plan, rest[0], "build")
        and _is_top_level(index, plan, rest[0])
    ):
        build_call = index.parent(index.parent(rest[0].node))
        plan.completion = Completion(CompletionKind.BUILD, index.parent(build_call))
        plan.build_call = build_call
        rest = rest[1:]
    late_build = next(
        (
            r
            for r in rest
            if _consumable(index, plan, r, "build") and _is_top_level(index, plan, r)
        ),
        None,
    )
    if late_build is not None and plan.completion.kind is not CompletionKind.BUILD:
        first_use = rest[0]
        raise Skip(
            USED_BEFORE_COMPLETE,
            f": {describe(index, first_use)} runs before build() on line {late_build.line}",
            first_use.node,
        )
    return rest


def _consumable(index: TreeIndex, plan: Plan, ref: Ref, method: str) -> bool:
    """`model.add(layer)` / `model.build(shape)` as a statement of its own in the site's block."""
    call = method_call(index, ref, method)
    if call is None:
        return False
    small = index.parent(call)
    if not (isinstance(small, cst.Expr) and small.value is call):
        return False
    line = index.parent(small)
    if not isinstance(line, cst.SimpleStatementLine):
        return False
    for a in index.ancestors(line):
        if a is plan.block:
            return True
        if isinstance(a, DEFERRED):
            return False
    return False


def _is_top_level(index: TreeIndex, plan: Plan, ref: Ref) -> bool:
    line = index.parent(index.parent(index.parent(index.parent(ref.node))))
    return index.parent(line) is plan.block


def _add_argument(index: TreeIndex, call: cst.Call) -> cst.BaseExpression:
    args = call.args
    if (
        len(args) != 1
        or args[0].star
        or (args[0].keyword is not None and args[0].keyword.value != "layer")
    ):
        raise Skip(AMBIGUOUS_ARGUMENTS, f": `{index.code(call)}`", call)
    return args[0].value
