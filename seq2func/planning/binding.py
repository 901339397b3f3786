"""Step: how the model is bound (`target = Sequential(...)`, `return Sequential(...)`).

Raises S2F107 (a Sequential used as a layer of another model: it stays a
sub-model) and S2F108 (not bound to one name or attribute, or bound in a
class body, or to a name the function declares `global`/`nonlocal`: its
uses live outside the function). Fixtures: `form_nested_sequential`,
`safety_tuple_target`, `safety_global_target`,
`safety_class_body`, `form_method_attribute`, `form_function_return`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..diagnostics import NESTED, UNBOUND
from .plan import Form, Plan, Skip
from .uses.used_as_layer import used_as_layer


def bind(index: TreeIndex, plan: Plan) -> None:
    call = plan.call
    parent = index.parent(call)
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
        if isinstance(parent, cst.Assign) and len(parent.targets) != 1:
            raise Skip(UNBOUND, " (several targets)")
        target = (
            parent.targets[0].target
            if isinstance(parent, cst.Assign)
            else parent.target
        )
        if not isinstance(target, (cst.Name, cst.Attribute)):
            raise Skip(UNBOUND, f" (bound to {index.code(target)})")
        plan.target = index.code(target)
        plan.form = Form.LIST
        if isinstance(parent, cst.AnnAssign):
            plan.annotation = index.code(parent.annotation.annotation)
    elif isinstance(parent, cst.Return) and parent.value is call:
        plan.form = Form.RETURN
    else:
        if used_as_layer(index, call):
            plan.form = Form.NESTED
            raise Skip(NESTED)
        raise Skip(UNBOUND)

    plan.small = parent  # type: ignore[assignment]
    line = index.parent(parent)
    if not isinstance(line, cst.SimpleStatementLine):
        raise Skip(UNBOUND)
    plan.statement = line
    plan.block = index.parent(line)  # type: ignore[assignment]
    if isinstance(index.parent(plan.block), cst.ClassDef):
        raise Skip(UNBOUND, " (in a class body)")
    plan.scope_node = index.enclosing_function(call) or index.module
    name = plan.target
    if name and "." not in name and isinstance(plan.scope_node, cst.FunctionDef):
        statement = _declared_outer(index, plan.scope_node, name)
        if statement is not None:
            # The name is the module's (or an enclosing function's): its uses
            # there are not the function's, and would go unseen.
            raise Skip(
                UNBOUND,
                f" (`{index.code(statement).strip()}` on line"
                f" {index.line(statement)} binds it outside the function)",
            )


def _declared_outer(
    index: TreeIndex, function: cst.FunctionDef, name: str
) -> cst.Global | cst.Nonlocal | None:
    """The `global`/`nonlocal` statement of the function (not a nested one) naming `name`."""
    for node in index.walk(function.body):
        if isinstance(node, (cst.Global, cst.Nonlocal)) and any(
            n.name.value == name for n in node.names
        ):
            if index.enclosing_function(node) is function:
                return node
    return None
