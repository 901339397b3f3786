"""The calls that build a model on data, and whether they surely run.

Shared by `first_build` (the site's own later uses) and `returned_model`
(the uses, in the callers, of a model a function returns): which use builds
the model and on which argument, how to quote it in a message, and whether
it runs for sure once a given block has run (not under an `if`, a `while`, a
comprehension or a conditional expression; a `with`, a `try` body and a
`for` that surely runs once, `nonempty_loops`, are fine; not when the block
itself is in a `try` with handlers or a `with suppress(...)`, where an
exception before the build leaves the original unbuilt). Fixtures:
`input_first_build_*`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.references import Ref
from .completion import method_call
from .first_batch import BUILDING_METHODS
from .nonempty_loops import loops_at_least_once

CALL = "__call__"
# Uses that neither build the model nor read anything a build would change.
HARMLESS = frozenset({"compile"})


@dataclass(frozen=True)
class BuildCall:
    call: cst.Call
    method: str  # one of BUILDING_METHODS, or "__call__"
    data: cst.BaseExpression
    quoted: str  # `model.fit(x, ...)`
    # `summary()` calls before it, which printed the model unbuilt: (quoted, call).
    unbuilt_displays: tuple[tuple[str, cst.Call], ...] = ()

    @property
    def line_text(self) -> str:
        return f"`{self.quoted}`"


def use_of(index: TreeIndex, ref: Ref) -> tuple[str | None, cst.Call | None]:
    """`("fit", call)` for `model.fit(...)`, `("__call__", call)` for `model(x)`."""
    parent = index.parent(ref.node)
    if isinstance(parent, cst.Call) and parent.func is ref.node:
        return CALL, parent
    if isinstance(parent, cst.Attribute) and parent.value is ref.node:
        name = parent.attr.value
        call = method_call(index, ref, name)
        if call is not None and (
            name in BUILDING_METHODS or name in HARMLESS or name == "summary"
        ):
            return name, call
    return None, None


def quote(index: TreeIndex, ref: Ref, method: str, call: cst.Call) -> str:
    head = (
        index.code(ref.node) if method == CALL else f"{index.code(ref.node)}.{method}"
    )
    first = " ".join(index.code(call.args[0].value).split()) if call.args else ""
    if len(first) > 40:
        first = first[:37] + "..."
    rest = ", ..." if len(call.args) > 1 else ""
    return f"{head}({first}{rest})"


def data_argument(call: cst.Call, method: str) -> cst.BaseExpression | None:
    if any(arg.star for arg in call.args):
        return None
    keyword = "inputs" if method == CALL else "x"
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if call.args and call.args[0].keyword is None:
        return call.args[0].value
    return None


def conditional(
    index: TreeIndex,
    block: cst.CSTNode | None,
    call: cst.CSTNode,
    site: cst.CSTNode | None = None,
) -> str | None:
    """Why the call may not run when `block` has (after `site`, a node of one
    of its statements), or None when it surely does."""
    if block is None:
        return "is not in the model's block"
    catching = _catching_around(index, block)
    if catching is not None:
        # An exception between the site and the build, handled there, leaves
        # the original unbuilt for the code after; the converted model is built.
        return (
            f"may be skipped: an exception before it is handled by"
            f" `{index.code(catching).split(':', 1)[0].strip()}` on line"
            f" {index.line(catching)}"
        )
    # Once the site has run, the code after the statements that hold it runs too.
    site_blocks = {block, *index.ancestors(block)}
    child: cst.CSTNode = call
    for a in index.ancestors(call):
        if a in site_blocks:
            return _exit_between(index, a, site, child)
        if isinstance(a, cst.IndentedBlock):
            exit_ = _exit_between(index, a, None, child)
            if exit_ is not None:
                return exit_
        if isinstance(a, cst.IfExp) and child is not a.test:
            return "is in a conditional expression"
        if isinstance(a, cst.BooleanOperation) and child is a.right:
            return "is in a boolean expression"
        if isinstance(a, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return "is in a comprehension"
        if isinstance(a, cst.BaseCompoundStatement) and not _runs_body(index, a, child):
            return f"is inside `{index.code(a).split(':', 1)[0].strip()}`"
        child = a
    return "is not in the model's block"


def _exit_between(
    index: TreeIndex, block: cst.CSTNode, site: cst.CSTNode | None, child: cst.CSTNode
) -> str | None:
    """A `break`, `continue`, `return` or `raise` in the block's statements
    before `child` (after the one holding `site`): a loop's next pass, or the
    code after, may see the model unbuilt."""
    body = list(getattr(block, "body", ()))
    if child not in body:
        return None
    start = 0
    if site is not None:
        holder = next((a for a in index.ancestors(site) if a in body), None)
        start = body.index(holder) + 1 if holder is not None else 0
    for statement in body[start : body.index(child)]:
        if exits(statement):
            return f"may be skipped: line {index.line(statement)} may end the block"
    return None


def exits(node: cst.CSTNode) -> bool:
    """Whether the code may leave the block it is in (or its loop's pass)."""
    if isinstance(node, (cst.Break, cst.Continue, cst.Return, cst.Raise)):
        return True
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False
    if isinstance(node, (cst.For, cst.While)):
        # Its own `break`s and `continue`s end its passes; its `else` is ours.
        return node.orelse is not None and exits(node.orelse)
    return any(exits(child) for child in node.children)


def _catching_around(index: TreeIndex, block: cst.CSTNode) -> cst.CSTNode | None:
    """A `try` with handlers, or a `with suppress(...)`/`assertRaises`, whose
    body holds the block, in the same function."""
    child = block
    for a in (block, *index.ancestors(block)):
        if isinstance(a, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Module)):
            return None
        if isinstance(a, cst.Try) and a.handlers and child is a.body:
            return a
        if isinstance(a, cst.With) and _catches(index, a):
            return a
        child = a
    return None


def _catches(index: TreeIndex, statement: cst.With) -> bool:
    for item in statement.items:
        call = item.item
        func = call.func if isinstance(call, cst.Call) else call
        name = index.code(func).rsplit(".", 1)[-1].lower()
        if any(word in name for word in _CATCHING):
            return True
    return False


def _runs_body(
    index: TreeIndex, statement: cst.BaseCompoundStatement, child: cst.CSTNode
) -> bool:
    """Whether `child` (a part of the statement) runs the first time the statement does."""
    if isinstance(statement, cst.With):
        return child is statement.body and not _differs_outside(index, statement)
    if isinstance(statement, cst.Try):
        # An exception the build raises would be handled here in the original,
        # while the converted model raises it where it is made, outside.
        return child is statement.body and not statement.handlers
    if isinstance(statement, cst.For):
        return child is statement.body and loops_at_least_once(index, statement)
    return False


# Context managers that expect or swallow an exception (`assertRaises`,
# `pytest.raises`, `contextlib.suppress`): a build that raises in them in the
# original would raise where the converted model is made, outside them.
_CATCHING = ("raises", "suppress")


# Context managers that decide where or how variables are made
# (`strategy.scope()`, `tf.device(...)`, `keras.name_scope(...)`): the original
# made its weights inside them at the build; the converted model, outside.
_PLACING = ("scope", "device")


def _differs_outside(index: TreeIndex, statement: cst.With) -> bool:
    """Whether a build in the `with` would run otherwise outside it."""
    for item in statement.items:
        call = item.item
        func = call.func if isinstance(call, cst.Call) else call
        name = index.code(func).rsplit(".", 1)[-1].lower()
        if any(word in name for word in (*_CATCHING, *_PLACING)):
            return True
    return False
