"""Turning planned sites into Functional-API statements in the tree.

The planner (`sites.py`) decides; this module only writes. Each rewritten
statement line is generated as text, formatted with black at the depth it
will sit, and parsed back, so nothing outside those lines changes by a byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst import MaybeSentinel

from .formatting import BlackSettings, format_statements
from ..sites import Application, Plan
from .spelling import Spelling

_CALLABLE = (cst.Call, cst.Name, cst.Attribute, cst.Subscript)


@dataclass(frozen=True)
class HelperNames:
    inputs: str
    x: str
    outputs: str
    base: str = "base_model"


@dataclass
class Edits:
    """Where the text goes: per small statement, after a compound statement, per node."""

    replace: dict[cst.BaseSmallStatement, list[str]] = field(default_factory=dict)
    after: dict[cst.CSTNode, list[str]] = field(default_factory=dict)
    nodes: dict[cst.CSTNode, str] = field(default_factory=dict)


class _Substitute(cst.CSTTransformer):
    def __init__(self, nodes: dict[cst.CSTNode, str]):
        self.nodes = nodes

    def on_leave(self, original, updated):
        text = self.nodes.get(original)
        if text is not None:
            return cst.parse_expression(text)
        return updated


def render(
    plan: Plan, spelling: Spelling, names: HelperNames, module: cst.Module, edits: Edits
) -> None:
    """Add one converted site's edits."""
    for node, template in plan.node_rewrites.items():
        edits.nodes[node] = template.format(Model=spelling.model)
    apps = plan.applications
    spec = plan.input
    assert spec is not None
    inputs = spec.variable or names.inputs
    if spec.variable:
        input_stmt = None
    elif spec.verbatim:
        input_stmt = f"{inputs} = {spec.verbatim}"
    else:
        input_stmt = f"{inputs} = {spelling.input}({spec.arguments})"

    first_in_compound = not apps[0].top_level
    output = names.outputs if apps[-1].top_level else names.x
    arguments = [f"inputs={inputs}", f"outputs={output}", *plan.model_arguments]
    model_call = f"{spelling.model}({', '.join(arguments)})"
    if plan.form == "return":
        model_line = f"return {model_call}"
    elif plan.annotation is not None:
        model_line = f"{plan.target}: {plan.annotation} = {model_call}"
    else:
        model_line = f"{plan.target} = {model_call}"

    def application(index: int, app: Application) -> list[str]:
        prev = inputs if index == 0 and not first_in_compound else names.x
        lhs = names.outputs if index == len(apps) - 1 and app.top_level else names.x
        code = _expression_code(app, module, edits.nodes)
        line = f"{lhs} = {code}({prev})"
        if app.trailing_comment:
            line += f"  {app.trailing_comment}"
        return [*app.leading_comments, line]

    # The Input goes where Keras met it: the add() that carried it, else just
    # before the first layer, so the names in its shape mean what they meant.
    hoisted = []
    if plan.hoist_first:
        hoisted = [
            *apps[0].leading_comments,
            f"{names.base} = {_expression_code(apps[0], module, edits.nodes)}",
        ]
        apps[0] = Application(
            expr=cst.Name(names.base),
            top_level=apps[0].top_level,
            small=apps[0].small,
            line=apps[0].line,
            trailing_comment=apps[0].trailing_comment,
        )
    opening = (
        hoisted
        + ([input_stmt] if input_stmt else [])
        + ([f"{names.x} = {inputs}"] if first_in_compound else [])
    )
    input_in_constructor = spec.small is None and (
        apps[0].small is None or first_in_compound
    )
    input_in_first_add = spec.small is None and not input_in_constructor
    if spec.small is not None:
        edits.replace[spec.small] = opening
    constructor: list[str] = list(opening) if input_in_constructor else []
    for index, app in enumerate(apps):
        if app.small is None:
            constructor.extend(application(index, app))
    constructor.extend(plan.constructor_comments)
    kind, node = plan.completion
    if kind == "constructor":
        constructor.append(model_line)
    edits.replace[plan.small] = constructor  # type: ignore[index]

    for index, app in enumerate(apps):
        if app.small is None:
            continue
        lines = []
        if index == 0 and input_in_first_add:
            lines.extend(opening)
        lines.extend(application(index, app))
        if kind == "line" and index == len(apps) - 1:
            lines.append(model_line)
        edits.replace[app.small] = lines
    if kind == "build":
        edits.replace[node] = [model_line]  # type: ignore[index]
    elif kind == "after":
        edits.after[node] = [model_line]  # type: ignore[index]


