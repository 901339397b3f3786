"""What one statement of a file names, read with Python's own parser, for narrowing.

`Facts.of` walks a unit of the file (a top-level statement, or a statement of
a top-level class) once and records the names and attributes it reads and
binds, with Python's rules for function scopes, and the few positions the
conversion's checks read a name in: where a model may be copied (`other =
model`, `[model]`, `for m in (model,)`), the arguments of `build()`, of `name=`, `trainable=`
and `input_shape=`, and the argument a name is called on (`model(x)`).
Whenever it cannot tell, it errs towards the answer that keeps more.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from .names import target_names

# Names that make a statement matter by themselves.
SEEDS = frozenset({"Sequential", "InputLayer"})
# What a call's function is named when it reads a model back, or clones one
# (`keras_names.is_deserializer`); an import may bind another name to one.
DESERIALIZERS = frozenset(
    {
        "load_model",
        "model_from_json",
        "model_from_yaml",
        "model_from_config",
        "deserialize_keras_object",
        "clone_model",
        "from_config",
    }
)
# What the checks read of a model as `model.attr` (sites.py: `_check_later_use`,
# `_sequential_use`, `_SERIALIZERS`), besides private names: any other
# attribute of it, read or assigned, they let be.
# The calls that build a model with no input on their data: the input step
# reads that data's shape (planning/first_build.py), back through its assignments.
FIRST_BUILD_ATTRIBUTES = frozenset(
    {"fit", "predict", "evaluate", "train_on_batch", "predict_on_batch"}
    | {"test_on_batch"}
)
WATCHED_ATTRIBUTES = frozenset(
    {"add", "pop", "build", "layers", "get_layer"}
    | {"save", "to_json", "to_yaml", "get_config", "export"}
)
# Where they are, a use of the model before them is a use before it is complete.
COMPLETING_ATTRIBUTES = frozenset({"add", "build"})
# The one use of a model built on its first data that may come before that
# build unseen: every other use is one before it is built (planning/first_build.py).
HARMLESS_BEFORE_BUILD = frozenset({"compile"})
_TYPE_TESTS = frozenset({"isinstance", "issubclass", "type"})
# Keyword arguments whose names the conversion checks are not rebound later:
# a model's name=/trainable= (read when Model(...) is made), a base model's input_shape=.
_REREAD_KEYWORDS = frozenset({"name", "trainable", "input_shape"})


@dataclass(frozen=True)
class Facts:
    """What one unit mentions at module level, and where it reads names the checks follow."""

    mentions: frozenset[str]  # module-level names it reads or binds (builtins included)
    binds: frozenset[str]  # module-level names it binds
    reads: frozenset[str]  # module-level names it reads
    # Module-level names it mentions other than as `name.attr` (read or
    # assigned to), and the (name, attr) pairs of those it mentions that way.
    plain: frozenset[str]
    dotted: frozenset[tuple[str, str]]
    # Names it assigns or deletes at module level outside any function, class
    # or comprehension: where a model's story certainly ends.
    certain_stores: frozenset[str]
    # Names it assigns or deletes in any scope, `as` names too: LibCST's stores
    # (not `def`, `class` or a plain `import`).
    stores: frozenset[str]
    attributes: frozenset[str]  # attribute names it reads or writes, at any depth
    assigned_attributes: frozenset[
        str
    ]  # attribute names it assigns (`self.model = ...`)
    # (a name, or "." and an attribute name, a name that may hold a copy of
    # it) for each assignment or `for` a copy of a model may be taken in
    # (`other = model`, `models = [model]`, `for m in (model,)`, `m = self.model`).
    copies: frozenset[tuple[str, str]]
    # Every word of the arguments of `build(...)`, name=, trainable= and input_shape=.
    reread: frozenset[str]
    # (function or method name, a name passed to it) of every call, and the
    # names and attribute names of the functions it calls.
    called_on: frozenset[tuple[str, str]]
    called: frozenset[str]
    # What the checks resolve around a use of a model: (a name or attribute
    # in a call's arguments, not read as `.x` of it, the root name of the
    # function called: `keras` of `keras.models.save_model(model)`), and the words of each
    # `isinstance(...)`, `type(...)` (the classes a model is tested against).
    enclosed: frozenset[tuple[str, str]]
    tested: frozenset[frozenset[str]]
    every: frozenset[str]  # every name and attribute it mentions, in any scope
    # Outside function bodies: names imports, `def` and `class` bind, and names
    # anything else binds (or `global` declares, anywhere).
    defines: frozenset[str]
    assigns: frozenset[str]
    imports: bool  # it imports outside any function
    seed_aliases: frozenset[str]  # names its imports bind to Sequential or InputLayer
    deserializer_aliases: frozenset[str]  # names its imports bind to a deserializer

    @classmethod
    def of(cls, statements: Sequence[ast.stmt], in_class: bool = False) -> Facts:
        collector = _Collector()
        collector._nested = int(in_class)  # a class body binds the class's names
        for statement in statements:
            if in_class and isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                collector.members.add(statement)
            collector.visit(statement)
        return cls._from(collector)

    @classmethod
    def of_header(cls, node: ast.ClassDef) -> Facts:
        collector = _Collector()
        collector.name(node.name, True)
        collector.defines.add(node.name)
        for part in [*node.decorator_list, *node.bases, *node.keywords]:
            collector.visit(part)
        return cls._from(collector)

    @classmethod
    def _from(cls, collector: _Collector) -> Facts:
        return cls(
            **{
                name: frozenset(getattr(collector, name))
                for name in cls.__dataclass_fields__
                if name != "imports"
            },
            imports=collector.imports,
        )


class _Collector(ast.NodeVisitor):
    """Module-level names of one statement, with Python's rules for function scopes.

    Errs towards "module level": a name it cannot prove local counts as a
    mention, which keeps more statements, never fewer.
    """

    def __init__(self) -> None:
        self.mentions: set[str] = set()
        self.binds: set[str] = set()
        self.reads: set[str] = set()
        self.plain: set[str] = set()
        self.dotted: set[tuple[str, str]] = set()
        self.certain_stores: set[str] = set()
        self.stores: set[str] = set()
        self.attributes: set[str] = set()
        self.assigned_attributes: set[str] = set()
        self.copies: set[tuple[str, str]] = set()
        self.reread: set[str] = set()
        self.called_on: set[tuple[str, str]] = set()
        self.called: set[str] = set()
        self.enclosed: set[tuple[str, str]] = set()
        self.tested: set[frozenset[str]] = set()
        self._callers: list[str] = (
            []
        )  # root names of the calls whose arguments are read
        self.imports = False
        self.seed_aliases: set[str] = set()
        self.deserializer_aliases: set[str] = set()
        self.every: set[str] = set()  # every name and attribute, in any scope
        self.defines: set[str] = set()
        self.assigns: set[str] = set()
        self._locals: list[frozenset[str]] = []  # one set per enclosing function
        self.members: set[ast.stmt] = set()  # definitions whose names belong to a class
        self._attribute_of: dict[int, str] = {}  # `x` of `x.attr`: attr
        self._nested = 0  # class bodies and comprehensions around the node

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
        for argument in arguments:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            if callee is not None and isinstance(argument, ast.Name):
                self.called_on.add((callee, argument.id))
        if callee is not None:
            self.called.add(callee)
        if callee in _TYPE_TESTS and isinstance(func, ast.Name):
            self.tested.add(frozenset(_words(arguments)))
        if callee == "build" and isinstance(func, ast.Attribute):
            self.reread.update(_words(arguments))
        for keyword in node.keywords:
            if keyword.arg in _REREAD_KEYWORDS:
                self.reread.update(_words([keyword.value]))
        self.visit(func)
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        called = isinstance(root, ast.Name)
        if called:
            self._callers.append(root.id)  # type: ignore[attr-defined]
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword)
        if called:
            self._callers.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        self._copy(node.value, node.targets)
        self.generic_visit(node)

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

    visit_Import = _import
    visit_ImportFrom = _import

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    ) -> None:
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
            for annotation in _annotations(node):
                self.visit(annotation)
        self._locals.append(frozenset(_function_locals(node)))
        for statement in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(statement)
        self._locals.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
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


def _words(expressions: list[ast.expr]) -> set[str]:
    """Every identifier in the expressions: LibCST names attributes and keywords too."""
    found: set[str] = set()
    for expression in expressions:
        for node in ast.walk(expression):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                found.add(node.arg)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = node.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    found = [a.annotation for a in every if a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _function_locals(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
) -> set[str]:
    """Parameters and the names the function's own body binds, less `global`/`nonlocal` ones."""
    arguments = node.args
    found = {
        a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    }
    found |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    declared: set[str] = set()
    stack: list[ast.AST] = (
        list(node.body) if isinstance(node.body, list) else [node.body]
    )
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(current.name)
            # Their decorators and defaults run here; their bodies are another scope.
            stack.extend(getattr(current, "decorator_list", ()))
            continue
        elif isinstance(
            current,
            (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp),
        ):
            continue  # another scope; a name it binds there stays a mention here
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found |= {
                alias.asname or alias.name.split(".")[0] for alias in current.names
            }
        elif isinstance(current, ast.ExceptHandler) and current.name:
            found.add(current.name)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            declared.update(current.names)
        stack.extend(ast.iter_child_nodes(current))
    return found - declared
