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
from collections.abc import Sequence, Set
from dataclasses import dataclass

from .collector import Collector, root_of


@dataclass(frozen=True)
class Facts:
    """What one unit mentions at module level, and where it reads names the checks follow.

    The sets are read only, never changed.
    """

    mentions: Set[str]  # module-level names it reads or binds (builtins included)
    binds: Set[str]  # module-level names it binds
    reads: Set[str]  # module-level names it reads
    # Module-level names it mentions other than as `name.attr` (read or
    # assigned to), and the (name, attr) pairs of those it mentions that way.
    plain: Set[str]
    dotted: Set[tuple[str, str]]
    # Module-level names it mentions inside a function, a lambda or a class
    # (decorators and defaults included): code that may run at any time.
    deferred: Set[str]
    # Names it assigns or deletes at module level outside any function, class
    # or comprehension: where a model's story certainly ends.
    certain_stores: Set[str]
    # Names it assigns or deletes in any scope, `as` names too: LibCST's stores
    # (not `def`, `class` or a plain `import`).
    stores: Set[str]
    attributes: Set[str]  # attribute names it reads or writes, at any depth
    # Attribute names it assigns (`self.model = ...`), and those it reads of
    # `self` or `cls`.
    assigned_attributes: Set[str]
    self_attributes: Set[str]
    # (a name, or "." and an attribute name, a name that may hold a copy of
    # it) for each assignment or `for` a copy of a model may be taken in
    # (`other = model`, `models = [model]`, `for m in (model,)`, `m = self.model`).
    copies: Set[tuple[str, str]]
    # Names it reads where the checks look at a copy of a model: subscripted
    # (`models[0].layers`), in an assigned or iterated display, as the value
    # assigned or iterated (sites.py: `_sequential_use`, `_copies_of`).
    copy_uses: Set[str]
    # Every word of the arguments of `build(...)`, name=, trainable= and input_shape=.
    reread: Set[str]
    # (function or method name, a name passed to it) of every call, and the
    # names and attribute names of the functions it calls.
    called_on: Set[tuple[str, str]]
    called: Set[str]
    # What the checks resolve around a use of a model: (a name or attribute
    # in a call's arguments, not read as `.x` of it, the root name of the
    # function called: `f` of `f(model)`, or "." and `keras` of
    # `keras.models.save_model(model)`), and the words of each
    # `isinstance(...)`, `type(...)` (the classes a model is tested against).
    enclosed: Set[tuple[str, str]]
    tested: Set[frozenset[str]]
    # What the planner resolves in a unit that builds a model: the root name
    # of every function called and class based on (its qualified name), and
    # every name handed over whole, as an element of a display or an argument
    # (a layer variable: is it bound once, to an Input or a base model?).
    callee_roots: Set[str]
    handed: Set[str]
    listed: Set[str]  # those of them that are elements of a display (`[norm, ...]`)
    # (a name, the root name of the function whose call is assigned to it),
    # outside functions and classes (`inputs = keras.Input(...)`): what the
    # planner resolves of a name bound to a layer, an Input, a base model.
    assigned_calls: Set[tuple[str, str]]
    every: Set[str]  # every name and attribute it mentions, in any scope
    # Outside function bodies: names imports, `def` and `class` bind, and names
    # anything else binds (or `global` declares, anywhere).
    defines: Set[str]
    assigns: Set[str]
    # (a name, what it is assigned a call of), for `name = f(...)` in any
    # scope: "()" when f is itself a call, else f's last name (`Input` of
    # `keras.Input`): sites.py's `_any_assignment` looks for exactly these.
    call_assigns: Set[tuple[str, str]]
    # Names assigned, in any scope, a call with an input argument
    # (`first = Dense(8, input_shape=(4,))`).
    input_calls: Set[str]
    # What a name is called on, or first built on by `fit`/`predict`...
    # (`collector.Collector._built_on`): (name, by such a method, arguments).
    built_on: Set[tuple[str, bool, tuple[ast.expr, ...]]]
    # (name, whether it states an input) of the first `name.add(...)` or
    # `name.build(...)` of each name, in any scope.
    first_completions: Set[tuple[str, bool]]
    imports: bool  # it imports outside any function
    seed_aliases: Set[str]  # names its imports bind to Sequential or InputLayer
    deserializer_aliases: Set[str]  # names its imports bind to a deserializer
    input_aliases: Set[str]  # names its imports bind to `Input`

    @classmethod
    def of(cls, statements: Sequence[ast.stmt], in_class: bool = False) -> Facts:
        collector = Collector()
        collector._nested = int(in_class)  # a class body binds the class's names
        collector._deferred = int(in_class)
        for statement in statements:
            if in_class and isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                collector.members.add(statement)
            collector.visit(statement)
        return cls._from(collector)

    @classmethod
    def of_header(cls, node: ast.ClassDef) -> Facts:
        collector = Collector()
        collector._deferred = 1
        collector.name(node.name, True)
        collector.defines.add(node.name)
        for base in node.bases:
            root = root_of(base)
            if isinstance(root, ast.Name):
                collector.callee_roots.add(root.id)
        for part in [*node.decorator_list, *node.bases, *node.keywords]:
            collector.visit(part)
        return cls._from(collector)

    @classmethod
    def of_clauses(cls, node: ast.stmt) -> Facts:
        """What a compound statement's clauses (not their blocks) mention: the
        target and iterable of a `for`, the test of an `if` or `while`, the items
        of a `with`, the handlers of a `try`."""
        collector = Collector()
        if isinstance(node, (ast.For, ast.AsyncFor)):
            collector._copy(node.iter, [node.target])
            collector.visit(node.target)
            collector.visit(node.iter)
        elif isinstance(node, (ast.If, ast.While)):
            collector.visit(node.test)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                collector.visit(item)
        else:
            for handler in getattr(node, "handlers", ()):
                if handler.type is not None:
                    collector.visit(handler.type)
                if handler.name:
                    collector._store(handler.name)
                    collector.name(handler.name, True)
        return cls._from(collector)

    @classmethod
    def _from(cls, collector: Collector) -> Facts:
        return cls(
            # The collector's own sets: it is dropped once read.
            **{
                name: getattr(collector, name)
                for name in cls.__dataclass_fields__
                if name != "imports"
            },
            imports=collector.imports,
        )
