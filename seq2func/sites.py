"""Recognising Sequential sites and planning each rewrite, or deciding to skip it.

This module reads; it never changes the tree. For every `Sequential(...)`
call it works out the layers in program order (list elements, then `add`
calls in the same block, control flow included), where the input comes
from, where the model is complete, and every later use of the model. Any
use whose meaning a Functional model would change either becomes a planned
node rewrite (`.layers` indexes shift by one) or a skip diagnostic.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator, Union

import libcst as cst
from libcst.metadata.base_provider import LazyValue
from libcst.metadata import CodeRange, ExpressionContext

from . import diagnostics
from .analysis import keras_names, metadata
from .results import Diagnostic

Block = Union[cst.Module, cst.IndentedBlock]
_DEFERRED = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_INPUT_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
_MIXED_PRECISION_HINTS = ("mixed_precision", "set_global_policy", "set_dtype_policy")
_DTYPE_COMPUTE = {
    "mixed_float16": "float16",
    "mixed_bfloat16": "bfloat16",
}


class Skip(Exception):
    """Raised inside planning: the site stays unchanged for this reason."""

    def __init__(self, code: str, detail: str = "", node: cst.CSTNode | None = None):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.node = node


@dataclass
class Application:
    """One layer applied to the running tensor, in program order."""

    expr: cst.BaseExpression
    top_level: bool
    small: cst.BaseSmallStatement | None = None  # the `model.add(...)` statement
    line: cst.SimpleStatementLine | None = None
    leading_comments: list[str] = field(default_factory=list)
    trailing_comment: str | None = None
    strip: tuple[str, ...] = ()  # keyword arguments to remove from the layer call


@dataclass
class InputSpec:
    """Where the model input comes from: a verbatim `keras.Input(...)` or arguments for one."""

    verbatim: str | None = None
    arguments: str | None = None
    variable: str | None = None
    source: str = ""
    small: cst.BaseSmallStatement | None = (
        None  # the `add(Input(...))` that carried it  # "element", "layer", "build"
    )


@dataclass
class Plan:
    """Everything the rewriter needs for one site, or the reasons it is skipped."""

    call: cst.Call
    target: str | None
    scope: str
    form: str
    line: int
    column: int
    end_line: int
    model_name: str | None = None
    skips: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    family: str = "keras"
    statement: cst.SimpleStatementLine | None = None
    small: cst.BaseSmallStatement | None = None
    block: Block | None = None
    annotation: str | None = None
    input: InputSpec | None = None
    applications: list[Application] = field(default_factory=list)
    model_arguments: list[str] = field(default_factory=list)
    model_comment: str | None = None
    constructor_comments: list[str] = field(default_factory=list)
    # Where `Model(...)` goes: after the constructor, after an `add` line,
    # after a compound statement, or in place of a `build()` call.
    completion: tuple[str, cst.CSTNode | None] = ("constructor", None)
    node_rewrites: dict[cst.CSTNode, str] = field(default_factory=dict)
    scope_node: cst.CSTNode | None = None
    build_call: cst.Call | None = None
    hoist_first: bool = (
        False  # build the first layer before the Input (it makes its own)
    )
    # `.layers`/`get_layer` hand out the layer objects, which keep their own
    # input_shape/input_dim: a Sequential they are added to first reads it.
    layers_read_at: int | None = None
    serialized_at: int | None = None  # a save()/to_json()/get_config() of the model

    @property
    def converted(self) -> bool:
        return not self.skips


@dataclass
class _Ref:
    node: cst.BaseExpression
    start: tuple[int, int]
    deferred: bool
    context: ExpressionContext | None


class Analyzer:
    """Finds every Sequential site in one module and plans it."""

    def __init__(
        self,
        module: cst.Module,
        path: str | None = None,
        source: str | None = None,
        elided_text: str = "",
    ) -> None:
        self.module = module
        self.path = path
        source = source if source is not None else module.code
        walked = metadata.walk(module)
        self.parents: dict[cst.CSTNode, cst.CSTNode] = walked.parents
        self._children = walked.children
        self.names: dict[str, list[cst.Name]] = walked.names
        self.attributes: dict[str, list[cst.Attribute]] = walked.attributes
        self.candidates: list[cst.CSTNode] = walked.candidates
        # Text, not names: a policy set anywhere in the file, even blanked out of `module`.
        self.mixed_precision = any(
            h in source or h in elided_text for h in _MIXED_PRECISION_HINTS
        )
        self.local_functions = {
            s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)
        }
        # Scope metadata is the costly pass. When every model lives inside a
        # function or class, only those statements and the imports need it.
        # Positions come from the walk of the whole module, whose nodes the
        # reduced one shares.
        reduced, analysed = _reduced_module(module, source)
        self.positions = walked.positions
        self.scopes = metadata.scopes(reduced or module, walked)
        # The units that have scopes; empty when the whole module was analysed.
        self.analysed = analysed
        if reduced is not None:
            self.candidates = [
                c for c in self.candidates if self._top(c) in self.analysed
            ]

    def variable_names(self) -> frozenset[str]:
        """Names used as variables (not `obj.attr`, not `f(key=...)`): what a new name could shadow."""
        found = set()
        for value, nodes in self.names.items():
            for node in nodes:
                parent = self.parents.get(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                found.add(value)
                break
        return frozenset(found)

    def top_level(self, node: cst.CSTNode) -> cst.CSTNode:
        """The module-level statement that holds `node`."""
        while True:
            parent = self.parents.get(node)
            if parent is None or parent is self.module:
                return node
            node = parent

    def known(self, node: cst.CSTNode) -> bool:
        """Whether the node has metadata (it sits in a statement that was analysed)."""
        return not self.analysed or self._top(node) in self.analysed

    def _top(self, node: cst.CSTNode) -> cst.CSTNode:
        """The unit holding `node`: a top-level statement, or a statement of a top-level class."""
        chain = [node]
        while True:
            parent = self.parents.get(node)
            if parent is None or parent is self.module:
                break
            chain.append(parent)
            node = parent
        if (
            len(chain) >= 3
            and isinstance(chain[-1], cst.ClassDef)
            and chain[-1] not in self.analysed
        ):
            return chain[-3]
        return chain[-1]

    def context(self, node: cst.CSTNode) -> ExpressionContext:
        """STORE for an assignment target, DEL for `del`, LOAD otherwise."""
        child, parent = node, self.parents.get(node)
        while isinstance(
            parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)
        ):
            child, parent = parent, self.parents.get(parent)
        if isinstance(parent, cst.AssignTarget) and parent.target is child:
            return ExpressionContext.STORE
        if (
            isinstance(parent, (cst.AnnAssign, cst.AugAssign))
            and parent.target is child
        ):
            return ExpressionContext.STORE
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.AsName) and parent.name is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.NamedExpr) and parent.target is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.Del):
            return ExpressionContext.DEL
        return ExpressionContext.LOAD

    # ------------------------------------------------------------------ helpers
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def pos(self, node: cst.CSTNode) -> CodeRange:
        if node is self.module:
            return CodeRange((1, 0), (10**9, 0))
        return self.positions[node]

    def qualified(self, node: cst.CSTNode) -> set[str]:
        # Only names: LibCST also names a call by its callee, and `Sequential(...)(x)`
        # calls a model, it does not build one.
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return set()
        scope = _value(self.scopes.get(node))
        if scope is None:
            return set()
        try:
            return {q.name for q in scope.get_qualified_names_for(node)}
        except Exception:  # nodes the scope cannot name (subscripts, calls)
            return set()

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def scope_name(self, node: cst.CSTNode) -> str:
        names = [
            a.name.value
            for a in self.ancestors(node)
            if isinstance(a, (cst.FunctionDef, cst.ClassDef))
        ]
        return ".".join(reversed(names)) or "<module>"

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for a in self.ancestors(node):
            if isinstance(a, cst.FunctionDef):
                return a
            if isinstance(a, (cst.ClassDef, cst.Lambda)):
                return None
        return None

    def _diag(
        self, code: str, plan: Plan, detail: str = "", node: cst.CSTNode | None = None
    ):
        line = self.pos(node).start.line if node is not None else plan.line
        column = self.pos(node).start.column if node is not None else plan.column
        label = plan.target or (
            "model returned by " + plan.scope if plan.form == "return" else "model"
        )
        return diagnostics.make(
            code, model=label, line=line, column=column, detail=detail, path=self.path
        )

    # ------------------------------------------------------------------ entry
    def plans(self) -> list[Plan]:
        found: list[Plan] = []
        for node in self.candidates:
            if isinstance(node, cst.Call):
                family = keras_names.sequential_family(self.qualified(node.func))
                if family is not None:
                    found.append(self._plan_call(node, family))
            elif isinstance(node, cst.ClassDef):
                for base in node.bases:
                    if keras_names.sequential_family(self.qualified(base.value)):
                        found.append(self._subclass(node))
                        break
        found.sort(key=lambda p: (p.line, p.column))
        return found

    def _walk(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """`node` and its descendants in source order."""
        children = self._children
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            below = children.get(current)
            if (
                below is None
                and current not in self.parents
                and current is not self.module
            ):
                below = list(current.children)  # a node made after the walk
            if below:
                stack.extend(reversed(below))

    def _subclass(self, node: cst.ClassDef) -> Plan:
        start = self.pos(node).start
        plan = Plan(
            call=None,  # type: ignore[arg-type]
            target=node.name.value,
            scope=self.scope_name(node),
            form="subclass",
            line=start.line,
            column=start.column,
            end_line=self.pos(node).end.line,
        )
        plan.skips.append(
            diagnostics.make(
                "S2F110",
                model=node.name.value,
                line=start.line,
                column=start.column,
                path=self.path,
            )
        )
        return plan

    # ------------------------------------------------------------------ planning
    def _plan_call(self, call: cst.Call, family: str) -> Plan:
        start = self.pos(call).start
        plan = Plan(
            call=call,
            target=None,
            scope=self.scope_name(call),
            form="expression",
            line=start.line,
            column=start.column,
            end_line=self.pos(call).end.line,
            family=family,
        )
        try:
            self._plan(plan)
        except Skip as skip:
            plan.skips.append(self._diag(skip.code, plan, skip.detail, skip.node))
        return plan

    def _plan(self, plan: Plan) -> None:
        call = plan.call
        parent = self.parent(call)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
            if isinstance(parent, cst.Assign) and len(parent.targets) != 1:
                raise Skip("S2F108", " (several targets)")
            target = (
                parent.targets[0].target
                if isinstance(parent, cst.Assign)
                else parent.target
            )
            if not isinstance(target, (cst.Name, cst.Attribute)):
                raise Skip("S2F108", f" (bound to {self.code(target)})")
            plan.target = self.code(target)
            plan.form = "list"
            if isinstance(parent, cst.AnnAssign):
                plan.annotation = self.code(parent.annotation.annotation)
        elif isinstance(parent, cst.Return) and parent.value is call:
            plan.form = "return"
        else:
            if self._used_as_layer(call):
                plan.form = "nested"
                raise Skip("S2F107")
            raise Skip("S2F108")

        plan.small = parent  # type: ignore[assignment]
        line = self.parent(parent)
        if not isinstance(line, cst.SimpleStatementLine):
            raise Skip("S2F108")
        plan.statement = line
        plan.block = self.parent(line)  # type: ignore[assignment]
        if isinstance(self.parent(plan.block), cst.ClassDef):
            raise Skip("S2F108", " (in a class body)")
        plan.scope_node = self.enclosing_function(call) or self.module
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "name":
                if isinstance(arg.value, cst.SimpleString):
                    plan.model_name = arg.value.evaluated_value  # type: ignore[assignment]

        elements = self._constructor_layers(plan)
        plan.applications = [
            Application(expr=e.value, top_level=True) for e in elements
        ]
        self._attach_list_comments(plan, elements)
        self._follow_uses(plan)
        if not plan.applications:
            raise Skip("S2F102", " (it has no layers)")
        self._plan_input(plan)
        self._check_model_arguments(plan)
        plan.end_line = self._end_line(plan)

    def _used_as_layer(self, call: cst.CSTNode, called: bool = True) -> bool:
        """Inside another model's layer list, an `add(...)`, a layer wrapper, or (for a
        constructor) called on a tensor at once. A model held in a variable and
        called later is usually called on data, which a conversion keeps."""
        parent = self.parent(call)
        if called and isinstance(parent, cst.Call) and parent.func is call:
            return True
        for a in self._until_statement(call):
            if not isinstance(a, cst.Call):
                continue
            q = self.qualified(a.func)
            if keras_names.sequential_family(q) or keras_names.keras_layer_class(q):
                return True
            if isinstance(a.func, cst.Attribute) and a.func.attr.value == "add":
                return True
        return False

    def _called_on_symbolic(self, node: cst.CSTNode) -> bool:
        """`model(inputs)` where `inputs` comes from keras.Input or another layer call:
        the model is then a layer of a Functional graph."""
        call = self.parent(node)
        if not (isinstance(call, cst.Call) and call.func is node and call.args):
            return False
        value = self._any_assignment(call.args[0].value)
        if value is None:
            return False
        return keras_names.is_input(self.qualified(value.func)) or isinstance(
            value.func, cst.Call
        )

    def _any_assignment(self, expr: cst.BaseExpression) -> cst.Call | None:
        if not isinstance(expr, cst.Name):
            return None
        for node in self.names.get(expr.value, []):
            target = self.parent(node)
            assign = (
                self.parent(target) if isinstance(target, cst.AssignTarget) else None
            )
            if isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call):
                value = assign.value
                if keras_names.is_input(self.qualified(value.func)) or isinstance(
                    value.func, cst.Call
                ):
                    return value
        return None

    def _until_statement(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for a in self.ancestors(node):
            if isinstance(a, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return
            yield a

    def _constructor_layers(self, plan: Plan) -> list[cst.Element]:
        layers_value: cst.BaseExpression | None = None
        for index, arg in enumerate(plan.call.args):
            if arg.star:
                raise Skip("S2F102", f" ({arg.star}-unpacked arguments)")
            keyword = arg.keyword.value if arg.keyword else None
            if keyword is None:
                if index == 0:
                    layers_value = arg.value
                    continue
                raise Skip(
                    "S2F109",
                    ": a second positional argument is `name` in Keras 2 and `trainable` in Keras 3",
                )
            if keyword == "layers":
                layers_value = arg.value
            elif keyword in ("name", "trainable"):
                plan.model_arguments.append(f"{keyword}={self.code(arg.value)}")
            else:
                raise Skip("S2F109", f": unknown argument {keyword}=")
        if layers_value is None or (
            isinstance(layers_value, cst.Name) and layers_value.value == "None"
        ):
            return []
        if not isinstance(layers_value, (cst.List, cst.Tuple)):
            raise Skip("S2F102", f" ({self.code(layers_value)})")
        for element in layers_value.elements:
            if isinstance(element, cst.StarredElement):
                raise Skip("S2F102", " (an unpacked list inside the layer list)")
        return list(layers_value.elements)  # type: ignore[arg-type]

    def _comments_in(
        self, node: cst.CSTNode, exclude: list[cst.CSTNode]
    ) -> list[tuple[int, str]]:
        excluded = [self.pos(e) for e in exclude]
        found = []
        for sub in self._walk(node):
            if isinstance(sub, cst.Comment):
                where = self.pos(sub).start
                if any(_inside(where, r) for r in excluded):
                    continue
                found.append((where.line, sub.value))
        return found

    def _attach_list_comments(self, plan: Plan, elements: list[cst.Element]) -> None:
        """Give each layer the comments written around it in the list."""
        comments = self._comments_in(plan.call, [e.value for e in elements])
        apps = plan.applications
        for line, text in comments:
            owner = None
            for app in apps:
                r = self.pos(app.expr)
                if r.end.line == line and app.trailing_comment is None:
                    owner = app
                    break
            if owner is not None:
                owner.trailing_comment = text
                continue
            following = [a for a in apps if self.pos(a.expr).start.line > line]
            if following:
                following[0].leading_comments.append(text)
            else:
                plan.constructor_comments.append(text)
        if plan.statement is not None:
            trailing = plan.statement.trailing_whitespace.comment
            if trailing is not None:
                plan.model_comment = trailing.value

    # ------------------------------------------------------------------ uses
    def _refs(self, plan: Plan) -> list[_Ref]:
        """Every read or write of the model's target in its scope, in source order."""
        assert plan.target is not None and plan.scope_node is not None
        target_is_name = "." not in plan.target
        root = plan.scope_node
        if not target_is_name:
            cls = next(
                (a for a in self.ancestors(plan.call) if isinstance(a, cst.ClassDef)),
                None,
            )
            if cls is not None:
                root = cls
        site_scope = _value(self.scopes.get(plan.small))
        refs: list[_Ref] = []
        if target_is_name:
            pool = self.names.get(plan.target, [])
        else:
            pool = self.attributes.get(plan.target.rsplit(".", 1)[1], [])
        root_range = self.pos(root)
        for node in pool:
            if not self.known(node):
                continue
            if not _inside(self.pos(node).start, root_range):
                # `trainer.model.layers[0]` elsewhere reads the same model:
                # such a use runs whenever that code runs.
                if root is not plan.scope_node and self._same_attribute_elsewhere(
                    node, root
                ):
                    start = self.pos(node).start
                    refs.append(
                        _Ref(node, (start.line, start.column), True, self.context(node))
                    )
                continue
            if target_is_name:
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if not self._same_binding(node, plan.target, site_scope):
                    continue
            elif self.code(node) != plan.target:
                continue
            if node not in self.positions:
                continue
            deferred = any(
                isinstance(a, _DEFERRED)
                for a in self._ancestors_below(node, plan.scope_node)
            )
            if not target_is_name and root is not plan.scope_node:
                inside_method = any(a is plan.scope_node for a in self.ancestors(node))
                deferred = deferred or not inside_method
            start = self.pos(node).start
            refs.append(
                _Ref(node, (start.line, start.column), deferred, self.context(node))
            )
        refs.sort(key=lambda r: r.start)
        return refs

    def _same_attribute_elsewhere(self, node: cst.Attribute, cls: cst.ClassDef) -> bool:
        """Whether `node`, outside `cls`, may read the attribute `cls` sets.

        Any object's attribute of that name may be one of its instances, except
        `self`/`cls` in an unrelated class, which name that class's own.
        """
        if not isinstance(node.value, cst.Name) or node.value.value not in (
            "self",
            "cls",
        ):
            return True
        owner = next(
            (a for a in self.ancestors(node) if isinstance(a, cst.ClassDef)), None
        )
        if owner is None:
            return True
        return any(cls.name.value in self.code(base.value) for base in owner.bases)

    def _same_binding(self, node: cst.Name, name: str, site_scope) -> bool:
        """False when a nested function binds its own `name` (a parameter or a local)."""
        scope = _value(self.scopes.get(node))
        if scope is None or site_scope is None or scope is site_scope:
            return True
        try:
            assignments = scope[name]
        except Exception:
            return True
        return not any(a.scope is scope for a in assignments)

    def _ancestors_below(
        self, node: cst.CSTNode, root: cst.CSTNode
    ) -> Iterator[cst.CSTNode]:
        for a in self.ancestors(node):
            if a is root:
                return
            yield a

    def _follow_uses(self, plan: Plan) -> None:
        if plan.form == "return":
            return
        refs = self._refs(plan)
        end = self.pos(plan.small).end
        after = [r for r in refs if r.start > (end.line, end.column)]
        # A later assignment to the target starts another model's story.
        rebind = next(
            (
                r
                for r in after
                if not r.deferred
                and r.context in (ExpressionContext.STORE, ExpressionContext.DEL)
            ),
            None,
        )
        live = [
            r
            for r in after
            if not r.deferred and (rebind is None or r.start < rebind.start)
        ]
        deferred = [r for r in refs if r.deferred]

        adds = [r for r in live if self._consumable(r, plan, "add")]
        completion_stmt: cst.CSTNode | None = None
        if adds:
            completion_stmt = self._top_statement(adds[-1].node, plan.block)
            for ref in adds:
                call = self.parent(self.parent(ref.node))
                small = self.parent(call)
                line = self.parent(small)
                plan.applications.append(
                    Application(
                        expr=self._add_argument(call, plan),
                        top_level=self.parent(line) is plan.block,
                        small=small,
                        line=line,
                    )
                )
                for comment_line, text in self._comments_in(
                    call, [self._add_argument(call, plan)]
                ):
                    plan.applications[-1].leading_comments.append(text)
            plan.form = "add"
            completion_end = self.pos(completion_stmt).end
            before = [
                r
                for r in live
                if r not in adds
                and r.start <= (completion_end.line, completion_end.column)
            ]
            if before:
                raise Skip("S2F104", f": {self._describe(before[0])}", before[0].node)
            rest = [
                r
                for r in live
                if r.start > (completion_end.line, completion_end.column)
            ]
            if self.parent(completion_stmt) is plan.block and isinstance(
                completion_stmt, cst.SimpleStatementLine
            ):
                plan.completion = ("line", completion_stmt)
            else:
                plan.completion = ("after", completion_stmt)
        else:
            rest = live

        if (
            rest
            and self._consumable(rest[0], plan, "build")
            and self._is_top_level(rest[0], plan)
        ):
            build_call = self.parent(self.parent(rest[0].node))
            plan.completion = ("build", self.parent(build_call))
            plan.build_call = build_call
            rest = rest[1:]
        late_build = next(
            (
                r
                for r in rest
                if self._consumable(r, plan, "build") and self._is_top_level(r, plan)
            ),
            None,
        )
        if late_build is not None and plan.completion[0] != "build":
            first_use = rest[0]
            raise Skip(
                "S2F104",
                f": {self._describe(first_use)} runs before build() on line {late_build.start[0]}",
                first_use.node,
            )
        for ref in rest:
            self._check_later_use(plan, ref)
        for ref in deferred:
            self._check_deferred_use(plan, ref)
        self._check_round_trip(plan)

    def _describe(self, ref: _Ref) -> str:
        statement = self._enclosing_small(ref.node)
        if statement is None:
            return f"line {ref.start[0]}"
        text = self.code(statement).strip().splitlines()[0]
        return f"`{text}` on line {ref.start[0]}"

    def _enclosing_small(self, node):
        for a in self.ancestors(node):
            if isinstance(a, cst.BaseSmallStatement):
                return a
            if isinstance(a, cst.BaseCompoundStatement):
                return None
        return None

    def _method_call(self, ref: _Ref, name: str) -> cst.Call | None:
        attribute = self.parent(ref.node)
        if not (isinstance(attribute, cst.Attribute) and attribute.value is ref.node):
            return None
        if attribute.attr.value != name:
            return None
        call = self.parent(attribute)
        if isinstance(call, cst.Call) and call.func is attribute:
            return call
        return None

    def _consumable(self, ref: _Ref, plan: Plan, method: str) -> bool:
        """`model.add(layer)` / `model.build(shape)` as a statement of its own in the site's block."""
        call = self._method_call(ref, method)
        if call is None:
            return False
        small = self.parent(call)
        if not (isinstance(small, cst.Expr) and small.value is call):
            return False
        line = self.parent(small)
        if not isinstance(line, cst.SimpleStatementLine):
            return False
        for a in self.ancestors(line):
            if a is plan.block:
                return True
            if isinstance(a, _DEFERRED):
                return False
        return False

    def _is_top_level(self, ref: _Ref, plan: Plan) -> bool:
        line = self.parent(self.parent(self.parent(self.parent(ref.node))))
        return self.parent(line) is plan.block

    def _top_statement(self, node: cst.CSTNode, block: Block) -> cst.CSTNode:
        previous = node
        for a in self.ancestors(node):
            if a is block:
                return previous
            previous = a
        raise AssertionError("node is not inside the block")

    def _add_argument(self, call: cst.Call, plan: Plan) -> cst.BaseExpression:
        args = call.args
        if (
            len(args) != 1
            or args[0].star
            or (args[0].keyword is not None and args[0].keyword.value != "layer")
        ):
            raise Skip("S2F109", f": `{self.code(call)}`", call)
        return args[0].value

    def _check_later_use(self, plan: Plan, ref: _Ref) -> None:
        attribute = self.parent(ref.node)
        if isinstance(attribute, cst.Attribute) and attribute.value is ref.node:
            name = attribute.attr.value
            if name in ("add", "pop", "build"):
                raise Skip("S2F103", f" ({name}() on line {ref.start[0]})", ref.node)
            if name.startswith("_"):
                # Private state (`_layers`, `_functional`) exists only on Sequential.
                raise Skip("S2F106", f" (.{name} on line {ref.start[0]})", ref.node)
            if (
                name in ("layers", "get_layer")
                and plan.layers_read_at is None
                and self._hands_out_layers(attribute)
            ):
                plan.layers_read_at = ref.start[0]
            if name in _SERIALIZERS and plan.serialized_at is None:
                plan.serialized_at = ref.start[0]
            if name == "get_layer":
                call = self.parent(attribute)
                # get_layer(name=None, index=None): only an index counts the InputLayer.
                if isinstance(call, cst.Call) and any(
                    (a.keyword is None and position == 1)
                    or (a.keyword is not None and a.keyword.value == "index")
                    for position, a in enumerate(call.args)
                ):
                    raise Skip(
                        "S2F106",
                        f" (get_layer by index on line {ref.start[0]})",
                        ref.node,
                    )
            if name == "layers":
                self._plan_layers_rewrite(plan, attribute, ref)
            return
        if self._used_as_layer(ref.node, called=False) or self._called_on_symbolic(
            ref.node
        ):
            # Converting this model would change that model's layer from a
            # Sequential to a Functional one.
            raise Skip("S2F117", "", ref.node)
        self._check_copies(plan, self._copies_of(ref.node), taken_at=ref.start[0])
        arg = self.parent(ref.node)
        if isinstance(arg, cst.Arg) and arg.value is ref.node:
            call = self.parent(arg)
            if isinstance(call, cst.Call) and keras_names.is_serializer(
                self.qualified(call.func)
            ):
                if plan.serialized_at is None:
                    plan.serialized_at = ref.start[0]
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                func = call.func.value
                if func == "isinstance" and call.args[0] is arg and len(call.args) == 2:
                    classes = call.args[1].value
                    if keras_names.sequential_family(self.qualified(classes)):
                        plan.node_rewrites[classes] = "{Model}"
                        plan.notes.append(
                            self._diag("S2F205", plan, f"`{self.code(call)}`", call)
                        )
                        return
                    if isinstance(classes, cst.Tuple):
                        raise Skip("S2F106", f" (`{self.code(call)}`)", call)
                    return
                if func == "type":
                    raise Skip("S2F106", f" (type() on line {ref.start[0]})", call)
                local = self.local_functions.get(func)
                if local is not None and self._may_change(local):
                    raise Skip("S2F105", f" ({func}() on line {ref.start[0]})", call)

    def _hands_out_layers(self, attribute: cst.Attribute) -> bool:
        """Whether `model.layers`/`model.get_layer` here lets a layer object go further
        than an attribute of it read or set at once (`model.layers[0].name`,
        `len(model.layers)`, `for layer in model.layers: layer.trainable = False`)."""
        current: cst.CSTNode = attribute
        parent = self.parent(current)
        if isinstance(parent, cst.Call) and parent.func is current:  # get_layer(...)
            current, parent = parent, self.parent(parent)
        while isinstance(parent, cst.Subscript) and parent.value is current:
            current, parent = parent, self.parent(parent)
        if isinstance(parent, cst.Attribute) and parent.value is current:
            return False
        if isinstance(parent, cst.Arg) and parent.value is current:
            call = self.parent(parent)
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "len"
            ):
                return False
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current:
            target = parent.target
            if not isinstance(target, cst.Name):
                return True
            scope = parent.body if isinstance(parent, cst.For) else self.parent(parent)
            return any(
                not (
                    isinstance(self.parent(n), cst.Attribute)
                    and self.parent(n).value is n
                )
                for n in self._walk(scope)
                if isinstance(n, cst.Name)
                and n.value == target.value
                and n is not target
            )
        return True

    def _copies_of(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """Names and expressions that hold this model, or a clone of it, after `node` is read.

        `other = model`, `models = [model, ...]`, `for m in (model, ...)`,
        `clone = keras.models.clone_model(model)` and
        `keras.models.clone_model(model).layers` all reach the model (or a
        copy of it that is Functional too) by another way than its name.
        """
        found: list[cst.CSTNode] = []
        holder: cst.CSTNode = node
        parent = self.parent(holder)
        if isinstance(parent, cst.Arg) and parent.value is holder:
            call = self.parent(parent)
            if not (
                isinstance(call, cst.Call)
                and keras_names.is_clone(self.qualified(call.func))
            ):
                return found
            holder, parent = call, self.parent(call)
            if isinstance(parent, cst.Attribute) and parent.value is holder:
                return [holder]
        # A display holding the model: the display is what gets bound or iterated.
        while isinstance(
            parent, (cst.Element, cst.DictElement, cst.StarredElement)
        ) or (
            isinstance(parent, (cst.List, cst.Tuple, cst.Set, cst.Dict))
            and holder is not node
        ):
            if isinstance(parent, cst.DictElement) and parent.value is not holder:
                return found
            holder, parent = parent, self.parent(parent)
            if isinstance(
                holder, (cst.List, cst.Tuple, cst.Set, cst.Dict)
            ) and not isinstance(
                parent, (cst.Element, cst.DictElement, cst.StarredElement)
            ):
                break
        if isinstance(parent, cst.Assign) and parent.value is holder:
            targets = [t.target for t in parent.targets]
        elif (
            isinstance(parent, (cst.AnnAssign, cst.NamedExpr))
            and parent.value is holder
        ):
            targets = [parent.target]
        elif isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is holder:
            targets = [parent.target]
        else:
            return found
        for target in targets:
            found.extend(n for n in self._walk(target) if isinstance(n, cst.Name))
        return found

    def _check_copies(
        self, plan: Plan, copies: list[cst.CSTNode], taken_at: int
    ) -> None:
        """A copy (taken on line `taken_at`) read in a way a Functional model answers differently
        keeps the site unchanged."""
        seen: set[str] = set()
        work = list(copies)
        while work:
            copy = work.pop()
            if isinstance(copy, cst.Name):
                if copy.value in seen or copy.value == plan.target:
                    continue
                seen.add(copy.value)
                reads = [
                    n
                    for n in self.names.get(copy.value, [])
                    if n is not copy
                    and self.known(n)
                    and self.context(n) == ExpressionContext.LOAD
                    and self._reads_binding(n, copy)
                ]
            else:
                reads = [copy]
            for read in reads:
                use = self._sequential_use(read)
                if use is not None:
                    where = self.pos(read).start.line
                    raise Skip(
                        "S2F106",
                        f" (`{use}` on line {where} reaches it through `{self.code(copy)}`,"
                        f" which takes it on line {taken_at})",
                        read,
                    )
                work.extend(self._copies_of(read))

    def _reads_binding(self, read: cst.Name, binding: cst.Name) -> bool:
        """Whether `read` may read the value `binding` assigns (not a same-named local elsewhere)."""
        scope = _value(self.scopes.get(read))
        if scope is None:
            return True  # unknown: assume it does
        try:
            assignments = scope[read.value]
        except Exception:
            return True
        return any(getattr(a, "node", None) is binding for a in assignments)

    def _sequential_use(self, node: cst.CSTNode) -> str | None:
        """The code of a use of `node` (or of an item of it) whose meaning a Functional model changes."""
        current = node
        parent = self.parent(current)
        # Items of a display or a loop over it: `models[0].layers`.
        while isinstance(parent, cst.Subscript) and parent.value is current:
            current, parent = parent, self.parent(parent)
        if isinstance(parent, cst.Attribute) and parent.value is current:
            name = parent.attr.value
            if name in ("layers", "add", "pop", "get_layer") or name.startswith("_"):
                return self.code(parent)
            return None
        if isinstance(parent, cst.Arg) and parent.value is current:
            call = self.parent(parent)
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value
                in (
                    "isinstance",
                    "type",
                )
            ):
                return self.code(call)
        return None

    def _check_round_trip(self, plan: Plan) -> None:
        """A model saved and read back in the same file comes back Functional."""
        if plan.serialized_at is None:
            return
        for node in self.candidates:
            if not isinstance(node, cst.Call) or not self.known(node):
                continue
            if not keras_names.is_deserializer(self.qualified(node.func)):
                continue
            if self.pos(node).start.line <= plan.serialized_at:
                continue
            # A model saved in a function is read back there; one saved at module level, anywhere.
            if (
                plan.scope_node is not self.module
                and plan.scope_node not in self.ancestors(node)
            ):
                continue
            self._check_copies(
                plan, [node, *self._copies_of(node)], taken_at=plan.serialized_at
            )

    def _may_change(self, function: cst.FunctionDef) -> bool:
        for node in self._walk(function.body):
            if isinstance(node, cst.Attribute) and node.attr.value in (
                "add",
                "pop",
                "layers",
                "_layers",
            ):
                return True
        return False

    def _check_deferred_use(self, plan: Plan, ref: _Ref) -> None:
        """Code in a function may run at any time, so nothing there can be rewritten."""
        if ref.context in (ExpressionContext.STORE, ExpressionContext.DEL):
            return
        attribute = self.parent(ref.node)
        if isinstance(attribute, cst.Attribute) and attribute.value is ref.node:
            if attribute.attr.value in ("add", "pop"):
                raise Skip(
                    "S2F103",
                    f" ({attribute.attr.value}() in a function on line {ref.start[0]})",
                    ref.node,
                )
        rewrites, notes = dict(plan.node_rewrites), list(plan.notes)
        self._check_later_use(plan, ref)
        if plan.node_rewrites != rewrites:
            plan.node_rewrites, plan.notes = rewrites, notes
            raise Skip("S2F106", f" (in a function on line {ref.start[0]})", ref.node)

    def _plan_layers_rewrite(
        self, plan: Plan, attribute: cst.Attribute, ref: _Ref
    ) -> None:
        """`model.layers[...]` keeps its meaning although `.layers[0]` is now the InputLayer."""
        parent = self.parent(attribute)
        layers_code = self.code(attribute)
        line = ref.start[0]
        count = sum(1 for a in plan.applications if a.top_level)
        if (
            isinstance(parent, cst.Subscript)
            and parent.value is attribute
            and len(parent.slice) == 1
        ):
            index = parent.slice[0].slice
            if isinstance(index, cst.Index):
                value = _int_literal(index.value)
                if value is not None and value < 0 and -value <= count:
                    return  # counted from the end: the same layer either way
                if value is not None and value >= 0:
                    new = value + 1
                    plan.node_rewrites[parent] = f"{layers_code}[{new}]"
                    plan.notes.append(
                        self._diag(
                            "S2F203",
                            plan,
                            f"`{self.code(parent)}` -> `{layers_code}[{new}]`",
                            parent,
                        )
                    )
                    return
            elif isinstance(index, cst.Slice) and index.step is None:
                lower = _bound(index.lower)
                upper = _bound(index.upper)
                if lower is not _NOT_LITERAL and upper is not _NOT_LITERAL:
                    if all(b is None or b >= 0 or -b <= count for b in (lower,)):
                        new_lower = (
                            1 if lower is None else (lower + 1 if lower >= 0 else lower)
                        )
                        new_upper = (
                            None
                            if upper is None
                            else (upper + 1 if upper >= 0 else upper)
                        )
                        text = f"{layers_code}[{new_lower}:{'' if new_upper is None else new_upper}]"
                        plan.node_rewrites[parent] = text
                        plan.notes.append(
                            self._diag(
                                "S2F203",
                                plan,
                                f"`{self.code(parent)}` -> `{text}`",
                                parent,
                            )
                        )
                        return
        arg = parent
        call = self.parent(arg) if isinstance(arg, cst.Arg) else None
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value == "len"
            and len(call.args) == 1
        ):
            grand = self.parent(call)
            text = f"len({layers_code}) - 1"
            if isinstance(
                grand,
                (cst.BinaryOperation, cst.UnaryOperation, cst.Attribute, cst.Subscript),
            ):
                text = f"({text})"
            plan.node_rewrites[call] = text
            plan.notes.append(
                self._diag("S2F203", plan, f"`{self.code(call)}` -> `{text}`", call)
            )
            return
        if self.context(attribute) not in (None, ExpressionContext.LOAD):
            raise Skip("S2F106", f" (.layers assigned on line {line})", attribute)
        text = f"{layers_code}[1:]"
        plan.node_rewrites[attribute] = text
        plan.notes.append(
            self._diag("S2F203", plan, f"`{layers_code}` -> `{text}`", attribute)
        )

    # ------------------------------------------------------------------ input
    def _plan_input(self, plan: Plan) -> None:
        apps = plan.applications
        first = apps[0]
        expr = first.expr
        build_call = plan.build_call
        qualified = self.qualified(expr.func) if isinstance(expr, cst.Call) else set()
        resolved = self._resolve_input_variable(expr, plan)

        for later in apps[1:]:
            if isinstance(later.expr, cst.Call):
                q = self.qualified(later.expr.func)
                if keras_names.is_input(q) or keras_names.is_input_layer(q):
                    raise Skip("S2F115", "", later.expr)

        is_input = isinstance(expr, cst.Call) and keras_names.is_input(qualified)
        is_input_layer = isinstance(expr, cst.Call) and keras_names.is_input_layer(
            qualified
        )
        if (is_input or is_input_layer or resolved is not None) and not first.top_level:
            raise Skip(
                "S2F111", " (the Input is added inside a loop or a condition)", expr
            )
        if is_input or is_input_layer or resolved is not None:
            if resolved is not None:
                plan.input = InputSpec(
                    variable=self.code(expr), source="variable", small=first.small
                )
            elif is_input:
                plan.input = InputSpec(
                    verbatim=self.code(expr), source="element", small=first.small
                )
            else:
                arguments = self._input_layer_arguments(plan, expr)
                plan.input = InputSpec(
                    arguments=arguments, source="element", small=first.small
                )
            apps.pop(0)
            if build_call is not None:
                raise Skip(
                    "S2F103",
                    " (build() on a model that already has an input)",
                    build_call,
                )
            if not apps:
                raise Skip("S2F102", " (it has no layers)")
            self._strip_ignored(plan, apps, start=0)
            return
        if not first.top_level:
            raise Skip(
                "S2F111",
                " (the first layer is added inside a loop or a condition)",
                expr,
            )
        self._strip_ignored(plan, apps, start=1)

        application = (
            expr if isinstance(expr, cst.Call) else self._single_assignment(expr)
        )
        if application is not None and application is not expr:
            if not keras_names.is_application(self.qualified(application.func)):
                application = None
            elif _kwarg(application, "input_shape") is not None:
                shape_arg = _kwarg(application, "input_shape")
                rebound = self._rebound_between(
                    shape_arg.value, application, plan.statement
                )
                if rebound:
                    raise Skip(
                        "S2F111",
                        f" (the base's input_shape reads {rebound}, which changes)",
                        expr,
                    )
        if application is not None and keras_names.is_application(
            self.qualified(application.func)
        ):
            expr = application
            qualified = self.qualified(application.func)
        if isinstance(expr, cst.Call) and keras_names.is_application(qualified):
            shape = _kwarg(expr, "input_shape")
            if (
                shape is None
                or _kwarg(expr, "input_tensor") is not None
                or _has_star(expr)
            ):
                if build_call is None:
                    raise Skip(
                        "S2F111",
                        f" ({self.code(expr.func)} without input_shape=)",
                        expr,
                    )
            else:
                if build_call is not None:
                    raise Skip(
                        "S2F103", " (build() after the input is set)", build_call
                    )
                if self.mixed_precision:
                    # Sequential builds its input with the base's compute dtype.
                    raise Skip(
                        "S2F113", " (a global dtype policy is set in this file)", expr
                    )
                plan.input = InputSpec(
                    arguments=f"shape={self.code(shape.value)}", source="layer"
                )
                # An inline base creates its own InputLayer; Keras made it before
                # the model's, so it is built first to keep the auto names.
                plan.hoist_first = application is first.expr
                self._check_no_nested_models(plan)
                return

        layer_class = (
            keras_names.keras_layer_class(qualified)
            if isinstance(expr, cst.Call)
            else None
        )
        if isinstance(expr, cst.Call) and layer_class is not None:
            if _has_star(expr):
                raise Skip(
                    "S2F111", f" ({layer_class} takes **-unpacked arguments)", expr
                )
            arguments = self._input_from_layer(plan, first, expr, layer_class)
            if arguments is not None:
                if build_call is not None:
                    raise Skip(
                        "S2F103", " (build() after the input is set)", build_call
                    )
                plan.input = InputSpec(arguments=arguments, source="layer")
                self._check_no_nested_models(plan)
                return
            if build_call is None:
                if (
                    keras_names.is_embedding(qualified)
                    and _kwarg(expr, "input_length") is not None
                ):
                    raise Skip("S2F112", "", expr)
                raise Skip("S2F101", "", plan.call)
            plan.input = InputSpec(
                arguments=self._input_from_build(plan, build_call, expr), source="build"
            )
            self._check_no_nested_models(plan)
            return
        if build_call is None:
            if isinstance(expr, cst.Call):
                raise Skip(
                    "S2F111",
                    f" ({self.code(expr.func)} is not a built-in Keras layer)",
                    expr,
                )
            raise Skip("S2F111", f" (the first layer is `{self.code(expr)}`)", expr)
        if not isinstance(expr, cst.Call) or _has_star(expr):
            raise Skip("S2F113", f" (the first layer is `{self.code(expr)}`)", expr)
        plan.input = InputSpec(
            arguments=self._input_from_build(plan, build_call, expr), source="build"
        )

    def _check_no_nested_models(self, plan: Plan) -> None:
        """Keras builds a Sequential's own InputLayer after every layer in the list.

        A later element that is itself a model may create an InputLayer when it
        is built; in the converted order it would come after the model's Input
        and the auto names of the two would swap.
        """
        for app in plan.applications[1:]:
            if app.small is None and isinstance(app.expr, cst.Call):
                q = self.qualified(app.expr.func)
                if (
                    keras_names.sequential_family(q)
                    or keras_names.is_model(q)
                    or keras_names.is_application(q)
                ):
                    raise Skip(
                        "S2F116",
                        f" ({self.code(app.expr.func)} on line {self.pos(app.expr).start.line})",
                        app.expr,
                    )

    def _resolve_input_variable(self, expr: cst.BaseExpression, plan: Plan):
        """A first element that is a variable bound to `keras.Input(...)` in the same scope."""
        value = self._single_assignment(expr)
        if value is not None and keras_names.is_input(self.qualified(value.func)):
            return value
        return None

    def _single_assignment(self, expr: cst.BaseExpression) -> cst.Call | None:
        """The call a name is bound to, when the scope binds it exactly once."""
        if not isinstance(expr, cst.Name):
            return None
        scope = _value(self.scopes.get(expr))
        if scope is None:
            return None
        try:
            assignments = list(scope[expr.value])
        except Exception:
            return None
        # Only the reference's own scope: a global may be rebound anywhere.
        if len(assignments) != 1 or assignments[0].scope is not scope:
            return None
        node = assignments[0].node
        assign = self.parent(node)
        if isinstance(assign, cst.AssignTarget):
            assign = self.parent(assign)
        if isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call):
            return assign.value
        return None

    def _input_layer_arguments(self, plan: Plan, call: cst.Call) -> str:
        renames = {
            "input_shape": "shape",
            "batch_input_shape": "batch_shape",
            "input_tensor": "tensor",
        }
        allowed = {
            "shape",
            "batch_size",
            "dtype",
            "sparse",
            "batch_shape",
            "name",
            "tensor",
            "ragged",
            "optional",
        }
        parts = []
        positional = 0
        for arg in call.args:
            if arg.star:
                raise Skip("S2F111", " (InputLayer takes unpacked arguments)", call)
            if arg.keyword is None:
                positional += 1
                if positional > 3:
                    raise Skip(
                        "S2F109",
                        " (InputLayer with more than three positional arguments)",
                        call,
                    )
                parts.append(self.code(arg.value))
                continue
            keyword = arg.keyword.value
            if keyword in renames:
                plan.notes.append(
                    self._diag(
                        "S2F202",
                        plan,
                        f"InputLayer({keyword}=...) becomes Input({renames[keyword]}=...)",
                        arg,
                    )
                )
                keyword = renames[keyword]
            if keyword not in allowed:
                raise Skip("S2F109", f": InputLayer({keyword}=...)", call)
            parts.append(f"{keyword}={self.code(arg.value)}")
        return ", ".join(parts)

    def _input_from_layer(
        self, plan: Plan, app: Application, call: cst.Call, layer_class: str
    ) -> str | None:
        embedding = keras_names.is_embedding(self.qualified(call.func))
        shape = _kwarg(call, "input_shape")
        dim = None if embedding else _kwarg(call, "input_dim")
        batch_shape = _kwarg(call, "batch_input_shape")
        batch_size = _kwarg(call, "batch_size")
        if shape is not None and dim is not None:
            raise Skip(
                "S2F109", f": {layer_class} has both input_shape= and input_dim=", call
            )
        kept = self._kept_input_arguments(plan, layer_class, (shape, dim))
        strip = [
            a.keyword.value
            for a in (shape, dim, batch_shape, batch_size)
            if a is not None and a not in kept
        ]
        app.strip = tuple(strip)
        if batch_shape is not None:
            plan.notes.append(
                self._diag(
                    "S2F202",
                    plan,
                    f"batch_input_shape={self.code(batch_shape.value)} becomes Input(batch_shape=...)",
                    batch_shape,
                )
            )
            if batch_size is not None:
                raise Skip(
                    "S2F109",
                    f": {layer_class} has both batch_input_shape= and batch_size=",
                    call,
                )
            return f"batch_shape={self.code(batch_shape.value)}"
        if shape is not None:
            text = f"shape={self.code(shape.value)}"
        elif dim is not None:
            text = f"shape=({self.code(dim.value)},)"
        else:
            if batch_size is not None:
                raise Skip(
                    "S2F109",
                    f": {layer_class} has batch_size= but no input shape",
                    call,
                )
            return None
        source = shape or dim
        plan.notes.append(
            self._diag(
                "S2F206",
                plan,
                f"{source.keyword.value}={self.code(source.value)} on {layer_class}",
                source,
            )
        )
        if batch_size is not None:
            plan.notes.append(
                self._diag(
                    "S2F202",
                    plan,
                    f"batch_size={self.code(batch_size.value)} becomes Input(batch_size=...)",
                    batch_size,
                )
            )
            text += f", batch_size={self.code(batch_size.value)}"
        return text

    def _input_from_build(
        self, plan: Plan, build_call: cst.Call, first: cst.Call
    ) -> str:
        if len(build_call.args) != 1 or build_call.args[0].star:
            raise Skip("S2F101", " (build() without a shape)", build_call)
        arg = build_call.args[0]
        if arg.keyword is not None and arg.keyword.value != "input_shape":
            raise Skip("S2F101", f" (build({arg.keyword.value}=...))", build_call)
        shape = arg.value
        if not isinstance(shape, (cst.Tuple, cst.List, cst.Name, cst.Attribute)):
            raise Skip(
                "S2F101",
                f" (build({self.code(shape)}) is not a literal shape)",
                build_call,
            )
        self._check_not_rebound_between(plan, shape, build_call)
        if self.mixed_precision:
            raise Skip(
                "S2F113", " (a global dtype policy is set in this file)", build_call
            )
        dtype = _kwarg(first, "dtype")
        dtype_text = ""
        if dtype is not None:
            if not isinstance(dtype.value, cst.SimpleString):
                raise Skip("S2F113", f" (dtype={self.code(dtype.value)})", dtype)
            value = dtype.value.evaluated_value
            compute = _DTYPE_COMPUTE.get(value, value)
            if not isinstance(compute, str) or compute.startswith("mixed"):
                raise Skip("S2F113", f" (dtype={self.code(dtype.value)})", dtype)
            dtype_text = f', dtype="{compute}"'
        plan.notes.append(
            self._diag("S2F204", plan, f"`{self.code(build_call)}`", build_call)
        )
        if isinstance(shape, (cst.Tuple, cst.List)) and shape.elements:
            head = shape.elements[0].value
            if isinstance(head, cst.Name) and head.value == "None":
                rest = [self.code(e.value) for e in shape.elements[1:]]
                if any(isinstance(e, cst.StarredElement) for e in shape.elements):
                    return f"batch_shape={self.code(shape)}{dtype_text}"
                inner = ", ".join(rest) + ("," if len(rest) == 1 else "")
                return f"shape=({inner}){dtype_text}"
        return f"batch_shape={self.code(shape)}{dtype_text}"

    def _check_not_rebound_between(
        self, plan: Plan, shape: cst.BaseExpression, build_call: cst.Call
    ) -> None:
        """The Input moves to the first layer; the names in its shape must mean the same there."""
        first = plan.applications[0]
        start_node = first.line if first.line is not None else plan.statement
        rebound = self._rebound_between(shape, start_node, build_call)
        if rebound:
            raise Skip(
                "S2F101",
                f" (the build() shape uses {rebound}, assigned after the first layer)",
                build_call,
            )

    def _rebound_between(
        self, expression: cst.CSTNode, start_node: cst.CSTNode, end_node: cst.CSTNode
    ) -> str | None:
        """A name `expression` reads that is assigned between the two nodes, if any."""
        used = {n.value for n in self._walk(expression) if isinstance(n, cst.Name)}
        if not used:
            return None
        start = self.pos(start_node).start
        end = self.pos(end_node).end
        root = self.pos(self._scope_root(start_node))
        for node in (
            n for name in used for n in self.names.get(name, []) if self.known(n)
        ):
            where = self.pos(node).start
            if _inside(where, root):
                if (
                    (start.line, start.column)
                    <= (where.line, where.column)
                    < (end.line, end.column)
                ):
                    if self.context(node) == ExpressionContext.STORE:
                        return node.value
        return None

    def _scope_root(self, node: cst.CSTNode) -> cst.CSTNode:
        return self.enclosing_function(node) or self.module

    def _check_model_arguments(self, plan: Plan) -> None:
        """`name=`/`trainable=` are read when Model(...) is made, after the adds, not before."""
        kind, node = plan.completion
        if kind == "constructor" or node is None:
            return
        for arg in plan.call.args:
            if arg.keyword is not None and arg.keyword.value in ("name", "trainable"):
                rebound = self._rebound_between(arg.value, plan.statement, node)
                if rebound:
                    raise Skip(
                        "S2F109",
                        f": {arg.keyword.value}= reads {rebound}, which changes before the last add()",
                        arg,
                    )

    def _strip_ignored(self, plan: Plan, apps: list[Application], start: int) -> None:
        """Seed 002: Keras ignores input_shape on every layer but the first."""
        for app in apps[start:]:
            expr = app.expr
            if not isinstance(expr, cst.Call):
                continue
            layer_class = keras_names.keras_layer_class(self.qualified(expr.func))
            if layer_class is None:
                continue
            embedding = keras_names.is_embedding(self.qualified(expr.func))
            strip = []
            for name in _INPUT_KWARGS:
                if name == "input_dim" and embedding:
                    continue
                arg = _kwarg(expr, name)
                if arg is None or self._kept_input_arguments(plan, layer_class, (arg,)):
                    continue
                strip.append(name)
                code = (
                    "S2F202"
                    if name in ("batch_input_shape", "batch_size")
                    else "S2F201"
                )
                detail = f"{name}={self.code(arg.value)} on {layer_class}"
                if code == "S2F202":
                    detail += " is dropped (ignored after the first layer)"
                plan.notes.append(self._diag(code, plan, detail, arg))
            app.strip = tuple(strip)

    def _kept_input_arguments(
        self, plan: Plan, layer_class: str, arguments: tuple[cst.Arg | None, ...]
    ) -> list[cst.Arg]:
        """input_shape=/input_dim= that stay on their layer because its object is handed out.

        The layer object keeps them (Keras stores them on it), and a Sequential
        that later gets it as its first layer takes its input from them.
        Functional models ignore them, so keeping them changes nothing else.
        """
        if plan.layers_read_at is None:
            return []
        kept = [
            a
            for a in arguments
            if a is not None and a.keyword.value in ("input_shape", "input_dim")
        ]
        for arg in kept:
            plan.notes.append(
                self._diag(
                    "S2F207",
                    plan,
                    f"{arg.keyword.value}={self.code(arg.value)} on {layer_class} is kept: "
                    f".layers is read on line {plan.layers_read_at}",
                    arg,
                )
            )
        return kept

    def _end_line(self, plan: Plan) -> int:
        kind, node = plan.completion
        if node is not None:
            return self.pos(node).end.line
        return self.pos(plan.statement).end.line


