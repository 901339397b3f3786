"""A layer of the model bound to a name, read before the model's first build.

A model whose input comes from its first build on data (`first_build`) is
built there in the original, and where it is made in the converted code.
Its layers are built with it: a layer the code can reach by a name
(`embedding_layer = Embedding(...)`, then `model.add(embedding_layer)`) is
unbuilt in between in the original and built in the converted code. Measured
on Keras 3.15 (TF 2.21): `embedding_layer.set_weights([w])` there raises
"the layer was expecting 0 weights" in the original and succeeds after the
conversion; `.built`, `.weights` and `get_weights()` differ too. So every
read of such a name after the model is made must come after its first
build; a read in a function, which may run at any time, keeps the site
(S2F101, with the read in its message); so does one in a generator
expression, whose body runs when it is iterated. A layer is reached by its
name, by the names of a literal list a loop of `add()` goes over
(`for layer in [a, b]`; a list filled any other way may hold layers other
names reach), or by the attribute or item it is held on (`holder.dense`,
`blocks["a"]`: a read of `holder` counts unless it reads another attribute
as a field; a method gets the holder as `self`, and an item is reached
whatever its key is spelled). A layer handed on before the model
(`kept = [head]`, `f(head)`) may be read through what holds it. Reads of a
name before it is surely bound again are of another object (a notebook's
`norm_layer = Normalization()` cell after cell). Reads before the model is made
(`layer.build((None, 3))`) see the same layer in both, but a layer built
there on another shape than the data's would make the converted model raise
where it is made, and the original at its first build (maybe inside an
`assertRaises`): the first layer's `build(shape)` and calls on data before
the model must be on the data's features (`built_on_other_shape`).
Fixtures: `input_first_build_variable_layer*`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContext

from ..analysis.data_shapes import Unknown, data_shape
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.references import Ref, references
from .adapt_before_build import adapts_on_the_data
from .build_shapes import build_argument
from .plan import Application, Plan


def read_before_build(
    index: TreeIndex,
    plan: Plan,
    build: cst.Call | None,
    features: tuple[int | None, ...] | None = None,
) -> str | None:
    """Why a named layer of the model may be seen unbuilt by code the
    conversion would show it built to, or None. `build` is the first build
    in the model's scope (None when it is elsewhere: every later read
    counts), on data of `features`."""
    named = [_named_layers(index, app) for app in plan.applications]
    for names in named:
        if isinstance(names, str):
            return names
    own = {app.expr for app in plan.applications} | {
        _root(node) for names in named for node, _ in names  # type: ignore[misc]
    }
    window = _Window.of(index, plan, build, features, frozenset(own))
    for position, names in enumerate(named):
        for name, listing in names:  # type: ignore[misc]
            reason = window.read(name, listing, position)
            if reason is not None:
                return reason
    return None


def _named_layers(
    index: TreeIndex, app: Application
) -> list[tuple[cst.BaseExpression, bool]] | str:
    """What an application reaches its layers by: the layer's own name, or
    the attribute or item it is held on; in `for layer in [a, b]:
    model.add(layer)`, `a` and `b` too, and the list's name when the loop
    goes over one bound once to a literal list (True beside it: any use of
    the list before the model may change what it holds). A loop over another list
    (filled by `append`, made elsewhere) adds layers other names may reach:
    the reason why, a string. A loop over another model's `layers` adds
    layers that model's input has built already (`layers_from_model`)."""
    expr = app.expr
    if isinstance(expr, (cst.Attribute, cst.Subscript)):
        return [(expr, False)] if isinstance(_root(expr), cst.Name) else []
    if not isinstance(expr, cst.Name):
        return []
    names: list[tuple[cst.BaseExpression, bool]] = [(expr, False)]
    loop = next(
        (
            a
            for a in index.ancestors(expr)
            if isinstance(a, cst.For)
            and isinstance(a.target, cst.Name)
            and a.target.value == expr.value
        ),
        None,
    )
    if loop is None:
        return names
    iterable = loop.iter
    if isinstance(iterable, cst.Name):
        names.append((iterable, True))
        iterable = index.single_value(iterable) or iterable
    if isinstance(iterable, (cst.List, cst.Tuple)) and not any(
        isinstance(e, cst.StarredElement) for e in iterable.elements
    ):
        names += [
            (e.value, False) for e in iterable.elements if isinstance(e.value, cst.Name)
        ]
        return names
    if _layers_of_a_model(loop.iter):
        return names
    return (
        f"the layers `for {expr.value} in {index.code(loop.iter)}` adds may be"
        " reached by other names"
    )


