"""The first builds of a model a function makes and returns unbuilt: `return model`.

    def get_model():
        model = keras.Sequential([layers.Dense(512), layers.Dense(10)])
        model.compile(...)
        return model

    model = get_model()
    model.fit(train_images, train_labels, ...)

Keras builds each model `get_model()` returns at its first `fit` (or
`predict`, call, ...). When every call of the function is known and each
one's model is first built on data of the same stated shape, that shape is
the input of every model the function makes. `first_build` asks this module
when the model's first use after the site is `return model`, and then
requires that:

- the `return` surely runs once the site has (`build_calls.conditional`),
  and nothing but `compile` uses the model before it;
- the function is not decorated, and every read of its name that may reach
  its `def` is a plain call `m = f(...)` (a name, one target), outside any
  nested function of the caller's scope: a function passed on
  (`KerasClassifier(build_fn=f)`, a tuner) may be called anywhere. A call in
  a loop (k-fold validation) makes a model each pass: the build must follow
  it in the pass with nothing between that may end the pass, and a read in
  the loop before the call, of an earlier pass's model, is judged as a later
  read is;
- in each caller, the first use of `m` after the call, but `compile` and a
  `summary()` that prints it unbuilt (`unbuilt_summary`, S2F212), builds
  it on data (`fit`, `predict`, `m(x)`...) and surely runs once the call
  has; no function reads `m`, and nothing reads `m.input_shape`,
  `output_shape`, `inputs` or `outputs`, whose batch dimension Keras may
  have kept (`first_batch`), nor `m.layers`, `add`, `pop`, `get_layer` or a
  private attribute, which a Functional model answers differently.

`first_build` reads each call's data, and converts only when all agree.
Fixtures: `input_first_build_returned_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.loop_passes import changes_between_passes
from ..analysis.references import Ref, references
from .build_calls import (
    HARMLESS,
    BuildCall,
    conditional,
    data_argument,
    quote,
    use_of,
)
from .keras2_first_build import is_keras2_model
from .unbuilt_summary import DISPLAYS, unbuilt_display
from .plan import Plan
from .uses.returned import outermost_loop

# What shows the batch dimension of the model's input or output.
SHAPE_READS = frozenset(
    {"input_shape", "output_shape", "inputs", "outputs", "input", "output"}
)
# What a Functional model answers differently (`uses/`), unchecked in callers.
_SEQUENTIAL_READS = frozenset({"layers", "add", "pop", "get_layer", "__class__"})


class NotBuilt(Exception):
    """Why the callers' first builds do not give the input; the message says it."""


def is_return(index: TreeIndex, ref: Ref) -> bool:
    """`return model`."""
    parent = index.parent(ref.node)
    return isinstance(parent, cst.Return) and parent.value is ref.node


def returned_builds(index: TreeIndex, plan: Plan, ref: Ref) -> tuple[BuildCall, ...]:
    """Each caller's first build of the model `return model` hands back; raises `NotBuilt`."""
    statement = index.parent(ref.node)
    function = plan.scope_node
    if not isinstance(function, cst.FunctionDef):
        raise NotBuilt(f"`return` on line {ref.line} is not the site's function's")
    reason = conditional(index, plan.block, statement, plan.call)
    if reason is not None:
        raise NotBuilt(f"`return {index.code(ref.node)}` on line {ref.line} {reason}")
    name = function.name.value
    if index.may_be_elided(name):
        raise WholeFileNeeded  # narrowing may have blanked a call of the function
    if function.decorators:
        raise NotBuilt(f"`{name}` is decorated")
    callers = _callers(index, function)
    if not callers:
        raise NotBuilt(f"`{name}` is not called in this file")
    if index.narrowed:
        # Narrowing keeps the calls, not each caller's model's story.
        raise WholeFileNeeded
    # Keras 2 raises on `summary()` of an unbuilt model; the converted would not.
    displays = not is_keras2_model(index, plan)
    return tuple(
        _first_build(index, call, target, displays) for call, target in callers
    )


