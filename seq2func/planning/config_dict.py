"""`Sequential(**config)` where `config` is a literal dict bound just before.

`Sequential(**{"layers": [...], "name": "x"})` is `Sequential(layers=[...],
name="x")` to Python. When the scope binds `config` once, to `dict(k=v,
...)` or to a `{"k": v}` literal with string keys, in the statement right
before the model's, and reads it nowhere else, its entries are the model's
arguments: the layers are made where the dict was, and nothing runs in
between, so the converted code makes them in the model's statement and the
dict's statement goes. Anything else stays S2F102. Fixtures:
`input_config_dict_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.references import references
from .plan import Plan


def unpacked_dict(
    index: TreeIndex, arg: cst.Arg
) -> tuple[cst.Assign, list[cst.Arg]] | None:
    """`**name` where `name = {...}` (or `dict(...)`) is its only binding, one
    target: that assignment and the dict's entries as keyword arguments."""
    if arg.star != "**" or not isinstance(arg.value, cst.Name):
        return None
    value = index.single_value(arg.value)
    if value is None:
        return None
    assign = index.parent(value)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    entries = dict_entries(index, value)
    return None if entries is None else (assign, entries)


def config_arguments(
    index: TreeIndex, plan: Plan, arg: cst.Arg
) -> list[cst.Arg] | None:
    """The dict's entries as keyword arguments, or None when they cannot be read."""
    found = unpacked_dict(index, arg)
    if found is None:
        return None
    assign, entries = found
    if not _just_before(index, plan, assign):
        return None
    name = arg.value.value
    target = assign.targets[0].target
    refs = references(index, name, plan.call, assign, index.scope_root(assign))
    if any(r.node is not arg.value and r.node is not target for r in refs):
        return None  # read elsewhere: the dict must stay
    plan.removed.append(assign)
    return entries


def dict_entries(index: TreeIndex, value: cst.BaseExpression) -> list[cst.Arg] | None:
    if isinstance(value, cst.Call):
        if not (isinstance(value.func, cst.Name) and value.func.value == "dict"):
            return None
        if "builtins.dict" not in index.qualified(value.func):
            return None  # a local `dict`
        if any(a.keyword is None or a.star for a in value.args):
            return None
        return list(value.args)
    if isinstance(value, cst.Dict):
        found = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None  # **other
            key = element.key
            if not isinstance(key, cst.SimpleString):
                return None
            text = key.evaluated_value
            if not isinstance(text, str) or not text.isidentifier():
                return None
            found.append(cst.Arg(value=element.value, keyword=cst.Name(text)))
        return found
    return None


def _just_before(index: TreeIndex, plan: Plan, assign: cst.Assign) -> bool:
    """The dict's statement is the one right before the model's, in the same block."""
    line = index.parent(assign)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return False
    block = plan.block
    if block is None or index.parent(line) is not block:
        return False
    body = list(block.body)
    position = body.index(line)
    return position + 1 < len(body) and body[position + 1] is plan.statement