def _layers_of_a_model(iterable: cst.BaseExpression) -> bool:
    """`base.layers` or a slice of it."""
    if isinstance(iterable, cst.Subscript):
        iterable = iterable.value
    return isinstance(iterable, cst.Attribute) and iterable.attr.value == "layers"


def _root(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`holder` of `holder.dense` or `blocks["a"]`: what the layer is reached from."""
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr


def _steps(path: cst.BaseExpression) -> list[str | None]:
    """The attribute names from the root to the layer; None for an item."""
    steps: list[str | None] = []
    while isinstance(path, (cst.Attribute, cst.Subscript)):
        steps.append(path.attr.value if isinstance(path, cst.Attribute) else None)
        path = path.value
    return steps[::-1]


def _reaches(index: TreeIndex, node: cst.CSTNode, steps: list[str | None]) -> bool:
    """Whether a read of the root name may reach the layer down `steps`.

    Only another attribute read as a field (`holder.name`) goes elsewhere. A
    method called on the way (`holder.describe()`) gets it as `self`; any
    item of a container (`blocks[k]`, `blocks.values()`) may be the layer's,
    whatever the key is spelled; a part handed on whole (`f(holder)`) may
    reach it too.
    """
    parent = index.parent(node)
    if isinstance(parent, cst.Param) and parent.name is node:
        return False  # `def __init__(self)` binds the root
    for step in steps:
        parent = index.parent(node)
        if not (
            isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node
        ):
            return True  # a part of the path, handed on whole
        if step is None or isinstance(parent, cst.Subscript):
            return True
        if parent.attr.value != step:
            call = index.parent(parent)
            return isinstance(call, cst.Call) and call.func is parent
        node = parent
    # `holder.dense = Dense(2)` binds the layer; it reads nothing of it.
    return index.context(node) is not ExpressionContext.STORE


def _handed_on(index: TreeIndex, node: cst.CSTNode) -> bool:
    """Whether the layer is handed on whole there: stored, listed or passed,
    not read by an attribute or called (`kept = [head]`, `f(head)`)."""
    parent = index.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return False
    return not (isinstance(parent, cst.Call) and parent.func is node)


def _lazy(index: TreeIndex, node: cst.CSTNode, scope: cst.CSTNode) -> bool:
    """In a generator expression, whose body runs when it is iterated."""
    return any(
        isinstance(a, cst.GeneratorExp) for a in index.ancestors_below(node, scope)
    )


@dataclass(frozen=True)
class _Window:
    """Where reads of the model's layers matter: the site's statement, the
    first build, the scope they share."""

    index: TreeIndex
    plan: Plan
    build: cst.Call | None
    features: tuple[int | None, ...] | None
    own: frozenset[cst.BaseExpression]  # the model's own mentions of its layers
    statement: cst.CSTNode
    scope: cst.CSTNode

    @classmethod
    def of(
        cls,
        index: TreeIndex,
        plan: Plan,
        build: cst.Call | None,
        features: tuple[int | None, ...] | None,
        own: frozenset[cst.BaseExpression],
    ) -> _Window:
        statement = plan.statement if plan.statement is not None else plan.call
        scope = index.scope_root(plan.call)
        return cls(index, plan, build, features, own, statement, scope)

    def read(
        self, name: cst.BaseExpression, listing: bool, position: int
    ) -> str | None:
        """Why a read of `name` (`listing`: a list a loop of `add()` goes
        over; `position`: its layer's place) may see the layer unbuilt where
        the conversion shows it built, or None."""
        index, plan, build, scope = self.index, self.plan, self.build, self.scope
        start, after = _start(index, self.statement), _end(index, self.statement)
        before = _start(index, build) if build is not None else None
        root = _root(name)
        assert isinstance(root, cst.Name)
        path, steps = index.code(name), _steps(name)
        if _may_read_elided(index, plan, root.value, position, build):
            raise WholeFileNeeded  # a blanked statement may read the layer
        refs = references(index, root.value, plan.call, self.statement, scope)
        barrier = _bound_again(index, refs, _start(index, name), scope)
        for ref in refs:
            if ref.node in self.own or ref.rebinds:
                continue
            if not _reaches(index, ref.node, steps):
                continue
            if ref.deferred or _lazy(index, ref.node, scope):
                if build is not None and _defined_after(index, plan, ref, build):
                    continue
                return f"a function on line {ref.line} reads the layer `{path}`"
            if barrier is not None and ref.start < barrier:
                continue  # another object the name held before
            if ref.start < start and (
                listing or root is not name or _handed_on(index, ref.node)
            ):
                # What it is handed to, or holds it, may read it later; a
                # list of layers used before may hold others.
                if listing:
                    return f"`{path}` on line {ref.line} may change the layers it holds"
                return f"`{path}` is handed on, on line {ref.line}, before the model"
            if ref.start > after and (before is None or ref.start < before):
                if position == 0 and adapts_on_the_data(
                    index, plan, ref, self.features
                ):
                    continue
                return (
                    f"`{path}` on line {ref.line} reads a layer of the model"
                    " before it is built"
                )
        return None


def _bound_again(
    index: TreeIndex, refs: list[Ref], taken: tuple[int, int], scope: cst.CSTNode
) -> tuple[int, int] | None:
    """Where the name is last bound, surely, before the model takes the layer
    (a notebook's `norm_layer = Normalization()` cell after cell): reads
    before it are of another object. A binding under an `if`, a loop or a
    `try` may not run, and stops nothing."""
    found = None
    for ref in refs:
        if ref.start >= taken:
            break
        if (
            ref.rebinds
            and not ref.deferred
            and not any(
                isinstance(a, cst.BaseCompoundStatement)
                for a in index.ancestors_below(ref.node, scope)
            )
        ):
            found = ref.start
    return found


def _may_read_elided(
    index: TreeIndex, plan: Plan, name: str, position: int, build: cst.Call | None
) -> bool:
    """Whether a statement narrowing blanked may read the layer where it matters.

    The first layer's reads before the model count too (`built_on_other_shape`);
    past it, only what may run between the model and a module-level first
    build: a later function cannot run before it (`_defined_after`).
    """
    if position == 0 or build is None:
        return index.may_be_elided(name)
    if not isinstance(index.scope_root(plan.call), cst.Module):
        return index.may_be_elided(name)
    statement = plan.statement if plan.statement is not None else plan.call
    first = index.line(index.top_level(statement))
    last = index.pos(index.top_level(build)).end.line
    return index.may_be_elided_between(name, first, last)


def _defined_after(index: TreeIndex, plan: Plan, ref: Ref, build: cst.Call) -> bool:
    """Whether the function reading the layer is defined by a module-level
    statement after the one holding the model's first build, itself after
    the site's: it cannot run before that build, which surely runs once the
    site has (`first_build` checks it): a notebook's
    `dataset.map(lambda x: norm_layer(x))` cells below `fit`."""
    if not isinstance(index.scope_root(plan.call), cst.Module):
        return False
    built, holder = index.top_level(build), index.top_level(ref.node)
    return _start(index, built) < _start(index, holder)


def built_on_other_shape(
    index: TreeIndex, plan: Plan, features: tuple[int | None, ...]
) -> str | None:
    """Why the first layer, bound to a name, may have been built before the
    model on other features than the data's, or None."""
    first = plan.applications[0].expr if plan.applications else None
    if not isinstance(first, cst.Name):
        return None
    statement = plan.statement if plan.statement is not None else plan.call
    site = _start(index, statement)
    scope = index.scope_root(plan.call)
    for ref in references(index, first.value, plan.call, statement, scope):
        if ref.start >= site or ref.rebinds:
            continue
        built = _built_features(index, ref.node)
        if built is not None and built != features:
            return (
                f"`{first.value}` is built on line {ref.line} on another shape"
                " than the data's, or one the converter cannot read"
            )
    return None


def _built_features(
    index: TreeIndex, node: cst.BaseExpression
) -> tuple[int, ...] | str | None:
    """The features `node.build(shape)` or `node(data)` builds the layer on;
    "unknown" when it may build it on a shape not read; None when it does not build."""
    parent = index.parent(node)
    if isinstance(parent, cst.Call) and parent.func is node:
        if not parent.args or parent.args[0].keyword is not None:
            return "unknown"
        try:
            return data_shape(index, parent.args[0].value).features
        except Unknown:
            return "unknown"
    if not (isinstance(parent, cst.Attribute) and parent.attr.value == "build"):
        return None
    call = index.parent(parent)
    if isinstance(call, cst.Call) and not call.args:
        return None  # `Embedding.build()`: weights that do not depend on the input
    argument = build_argument(call) if isinstance(call, cst.Call) else None
    if not isinstance(argument, (cst.Tuple, cst.List)) or len(argument.elements) < 2:
        return "unknown"
    dims = [e.value for e in argument.elements]
    if any(not isinstance(d, cst.Integer) for d in dims[1:]):
        return "unknown"
    return tuple(int(d.value) for d in dims[1:])  # type: ignore[attr-defined]


def _start(index: TreeIndex, node: cst.CSTNode) -> tuple[int, int]:
    where = index.pos(node).start
    return where.line, where.column


def _end(index: TreeIndex, node: cst.CSTNode) -> tuple[int, int]:
    where = index.pos(node).end
    return where.line, where.column
