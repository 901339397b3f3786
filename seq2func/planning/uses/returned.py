"""A model its function returns is used by the callers: their uses are judged too.

    def build_encoder():
        model = keras.Sequential([layers.Dense(4, input_shape=(8,)), ...])
        return model

    autoencoder = keras.Sequential([build_encoder(), build_decoder()])
    encoder = build_encoder()
    encoder.add(layers.Dense(2))        # a Functional model has no add()
    first = encoder.layers[0]           # the InputLayer on a Functional model

Converting the Sequential changes what every caller receives, so each use a
caller makes of the returned model goes through the same rules as a use in
the site's own scope (`uses`): used as a layer of another model (S2F117, or
converted when it owns no weights, S2F221), `add`/`pop` (S2F103), `.layers`,
`get_layer(index=)`, `isinstance(m, Sequential)`, private state (S2F106),
handed to a function of this file that may change it (S2F105). A use that
would need a rewrite is not rewritten in the caller (the name there may hold
other models too): the site stays, with S2F106.

Followed: every call of the function by its name in this file that may reach
its `def`; the model used where the call is (`Sequential([f(), ...])`,
`f().layers`), or bound to one name (`m = f()`, `m: T = f()`, also through
`f() if c else x` or `f() or x`), whose reads
after the call that may see that binding (`analysis.reaching`: a later
`m = other` that surely reaches a read ends it); `return f()` in another
function, whose callers are followed in turn (`analysis.reduced` analyses
the whole file when a function that makes a Sequential is called in it);
`lambda: f()` keeps the site (its callers are not followed).
A method's callers are every call of an attribute of its name
(`builder.build_model()`, `super().build_model()`; `self.build_model()` in
another class only when that class does not define its own), which may be
another class's method too (its uses are then judged as well: a skip, never
a wrong conversion). An attribute of the name read without a call (`f =
builder.build_model`, a `@property`) or `getattr(obj, "build_model")` keeps
the site, as does a special method (`__call__`, `__enter__`, `__getitem__`)
returning it. Not followed
(README, "Limits"): the function passed on as an argument (`build_fn=f`, a
tuner), and code in other files; one read otherwise without a call (`g =
f`, `{"a": f}`) keeps the site. A call put straight into a container (`[f() for _ in range(3)]`)
keeps the site where the file reads `.layers` (`reached_elsewhere`), as a
caller's name stored into one does. A caller's
`m.build(shape)` keeps the site (S2F103) unless it repeats the model's
input (`caller_builds`, S2F224): Keras 3 raises on another shape.
Fixtures: `later_returned_*`, `safety_returned_*`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst
from libcst.metadata import ExpressionContext

from ...analysis.index import TreeIndex, WholeFileNeeded
from ...analysis.reaching import Unknown, reaching_value
from ...analysis.references import Ref, references
from ...diagnostics import SEQUENTIAL_SEMANTICS
from ..plan import Form, Plan, Skip
from .base import Effects, Use
from .caller_builds import defer_build
from .reached_elsewhere import skip_if_layers_read

# How far `return f()` chains are followed before the site is left alone.
_DEPTH = 4


def check_callers(
    index: TreeIndex, plan: Plan, rules: Callable[[Use], Effects]
) -> None:
    """Judge, with `rules` (the uses step's `effects_of`), every use the callers of
    the site's function make of the model it returns."""
    function = _returning_function(index, plan)
    if function is None:
        return
    seen: set[int] = set()
    pending = [(function, 0)]
    while pending:
        function, depth = pending.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        for call in _calls(index, function):
            call = _flowing(index, call)
            lam = index.parent(call)
            if isinstance(lam, cst.Lambda) and lam.body is call:
                raise Skip(
                    SEQUENTIAL_SEMANTICS,
                    f" (returned on by the lambda on line {index.line(lam)}, whose"
                    " callers are not followed)",
                    call,
                )
            outer = _returned_again(index, call)
            if outer is not None:
                if depth + 1 >= _DEPTH:
                    raise Skip(
                        SEQUENTIAL_SEMANTICS,
                        f" (returned on through {depth + 1} functions, line"
                        f" {index.line(call)})",
                        call,
                    )
                pending.append((outer, depth + 1))
                continue
            for use in _uses_of(index, plan, call):
                try:
                    _judge(use, rules, f"`{function.name.value}()`")
                except Skip as skip:
                    # `m.build(shape)` may only repeat the input, which the
                    # input step has not read yet.
                    if not defer_build(use, call, function, skip):
                        raise


def _returning_function(index: TreeIndex, plan: Plan) -> cst.FunctionDef | None:
    """The function whose `return` hands out the model at once, if any."""
    function = plan.scope_node
    if not isinstance(function, cst.FunctionDef):
        return None
    if plan.form is Form.RETURN:
        return function
    for ref in plan.later_uses:
        parent = index.parent(ref.node)
        if isinstance(parent, cst.Return) and parent.value is ref.node:
            return function
    return None


def _calls(index: TreeIndex, function: cst.FunctionDef) -> list[cst.Call]:
    """The calls `f(...)` of the function by name that may reach its `def`."""
    name = function.name
    if index.may_be_elided(name.value):
        raise WholeFileNeeded  # narrowing may have blanked a call of the function
    found = []
    for node in index.names.get(name.value, []):
        if node is name:
            continue
        parent = index.parent(node)
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
            continue
        if not index.known(node):
            if isinstance(parent, cst.Call) and parent.func is node:
                # `analysis.reduced` keeps every caller; one it did not is unseen.
                raise Skip(
                    SEQUENTIAL_SEMANTICS,
                    f" (`{name.value}()` on line {index.line(node)} was not analysed)",
                    parent,
                )
            continue
        if not index.reads_binding(node, function):  # type: ignore[arg-type]
            continue
        if isinstance(parent, cst.Call) and parent.func is node:
            found.append(parent)
        elif not isinstance(parent, (cst.Arg, cst.Attribute)):
            # `f = make`, `{"dense": make}`: called where this does not follow.
            raise Skip(
                SEQUENTIAL_SEMANTICS,
                f" (`{name.value}` on line {index.line(node)} is read without a"
                " call: the callers of what it is bound to are not followed)",
                node,
            )
    if _is_method(index, function):
        found.extend(_method_calls(index, function))
    # Narrowing keeps each call, and the story of what it binds, as a site's
    # (`analysis.keeping`: a caller of a function naming Sequential is a seed).
    return found


_GETATTR = re.compile(r"\bgetattr\s*\(")


def _attribute_of(name: str) -> re.Pattern[str]:
    """`.name` as text: a call of the method, or a read of it, elsewhere."""
    return re.compile(rf"\.\s*{re.escape(name)}\b")


def _method_calls(index: TreeIndex, function: cst.FunctionDef) -> list[cst.Call]:
    """The calls of an attribute named like the method that may call it."""
    name = function.name
    found: list[cst.Call] = []
    if name.value.startswith("__") and name.value.endswith("__"):
        # `builder()`, `with scope as m`, `zoo["a"]`: Python calls a special
        # method by no name this could follow.
        raise Skip(
            SEQUENTIAL_SEMANTICS,
            f" (returned by the special method `{name.value}`, whose callers"
            " are not followed)",
            function,
        )
    # A method is called as `self.build_model()`, `builder.build_model()`:
    # every call of an attribute so named may be one (another class's
    # method of that name too, which only judges more uses). Narrowing
    # keeps callers by name, not these, nor what they do with the model: the
    # whole file is needed where it left one out, or kept one.
    if index.elided_text_matches(_attribute_of(name.value)) or (
        index.elided_text_matches(_GETATTR)
    ):
        raise WholeFileNeeded
    _skip_if_fetched(index, name.value)
    for attribute in index.attributes.get(name.value, []):
        parent = index.parent(attribute)
        if isinstance(parent, cst.Arg) and parent.value is attribute:
            continue  # `build_fn=self.make`: passed on, as a function is
        if not (isinstance(parent, cst.Call) and parent.func is attribute):
            # `f = builder.make; f()`, a property read `builder.model`:
            # the model is reached where this does not follow it.
            raise Skip(
                SEQUENTIAL_SEMANTICS,
                f" (`{index.code(attribute)}` on line {index.line(attribute)}"
                f" reads the method `{name.value}`, which returns the model,"
                " without calling it: its callers are not followed)",
                attribute,
            )
        if not _own_method_of_callers_class(index, function, attribute):
            found.append(parent)
    if found and index.narrowed:
        raise WholeFileNeeded
    return found


def _own_method_of_callers_class(
    index: TreeIndex, method: cst.FunctionDef, attribute: cst.Attribute
) -> bool:
    """`self.make()` in another class that defines its own `make`: that one, not
    this one. A class that only inherits `make` (from a base's base, a base
    named through an alias, a class that a subclass mixes in) may call this
    one; so may any class where a class of the file has several bases, one of
    them the method's class or a class deriving from it (the order they are
    looked up in may put this one first)."""
    if not (isinstance(attribute.value, cst.Name) and attribute.value.value == "self"):
        return False
    owner = index.parent(index.parent(method))
    caller = next(
        (a for a in index.ancestors(attribute) if isinstance(a, cst.ClassDef)), None
    )
    if caller is None or caller is owner or not isinstance(owner, cst.ClassDef):
        return False
    name = method.name.value
    body = caller.body.body if isinstance(caller.body, cst.IndentedBlock) else ()
    if not any(isinstance(s, cst.FunctionDef) and s.name.value == name for s in body):
        return False
    return not _mixed_in(index, owner)


def _mixed_in(index: TreeIndex, owner: cst.ClassDef) -> bool:
    """Whether a class with several bases names, among them, `owner` or a class
    that derives from it (by the last part of each base's name)."""
    classes = [n for n in index.walk(index.module) if isinstance(n, cst.ClassDef)]

    def bases(cls: cst.ClassDef) -> set[str]:
        return {index.code(b.value).rsplit(".", 1)[-1] for b in cls.bases}

    derived = {owner.name.value}
    grew = True
    while grew:
        more = {c.name.value for c in classes if bases(c) & derived} - derived
        derived |= more
        grew = bool(more)
    return any(len(c.bases) > 1 and bases(c) & derived for c in classes)


def _skip_if_fetched(index: TreeIndex, name: str) -> None:
    """`getattr(builder, "make")()`: a method fetched by its name as a string
    (or by a name not spelled out) is called where this does not follow it."""
    for node in index.names.get("getattr", []):
        call = index.parent(node)
        if not (isinstance(call, cst.Call) and call.func is node):
            continue
        if len(call.args) < 2:
            continue
        attr = call.args[1].value
        if isinstance(attr, cst.SimpleString) and attr.evaluated_value != name:
            continue
        raise Skip(
            SEQUENTIAL_SEMANTICS,
            f" (`{index.code(call)}` on line {index.line(call)} may fetch the"
            f" method `{name}`, which returns the model: its callers are not"
            " followed)",
            call,
        )


def _is_method(index: TreeIndex, function: cst.FunctionDef) -> bool:
    """A def straight in a class body."""
    body = index.parent(function)
    return isinstance(body, cst.IndentedBlock) and isinstance(
        index.parent(body), cst.ClassDef
    )


def _flowing(index: TreeIndex, call: cst.Call) -> cst.BaseExpression:
    """The expression the call's model is the value of: `f() if c else None`,
    `f() or other` hand it on to what they are bound to or returned by."""
    value: cst.BaseExpression = call
    while True:
        parent = index.parent(value)
        if isinstance(parent, cst.IfExp) and value is not parent.test:
            value = parent
        elif isinstance(parent, cst.BooleanOperation):
            value = parent
        else:
            return value


def _returned_again(
    index: TreeIndex, call: cst.BaseExpression
) -> cst.FunctionDef | None:
    """The function that returns the call's model on at once: `return f()`."""
    parent = index.parent(call)
    if isinstance(parent, cst.Return) and parent.value is call:
        return index.enclosing_function(call)
    return None


def _uses_of(index: TreeIndex, plan: Plan, call: cst.BaseExpression) -> list[Use]:
    """The call itself when its value is used where it is, else the reads of the
    one name it is bound to that may see that binding."""
    parent = index.parent(call)
    target = None
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
    elif isinstance(parent, cst.AnnAssign) and parent.value is call:
        target = parent.target
    if not isinstance(target, cst.Name):
        start = index.pos(call).start
        return [
            Use(
                index,
                plan,
                Ref(call, (start.line, start.column), False, ExpressionContext.LOAD),
            )
        ]
    root = index.scope_root(parent)
    end = index.pos(parent).end
    block = index.parent(index.parent(parent))
    loop = outermost_loop(index, parent, root)
    uses = []
    for ref in references(index, target.value, call, parent, root):
        if ref.deferred:
            uses.append(Use(index, plan, ref))  # a function may run at any time
            continue
        if ref.start <= (end.line, end.column):
            if loop is not None and loop in index.ancestors(ref.node):
                # Read on a later pass of the loop: the model an earlier one made.
                uses.append(Use(index, plan, ref))
            continue
        if ref.rebinds:
            if _rebinds_for_good(index, ref, block):
                break  # in the same block: every later read sees another value
            continue
        if not _surely_other(index, ref, call):
            uses.append(Use(index, plan, ref))
    return uses


def _rebinds_for_good(index: TreeIndex, ref: Ref, block: cst.CSTNode | None) -> bool:
    """`name = ...` as a statement of the block the call's statement is in."""
    assign = index.enclosing_small(ref.node)
    if not isinstance(assign, cst.Assign):
        return False
    if not any(t.target is ref.node for t in assign.targets):
        return False
    line = index.parent(assign)
    return isinstance(line, cst.SimpleStatementLine) and index.parent(line) is block


def _surely_other(index: TreeIndex, ref: Ref, call: cst.BaseExpression) -> bool:
    """The read surely sees another assignment of the name (a later `m = ...`)."""
    if not isinstance(ref.node, cst.Name):
        return False
    try:
        value = reaching_value(index, ref.node)
    except Unknown:
        return False
    return value is not call


def _in_container(use: Use) -> bool:
    """The call itself is an element of a display or of a comprehension."""
    node, parent = use.ref.node, use.index.parent(use.ref.node)
    if isinstance(parent, (cst.Element, cst.DictElement)):
        return parent.value is node
    if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return parent.elt is node
    return isinstance(parent, cst.DictComp) and parent.value is node


def _judge(use: Use, rules: Callable[[Use], Effects], returner: str) -> None:
    """The use's rules; a rewrite the caller would need keeps the site."""
    where = f"`{use.index.code(use.attribute or use.ref.node)}` on line {use.line}"
    try:
        if _in_container(use):
            # `[build_model() for _ in range(3)]`, `{"a": build_model()}`: the
            # model is reached through the container, where this file may read
            # its layers.
            skip_if_layers_read(use, "put in a container")
        effects = rules(use)
    except Skip as skip:
        detail = skip.detail or ""
        if detail.endswith(")"):
            detail = f"{detail[:-1]}, in a caller of {returner}, which returns it)"
        else:
            detail = f"{detail} ({where}, in a caller of {returner}, which returns it)"
        raise Skip(skip.code, detail, skip.node) from None
    if effects.rewrites:
        raise Skip(
            SEQUENTIAL_SEMANTICS,
            f" ({where}, in a caller of {returner}, which returns it, would need"
            " a rewrite there)",
            use.ref.node,
        )
    effects.apply_to(use.plan)


def outermost_loop(
    index: TreeIndex, node: cst.CSTNode, root: cst.CSTNode
) -> cst.For | cst.While | None:
    """The outermost `for`/`while` of the scope that holds `node`, if any."""
    loops = [
        a
        for a in index.ancestors_below(node, root)
        if isinstance(a, (cst.For, cst.While))
    ]
    return loops[-1] if loops else None
