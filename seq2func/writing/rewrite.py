"""Turning planned sites into Functional-API statements in the tree.

The planner (`planning/`) decides; this module only writes. Each rewritten
statement line is generated as text, formatted with black at the depth it
will sit, and parsed back, so nothing outside those lines changes by a byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst import MaybeSentinel

from .formatting import BlackSettings, format_statements
from .naming import HelperNames
from ..analysis.index import TreeIndex
from ..planning.plan import Application, CompletionKind, Form, Plan
from .spelling import Spelling

_CALLABLE = (cst.Call, cst.Name, cst.Attribute, cst.Subscript)


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
    assert plan.input is not None
    inputs = plan.input.variable or names.inputs
    for node, template in plan.node_rewrites.items():
        edits.nodes[node] = template.format(
            Model=spelling.model, x=names.x, inputs=inputs
        )
    for small in plan.removed:
        edits.replace[small] = []
    _SiteWriter(plan, spelling, names, module, edits).write()


class _SiteWriter:
    """The statements of one site: the Input, a line per layer, and `Model(...)`."""

    def __init__(
        self,
        plan: Plan,
        spelling: Spelling,
        names: HelperNames,
        module: cst.Module,
        edits: Edits,
    ) -> None:
        assert plan.input is not None
        self.plan, self.spelling, self.names = plan, spelling, names
        self.module, self.edits = module, edits
        self.apps = list(plan.applications)
        self.inputs = plan.input.variable or names.inputs
        # A first loop, or a first layer in a compound statement, needs the
        # running tensor set before it.
        self.first_in_compound = not self.apps[0].top_level or self.apps[0].loop

    def write(self) -> None:
        plan, apps, edits = self.plan, self.apps, self.edits
        spec = plan.input
        assert spec is not None
        # The Input goes where Keras met it: the add() that carried it, else just
        # before the first layer, so the names in its shape mean what they meant.
        opening = self._opening()
        in_constructor = spec.small is None and (
            apps[0].small is None or self.first_in_compound
        )
        in_first_add = spec.small is None and not in_constructor
        if spec.small is not None:
            edits.replace[spec.small] = opening
        constructor: list[str] = list(opening) if in_constructor else []
        for position, app in enumerate(apps):
            if app.small is None:
                constructor.extend(self._application(position, app))
        constructor.extend(plan.constructor_comments)
        kind, node = plan.completion.kind, plan.completion.node
        if kind is CompletionKind.CONSTRUCTOR:
            constructor.append(self._model_line())
        edits.replace[plan.small] = constructor  # type: ignore[index]
        for position, app in enumerate(apps):
            if app.small is None:
                continue
            lines = list(opening) if position == 0 and in_first_add else []
            lines.extend(self._application(position, app))
            if kind is CompletionKind.LINE and position == len(apps) - 1:
                lines.append(self._model_line())
            edits.replace[app.small] = lines
        if kind is CompletionKind.BUILD:
            edits.replace[node] = [self._model_line()]  # type: ignore[index]
        elif kind is CompletionKind.AFTER:
            edits.after[node] = [self._model_line()]  # type: ignore[index]

    def _opening(self) -> list[str]:
        """The lines before the first layer: a hoisted base model, the Input."""
        apps, names, spec = self.apps, self.names, self.plan.input
        assert spec is not None
        hoisted = []
        if self.plan.hoist_first:
            code = _expression_code(apps[0], self.module, self.edits.nodes)
            hoisted = [*apps[0].leading_comments, f"{names.base} = {code}"]
            apps[0] = Application(
                expr=cst.Name(names.base),
                top_level=apps[0].top_level,
                small=apps[0].small,
                line=apps[0].line,
                trailing_comment=apps[0].trailing_comment,
            )
        if spec.variable:
            input_stmt = []
        elif spec.verbatim:
            input_stmt = [f"{self.inputs} = {spec.verbatim}"]
        else:
            input_stmt = [f"{self.inputs} = {self.spelling.input}({spec.arguments})"]
        running = [f"{names.x} = {self.inputs}"] if self.first_in_compound else []
        return hoisted + input_stmt + running

    def _application(self, position: int, app: Application) -> list[str]:
        names = self.names
        first = position == 0 and not self.first_in_compound
        previous = self.inputs if first else names.x
        last = position == len(self.apps) - 1 and app.top_level and not app.loop
        code = _expression_code(app, self.module, self.edits.nodes)
        if app.loop:
            loop = f"for {names.layer} in {code}:\n    {names.x} = {names.layer}({names.x})"
            return [*app.leading_comments, loop]
        line = f"{names.outputs if last else names.x} = {code}({previous})"
        if app.trailing_comment:
            line += f"  {app.trailing_comment}"
        return [*app.leading_comments, line]

    def _model_line(self) -> str:
        plan = self.plan
        last = self.apps[-1]
        output = (
            self.names.outputs if last.top_level and not last.loop else self.names.x
        )
        arguments = [
            f"inputs={self.inputs}",
            f"outputs={output}",
            *plan.model_arguments,
        ]
        model_call = f"{self.spelling.model}({', '.join(arguments)})"
        if plan.form is Form.RETURN:
            return f"return {model_call}"
        if plan.annotation is not None:
            return f"{plan.target}: {plan.annotation} = {model_call}"
        return f"{plan.target} = {model_call}"


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


def rewrite_module(
    module: cst.Module, index: TreeIndex, edits: Edits, settings
) -> cst.Module:
    """Visit only the top-level statements that hold an edit; the rest stay as parsed."""
    edited = [*edits.replace, *edits.after, *edits.nodes]
    touched = {index.top_level(node) for node in edited}
    # Within those, only the way down to an edit: the rest stays as parsed too.
    holding: set[cst.CSTNode] = set()
    for node in edited:
        while node is not None and node not in holding:
            holding.add(node)
            node = index.parent(node)
    rewriter = Rewriter(module, edits, settings, holding)
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        if statement not in touched:
            body.append(statement)
            continue
        result = statement.visit(rewriter)
        if isinstance(result, cst.FlattenSentinel):
            body.extend(result.nodes)
        elif isinstance(result, cst.BaseStatement):
            body.append(result)
    body, pending = rewriter.settle_markers(body)
    return module.with_changes(body=body, footer=[*pending, *module.footer])