def _callers(
    index: TreeIndex, function: cst.FunctionDef
) -> list[tuple[cst.Call, cst.Name]]:
    """Every `m = f(...)` of the function; raises `NotBuilt` for any other read of it."""
    name = function.name
    found = []
    for node in index.names.get(name.value, []):
        if node is name or not index.known(node):
            continue
        parent = index.parent(node)
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
            continue
        if not index.reads_binding(node, function):  # type: ignore[arg-type]
            continue
        where = f"`{name.value}` on line {index.line(node)}"
        assign = index.parent(parent) if isinstance(parent, cst.Call) else None
        if not (
            isinstance(parent, cst.Call)
            and parent.func is node
            and isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            raise NotBuilt(f"{where} is not a plain call `m = {name.value}(...)`")
        root = index.scope_root(assign)
        if any(
            isinstance(a, (cst.Lambda, cst.ClassDef, cst.FunctionDef))
            for a in index.ancestors_below(assign, root)
        ):
            raise NotBuilt(f"{where} is called in a nested block of code")
        found.append((parent, assign.targets[0].target))
    return found


def _first_build(
    index: TreeIndex, call: cst.Call, target: cst.Name, displays: bool
) -> BuildCall:
    """The caller's first use of `target` after `target = f(...)`, when it builds the model."""
    assign = index.parent(call)
    root = index.scope_root(assign)  # type: ignore[arg-type]
    end = index.pos(assign).end  # type: ignore[arg-type]
    refs = references(index, target.value, call, assign, root)  # type: ignore[arg-type]
    after = [r for r in refs if r.start > (end.line, end.column)]
    label = f"`{target.value}` of line {index.line(call)}"
    if any(r.deferred for r in refs):
        raise NotBuilt(f"a function reads {label}")
    # In a loop (k-fold validation), a read before the call in the loop reads
    # the model an earlier pass made: it is judged as a later read would be.
    loop = outermost_loop(index, assign, root)  # type: ignore[arg-type]
    earlier = [
        r
        for r in refs
        if loop is not None
        and r.start <= (end.line, end.column)
        and loop in index.ancestors(r.node)
    ]
    for ref in earlier + after:
        if ref.rebinds:
            if ref in earlier:
                continue
            break
        parent = index.parent(ref.node)
        if isinstance(parent, cst.Attribute) and (
            parent.attr.value in SHAPE_READS | _SEQUENTIAL_READS
            or parent.attr.value.startswith("_")
        ):
            raise NotBuilt(f"`{index.code(parent)}` on line {ref.line} reads {label}")
    shown: list[tuple[str, cst.Call]] = []
    for ref in after:
        method, use = use_of(index, ref)
        if method in HARMLESS:
            continue
        if displays and method in DISPLAYS and use is not None and not ref.rebinds:
            quoted = unbuilt_display(index, ref, use)
            if quoted is not None:
                shown.append((quoted, use))
                continue
        if method is None or use is None or ref.rebinds or method in DISPLAYS:
            raise NotBuilt(f"{label} is used on line {ref.line} before it is built")
        where = f"`{quote(index, ref, method, use)}` on line {ref.line}"
        block = index.parent(index.parent(assign))
        # `conditional` also sees a `break`/`continue` that may end the pass
        # between the call and the build in a loop.
        reason = conditional(index, block, use, assign)
        if reason is not None:
            raise NotBuilt(f"{where} {reason}")
        data = data_argument(use, method)
        if data is None:
            raise NotBuilt(f"{where} has no data argument the converter can read")
        if loop is not None:
            reason = _passes_differ(index, loop, assign, use, data)  # type: ignore[arg-type]
            if reason is not None:
                raise NotBuilt(f"{where} {reason}")
        quoted = quote(index, ref, method, use)
        return BuildCall(use, method, data, quoted, unbuilt_displays=tuple(shown))
    raise NotBuilt(f"{label} is never built")


def _passes_differ(
    index: TreeIndex,
    loop: cst.For | cst.While,
    assign: cst.Assign,
    use: cst.Call,
    data: cst.BaseExpression,
) -> str | None:
    """Why the data may differ between passes of the loop that calls `f()`."""
    root = index.scope_root(assign)
    if (
        sum(
            isinstance(a, (cst.For, cst.While))
            for a in index.ancestors_below(assign, root)
        )
        > 1
    ):
        return "is in nested loops"
    return changes_between_passes(index, loop, use, data)
