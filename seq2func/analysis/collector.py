"""The walk `facts.Facts` is read from: one unit of a file, with Python's scope rules.

It records the names and attributes a unit reads and binds at module level
(a name it cannot prove local counts as module level, which keeps more), and
the few positions the conversion's checks read a name in.

Over the size guide by one visitor class: each `visit_*` method is a few
lines, and they share the scope bookkeeping, which splitting would scatter.
"""

from __future__ import annotations

import ast

from .names import annotations, function_locals, target_names, words
from .watched_names import (
    COMPLETING_ATTRIBUTES,
    DESERIALIZERS,
    FIRST_BUILD_ATTRIBUTES,
    INPUT_ARGUMENTS,
    SEEDS,
    STATED_INPUT,
)

_TYPE_TESTS = frozenset({"isinstance", "issubclass", "type"})
# Keyword arguments whose names the conversion checks are not rebound later:
# a model's name=/trainable= (read when Model(...) is made), a base model's input_shape=.
_REREAD_KEYWORDS = frozenset({"name", "trainable", "input_shape"})


class Collector(ast.NodeVisitor):
    """Module-level names of one statement, with Python's rules for function scopes.

    Errs towards "module level": a name it cannot prove local counts as a
    mention, which keeps more statements, never fewer.
    """

    # NodeVisitor finds a node's method by name and its children by iter_fields
    # each time; a walk of a whole notebook's statements feels it.
    def visit(self, node: ast.AST) -> None:
        method = _METHODS.get(type(node))
        if method is None:
            self.generic_visit(node)
        else:
            method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def __init__(self) -> None:
        self.mentions: set[str] = set()
        self.binds: set[str] = set()
        self.reads: set[str] = set()
        self.plain: set[str] = set()
        self.dotted: set[tuple[str, str]] = set()
        self.deferred: set[str] = set()
        self.certain_stores: set[str] = set()
        self.stores: set[str] = set()
        self.attributes: set[str] = set()
        self.assigned_attributes: set[str] = set()
        self.copies: set[tuple[str, str]] = set()
        self.self_attributes: set[str] = set()
        self.copy_uses: set[str] = set()
        self.reread: set[str] = set()
        self.called_on: set[tuple[str, str]] = set()
        self.called: set[str] = set()
        self.enclosed: set[tuple[str, str]] = set()
        self.callee_roots: set[str] = set()
        self.handed: set[str] = set()
        self.listed: set[str] = set()
        self.assigned_calls: set[tuple[str, str]] = set()
        self.tested: set[frozenset[str]] = set()
        self._callers: list[str] = (
            []
        )  # root names of the calls whose arguments are read
        self.imports = False
        self.seed_aliases: set[str] = set()
        self.deserializer_aliases: set[str] = set()
        self.input_aliases: set[str] = set()
        self.call_assigns: set[tuple[str, str]] = set()
        self.input_calls: set[str] = set()
        self.built_on: set[tuple[str, bool, tuple[ast.expr, ...]]] = set()
        self.first_completions: set[tuple[str, bool]] = set()
        self._completed: set[str] = set()
        self.every: set[str] = set()  # every name and attribute, in any scope
        self.defines: set[str] = set()
        self.assigns: set[str] = set()
        self._locals: list[frozenset[str]] = []  # one set per enclosing function
        self.members: set[ast.stmt] = set()  # definitions whose names belong to a class
        self._attribute_of: dict[int, str] = {}  # `x` of `x.attr`: attr
        self._nested = 0  # class bodies and comprehensions around the node
        self._deferred = 0  # functions, lambdas and classes around the node

    def _store(self, name: str) -> None:
        self.stores.add(name)
        if not self._locals:
            self.assigns.add(name)
            if not self._nested:
                self.certain_stores.add(name)

    def name(self, name: str, binding: bool, node: ast.AST | None = None) -> None:
        self.every.add(name)
        if any(name in scope for scope in self._locals):
            return
        self.mentions.add(name)
        if self._deferred:
            self.deferred.add(name)
        attribute = self._attribute_of.get(id(node)) if node is not None else None
        if binding or attribute is None:
            self.plain.add(name)
        else:
            self.dotted.add((name, attribute))
        if binding:
            if not self._locals:
                self.binds.add(name)
            return
        self.reads.add(name)
        if attribute is None:  # `f(model.x)`: the checks read `.x`, not `f`
            for caller in self._callers:
                self.enclosed.add((name, caller))

    def visit_Name(self, node: ast.Name) -> None:
        binding = not isinstance(node.ctx, ast.Load)
        if binding:
            self._store(node.id)
        self.name(node.id, binding, node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.every.add(node.attr)
        self.attributes.add(node.attr)
        if id(node) not in self._attribute_of:
            for caller in self._callers:
                self.enclosed.add((node.attr, caller))
        if not isinstance(node.ctx, ast.Load):
            self.assigned_attributes.add(node.attr)
        elif isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            self.self_attributes.add(node.attr)
        self._attribute_of[id(node.value)] = node.attr
        self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        callee = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr if isinstance(func, ast.Attribute) else None
        )
        arguments = [*node.args, *(k.value for k in node.keywords)]
        self._built_on(node, func, callee, arguments)
        for argument in arguments:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            if isinstance(argument, ast.Name):
                self.handed.add(argument.id)
            if callee is not None and isinstance(argument, ast.Name):
                self.called_on.add((callee, argument.id))
        if callee is not None:
            self.called.add(callee)
        if callee in _TYPE_TESTS and isinstance(func, ast.Name):
            self.tested.add(frozenset(words(arguments)))
        if callee == "build" and isinstance(func, ast.Attribute):
            self.reread.update(words(arguments))
        for keyword in node.keywords:
            if keyword.arg in _REREAD_KEYWORDS:
                self.reread.update(words([keyword.value]))
        self.visit(func)
        root = root_of(func)
        called = isinstance(root, ast.Name)
        if called:
            self.callee_roots.add(root.id)  # type: ignore[attr-defined]
            # "." marks a function reached through an attribute (`keras.layers.X`).
            dot = "" if root is func else "."
            self._callers.append(dot + root.id)  # type: ignore[attr-defined]
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword)
        if called:
            self._callers.pop()

    def _built_on(
        self, node: ast.Call, func: ast.expr, callee: str | None, arguments: list
    ) -> None:
        """`(name, method, expressions)`: `name(...)` with all its arguments,
        `name.fit(x, ...)` (a first-build method) with its data argument alone,
        or all where it cannot tell which that is."""
        if callee is not None:
            self.built_on.add((callee, False, tuple(arguments)))
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.attr in COMPLETING_ATTRIBUTES
            and func.value.id not in self._completed
        ):
            self._completed.add(func.value.id)
            stated = (
                bool(arguments)
                if func.attr == "build"
                else not STATED_INPUT.isdisjoint(words(arguments))
            )
            self.first_completions.add((func.value.id, stated))
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.attr in FIRST_BUILD_ATTRIBUTES
        ):
            data = [k.value for k in node.keywords if k.arg == "x"]
            if node.args and not isinstance(node.args[0], ast.Starred):
                data = [node.args[0]]
            elif not data:
                data = arguments
            self.built_on.add((func.value.id, True, tuple(data)))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._copy(node.value, node.targets)
        if isinstance(node.value, ast.Call):
            func = node.value.func
            kind = (
                "()"
                if isinstance(func, ast.Call)
                else (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else ""
                )
            )
            self.call_assigns.update(
                (target.id, kind)
                for target in node.targets
                if isinstance(target, ast.Name)
            )
            if any(k.arg in INPUT_ARGUMENTS for k in node.value.keywords):
                self.input_calls.update(
                    target.id for target in node.targets if isinstance(target, ast.Name)
                )
        if isinstance(node.value, ast.Call) and not self._deferred:
            root = root_of(node.value.func)
            if isinstance(root, ast.Name):
                self.assigned_calls.update(
                    (target.id, root.id)
                    for target in node.targets
                    if isinstance(target, ast.Name)
                )
        self.generic_visit(node)

    def _display(self, node: ast.List | ast.Tuple | ast.Set) -> None:
        for element in node.elts:
            if isinstance(element, ast.Starred):
                element = element.value
            if isinstance(element, ast.Name):
                self.handed.add(element.id)
                self.listed.add(element.id)
        self.generic_visit(node)

    visit_List = _display
    visit_Tuple = _display
    visit_Set = _display

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._copy(node.value, [node.target])
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._copy(node.value, [node.target])
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._copy(node.iter, [node.target])
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension) -> None:
        # Its variables are read in the comprehension itself, which is kept whole.
        self._copy(node.iter, [])
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        while isinstance(value, ast.Subscript):
            value = value.value
        if isinstance(value, ast.Name) and isinstance(value.ctx, ast.Load):
            self.copy_uses.add(value.id)
        self.generic_visit(node)

    def _copy(self, value: ast.expr, targets: list[ast.expr]) -> None:
        """What may hold a copy of a model after `targets = value` (sites.py: `_copies_of`).

        A name or attribute read as the value, or inside a display that is;
        a call's result is no copy (a clone's caller keeps whatever it binds).
        Names a function binds for itself are read in that function, kept whole.
        """
        held: set[str] = set()
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                held.add(node.id)
            elif isinstance(node, ast.Attribute):
                held.add("." + node.attr)
            elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                stack.extend(node.elts)
            elif isinstance(node, ast.Dict):
                stack.extend(node.values)
            elif isinstance(node, ast.Starred):
                stack.append(node.value)
        if not held:
            return
        self.copy_uses.update(name for name in held if not name.startswith("."))
        bound: set[str] = set()
        for target in targets:
            target_names(target, bound)
        local = set().union(*self._locals) if self._locals else set()
        self.copies.update((h, name) for h in held for name in bound - local)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._store(node.name)
            self.name(node.name, True)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._matched(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._matched(node.name)

    def _matched(self, name: str) -> None:
        if not self._locals:
            self.assigns.add(name)
        self.name(name, True)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.mentions.add(name)
            self.binds.add(name)
            self.assigns.add(name)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        # A function's own imports bind nothing the rest of the file sees.
        self.imports = self.imports or not self._locals
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            if bound != "*":
                self.name(bound, True)
                if not self._locals:
                    self.defines.add(bound)
            if alias.asname:
                self._store(bound)  # LibCST stores to an `as` name, not to `import a`
            imported = alias.name.rsplit(".", 1)[-1]
            if imported in SEEDS:
                self.seed_aliases.add(bound)
            if imported in DESERIALIZERS:
                self.deserializer_aliases.add(bound)
            if imported == "Input":
                self.input_aliases.add(bound)

    visit_Import = _import
    visit_ImportFrom = _import

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    ) -> None:
        self._deferred += 1
        arguments = node.args
        for default in [
            *arguments.defaults,
            *(d for d in arguments.kw_defaults if d is not None),
        ]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            if not self._locals:
                self.defines.add(node.name)
            if node not in self.members:
                self.name(node.name, True)
            for decorator in node.decorator_list:
                self.visit(decorator)
            for annotation in annotations(node):
                self.visit(annotation)
        self._locals.append(frozenset(function_locals(node)))
        for statement in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(statement)
        self._locals.pop()
        self._deferred -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            root = root_of(base)
            if isinstance(root, ast.Name):
                self.callee_roots.add(root.id)
        self._deferred += 1
        if not self._locals:
            self.defines.add(node.name)
        if node not in self.members:
            self.name(node.name, True)
        # A method's name lives in the class, not the module: `build` in two
        # classes links nothing. Other class attributes still count, to err
        # towards keeping.
        self.members.update(
            s
            for s in node.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        )
        self._nested += 1
        self.generic_visit(node)
        self._nested -= 1
        self._deferred -= 1

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        self._nested += 1
        self.generic_visit(node)
        self._nested -= 1

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension


# The visit_ methods by node class (NodeVisitor's `visit_` + class name).
_METHODS = {
    getattr(ast, name[len("visit_") :]): method
    for name, method in vars(Collector).items()
    if name.startswith("visit_") and hasattr(ast, name[len("visit_") :])
}


def root_of(expression: ast.expr) -> ast.expr:
    """`a` of `a.b.c`."""
    while isinstance(expression, ast.Attribute):
        expression = expression.value
    return expression