_REDUCE_ABOVE = 0  # lines; files this short are analysed whole


def _reduced_module(
    module: cst.Module, source: str
) -> tuple[cst.Module | None, frozenset[cst.CSTNode]]:
    """The imports and the definitions that mention Sequential, or None for the whole module.

    Classes keep only their statements that mention Sequential. None when the
    file is small, or when a model may live where any statement of the file
    can use it: at module level, or on an attribute (`self.model`) that other
    methods read. Also returns the kept units (top-level statements, or
    statements of a kept class), grouped with Python's own (fast) parser.
    """
    kept_units: set[cst.CSTNode] = set()
    if source.count("\n") <= _REDUCE_ABOVE or _ATTRIBUTE_SITE.search(source):
        # A model on an attribute may be read through any object, anywhere.
        return None, frozenset()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None, frozenset()
    lines = source.splitlines()
    top = _line_groups(tree.body)
    if len(top) != len(module.body):
        return None, frozenset()

    def text(group) -> str:
        first = min(
            [
                group[0].lineno,
                *(d.lineno for d in getattr(group[0], "decorator_list", ())),
            ]
        )
        return "\n".join(lines[first - 1 : group[-1].end_lineno])

    kept: list[cst.BaseStatement] = []
    for statement, group in zip(module.body, top):
        code = text(group)
        if "Sequential" not in code:
            if "import" in code:
                kept.append(statement)
                kept_units.add(statement)
            continue
        if isinstance(statement, cst.FunctionDef):
            kept.append(statement)
            kept_units.add(statement)
        elif isinstance(statement, cst.ClassDef):
            inner = _line_groups(group[0].body)
            whole = (
                _ATTRIBUTE_SITE.search(code) or "Sequential" in code.split(":", 1)[0]
            )
            if whole or len(inner) != len(statement.body.body):
                kept.append(statement)
                kept_units.add(statement)
                continue
            units = []
            for unit, unit_group in zip(statement.body.body, inner):
                unit_code = text(unit_group)
                if "Sequential" in unit_code or "import" in unit_code:
                    units.append(unit)
                    kept_units.add(unit)
            kept.append(
                statement.with_changes(body=statement.body.with_changes(body=units))
            )
        else:
            return None, frozenset()
    return module.with_changes(body=kept), frozenset(kept_units)


def _line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Python's statements grouped as LibCST groups them: `a; b` is one line."""
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if (
            groups
            and groups[-1][-1].end_lineno == statement.lineno
            and not isinstance(statement, _AST_COMPOUND)
        ):
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups


_AST_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
)
# `self.model = ...Sequential(` and the like: other methods may read the model.
_ATTRIBUTE_SITE = re.compile(r"\w\.\w+\s*(:[^=]*)?=[^=\n]*Sequential")


_NOT_LITERAL = object()
# Methods that write the model out, for a reader of this file to load back.
_SERIALIZERS = ("save", "to_json", "to_yaml", "get_config", "export")


def _value(value):
    """LibCST computes some metadata lazily; this reads the value either way."""
    return value() if isinstance(value, LazyValue) else value


def _int_literal(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.evaluated_value)
    return None


def _bound(node: cst.BaseExpression | None):
    if node is None:
        return None
    value = _int_literal(node)
    return _NOT_LITERAL if value is None else value


def _kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _inside(where, code_range: CodeRange) -> bool:
    point = (where.line, where.column)
    return (
        (code_range.start.line, code_range.start.column)
        <= point
        < (
            code_range.end.line,
            code_range.end.column,
        )
    )