def _expression_code(
    app: Application, module: cst.Module, nodes: dict[cst.CSTNode, str]
) -> str:
    expr = app.expr
    if app.strip and isinstance(expr, cst.Call):
        kept = [
            a
            for a in expr.args
            if a.keyword is None or a.keyword.value not in app.strip
        ]
        if kept:
            kept[-1] = kept[-1].with_changes(comma=MaybeSentinel.DEFAULT)
        expr = expr.with_changes(args=kept)
    if nodes:
        expr = expr.visit(_Substitute(nodes))
    code = module.code_for_node(expr)
    if not isinstance(app.expr, _CALLABLE) or app.expr.lpar:
        return code if code.startswith("(") else f"({code})"
    return code


class Rewriter(cst.CSTTransformer):
    """Applies `Edits` to the module; every other node is returned as it was."""

    def __init__(
        self,
        module: cst.Module,
        edits: Edits,
        settings: BlackSettings,
        holding: set[cst.CSTNode] | None = None,
    ) -> None:
        self.module = module
        self.edits = edits
        self.settings = settings
        # The edited nodes and their ancestors, when known: a node outside it
        # holds no edit, and is returned as it was without a visit.
        self.holding = holding
        self.indents: list[int] = [0]
        # Keyed by id, holding the marker itself: a freed marker's id could be
        # reused by a new statement, which would then be dropped as a marker.
        self.markers: dict[int, cst.SimpleStatementLine] = {}
        self.formatted: dict[tuple[str, int], tuple[cst.BaseStatement, ...]] = {}

    def _statements(self, lines: list[str]) -> list[cst.BaseStatement]:
        text = "\n".join(lines) + "\n"
        # A notebook often builds the same model in several cells: the same
        # lines at the same depth need not be formatted and parsed twice.
        key = (text, self.indents[-1])
        statements = self.formatted.get(key)
        if statements is None:
            formatted = format_statements(text, self.settings, self.indents[-1])
            # Nodes are immutable: the same statements may stand in two places.
            statements = self.formatted[key] = tuple(cst.parse_module(formatted).body)
        return list(statements)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        indent = node.indent if node.indent is not None else self.module.default_indent
        self.indents.append(self.indents[-1] + len(indent.expandtabs(4)))
        return True

    def leave_IndentedBlock(self, original, updated):
        self.indents.pop()
        body, pending = self.settle_markers(updated.body)
        return updated.with_changes(body=body, footer=[*pending, *updated.footer])

    def leave_Module(self, original, updated):
        body, pending = self.settle_markers(updated.body)
        return updated.with_changes(body=body, footer=[*pending, *updated.footer])

    def settle_markers(self, body):
        """Removed lines hand their comments to the next statement."""
        settled, pending = [], []
        for statement in body:
            if self.markers.get(id(statement)) is statement:
                pending.extend(statement.leading_lines)
                continue
            if pending:
                statement = statement.with_changes(
                    leading_lines=[*pending, *statement.leading_lines]
                )
                pending = []
            settled.append(statement)
        return settled, pending

    def leave_SimpleStatementLine(self, original, updated):
        if not any(small in self.edits.replace for small in original.body):
            return updated
        pieces: list[str] = []
        for before, after in zip(original.body, updated.body):
            if before in self.edits.replace:
                pieces.extend(self.edits.replace[before])
            else:
                pieces.append(
                    self.module.code_for_node(
                        after.with_changes(semicolon=MaybeSentinel.DEFAULT)
                    )
                )
        comment = original.trailing_whitespace.comment
        if not pieces:
            lines = list(original.leading_lines)
            if comment is not None:
                lines.append(cst.EmptyLine(comment=comment))
            marker = cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=lines)
            self.markers[id(marker)] = marker
            return marker
        if comment is not None:
            code_lines = [p for p in pieces if not p.lstrip().startswith("#")]
            if code_lines:
                last = max(
                    i for i, p in enumerate(pieces) if not p.lstrip().startswith("#")
                )
                pieces[last] = f"{pieces[last]}  {comment.value}"
            else:
                pieces.append(comment.value)
        statements = self._statements(pieces)
        first = statements[0]
        statements[0] = first.with_changes(
            leading_lines=[*original.leading_lines, *first.leading_lines]
        )
        return cst.FlattenSentinel(statements)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.holding is not None and node not in self.holding:
            return False
        return super().on_visit(node)

    def on_leave(self, original, updated):
        if self.holding is not None and original not in self.holding:
            return updated
        result = super().on_leave(original, updated)
        if (
            isinstance(original, cst.BaseCompoundStatement)
            and original in self.edits.after
        ):
            return cst.FlattenSentinel(
                [result, *self._statements(self.edits.after[original])]
            )
        text = self.edits.nodes.get(original)
        if text is not None and isinstance(original, cst.BaseExpression):
            return cst.parse_expression(text)
        return result
