"""`LATE_SOURCES` entry: a first model without an input, built with the outer one on data.

`autoencoder = Sequential([encoder, decoder])`, where `encoder` is a
`Sequential([...])` whose code gives no input, waits for its first `fit`,
`predict` or call like any model without an input; Keras then builds the
outer model on the data and, inside it, the inner one on the outer's
InputLayer. Measured on Keras 3.15.1 (TensorFlow backend):

- the outer InputLayer's dtype is the inner model's compute dtype, float32
  (the float policy's), whatever the data's dtype and the inner first
  layer's (`Dense(dtype="float64")` inside keeps float32 outside);
  `Sequential` takes no `dtype=` itself;
- the inner model is built on the outer's input, so its batch dimension is
  the outer's: 64 rows fitted give `(32, ...)` to both, as `first_batch` says
  for the outer one;
- `inputs = keras.Input(shape=...)`, `x = encoder(inputs)`, ... builds the
  same layers, in the same order, with bit-identical initial weights (Keras
  draws each initializer's seed when the layer is made).

So the input is that of the outer model's first build (`first_build`: the
build must surely run, only `compile` before it, its data's shape written in
the code), with no dtype argument. What moves is when the inner model is
built, from the first build to the outer model's line. The rule therefore
asks that nothing can see the difference: the inner model is bound once, to
a `Sequential([...])` made before the outer one in the same block (a loop
around the outer model alone would find the inner one built), whose first element is a
built-in float layer given none of the input arguments (so its own code
gives it no input: `first_model` handles the models that have one); the
inner model's name is read nowhere else before that build, nor in a function;
the names the two lists hold are not read between the outer model and the
build; and, when the batch dimension is dropped (S2F211), no later code reads
the inner model's input or output shapes. A Keras 2 model (ageron's chapter
17 notebook sets TF_USE_LEGACY_KERAS) is taken only where Keras 2 builds
the same input, `keras2_first_build`: `fit`/`evaluate` on NumPy floats, with
no batch size kept, and an inner model that does not start with Embedding.

Keeps S2F111 otherwise, with the reason. Notes S2F210 (and S2F211).
Fixtures: `input_first_model_build_*`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import keras_names
from ..analysis.index import TreeIndex
from ..analysis.nodes import has_star, kwarg
from ..analysis.references import Ref, references
from ..diagnostics import OPAQUE_FIRST_LAYER
from . import keras2
from .build_calls import BuildCall
from .first_build import first_builds, input_from_builds
from .keras2_first_build import batch_kept, keras2_unlike_keras3
from .plan import Application, InputSpec, Plan, Skip

# What gives a layer, and so a Sequential starting with it, an input.
_INPUT_ARGUMENTS = (
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "batch_shape",
    "input_length",
)
# First layers whose compute dtype is not the float policy's.
_NOT_FLOAT = frozenset(
    {"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization"}
)
_SEQUENTIAL_ARGUMENTS = frozenset({"layers", "name", "trainable"})


def input_from_first_model_build(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """The input of the outer model's first build, when its first element is such a model."""
    if skip.code != OPAQUE_FIRST_LAYER or not isinstance(first.expr, cst.Name):
        return None
    inner = index.single_assignment(first.expr)
    if (
        inner is None
        or not keras_names.sequential_family(index.qualified(inner.func))
        or not _before(index, inner, plan.call)
    ):
        return None
    on_keras2 = keras2.runs_on_keras2(index, plan)
    layers = _unbuilt_layers(index, inner, on_keras2)
    if layers is None or not _same_block(index, inner, plan):
        return None
    builds = first_builds(index, plan, skip)
    if builds is None or len(builds) != 1:
        return None
    build = builds[0]
    if index.scope_root(build.call) is not index.scope_root(plan.call):
        return None
    reason = keras2_unlike_keras3(index, build) if on_keras2 else None
    if reason is not None:
        skip.detail = f" ({reason})"
        return None
    later = _inner_references(index, first.expr, inner, build)
    if later is None:
        return None
    held = [app.expr for app in plan.applications] + layers
    if _read_before_build(index, plan, held, build):
        return None
    notes = len(plan.notes)
    spec = input_from_builds(
        index, plan, skip, builds, first.expr, lambda: "", also_read=later
    )
    if on_keras2 and spec is not None and spec.first_build is not None:
        if batch_kept(spec.first_build.batch_shape):
            del plan.notes[notes:]
            kept = spec.first_build.batch_shape[0]
            skip.detail = (
                f" (Keras 2 kept a batch size of {kept}, which it may relax later)"
            )
            return None
    return spec


def _before(index: TreeIndex, node: cst.CSTNode, other: cst.CSTNode) -> bool:
    made, used = index.pos(node).start, index.pos(other).start
    return (made.line, made.column) < (used.line, used.column)


def _same_block(index: TreeIndex, inner: cst.Call, plan: Plan) -> bool:
    """The inner model is made in the outer one's block: a loop remakes both.

    An inner model made outside a loop that makes the outer one would be
    built already from the second time on, and give the outer one its input.
    """
    small = index.enclosing_small(inner)
    line = index.parent(small) if small is not None else None
    outer = plan.statement
    return (
        line is not None
        and outer is not None
        and index.parent(line) is index.parent(outer)
    )


def _unbuilt_layers(
    index: TreeIndex, inner: cst.Call, on_keras2: bool = False
) -> list[cst.BaseExpression] | None:
    """The elements of `Sequential([first, ...])` when its code gives it no input."""
    if has_star(inner) or any(
        arg.keyword is not None and arg.keyword.value not in _SEQUENTIAL_ARGUMENTS
        for arg in inner.args
    ):
        return None
    listed = kwarg(inner, "layers")
    positional = [arg for arg in inner.args if arg.keyword is None]
    if listed is None and len(positional) == 1:
        listed = positional[0]
    if listed is None or not isinstance(listed.value, cst.List):
        return None
    elements = listed.value.elements
    if not elements or any(isinstance(e, cst.StarredElement) for e in elements):
        return None
    head = elements[0].value
    if not isinstance(head, cst.Call) or has_star(head):
        return None
    layer_class = keras_names.keras_layer_class(index.qualified(head.func))
    if layer_class is None or layer_class in _NOT_FLOAT:
        return None
    if on_keras2 and keras_names.is_embedding(index.qualified(head.func)):
        return None  # Keras 2's Embedding makes its own input (`keras2`)
    if any(kwarg(head, name) is not None for name in _INPUT_ARGUMENTS):
        return None
    if kwarg(head, "input_dim") is not None and not keras_names.is_embedding(
        index.qualified(head.func)
    ):
        return None
    return [e.value for e in elements]


def _inner_references(
    index: TreeIndex, name: cst.Name, inner: cst.Call, build: BuildCall
) -> tuple[Ref, ...] | None:
    """The inner model's references after the build; None when another one may see it unbuilt."""
    small = index.enclosing_small(inner)
    if small is None:
        return None
    found = references(index, name.value, inner, small, index.scope_root(inner))
    end = index.pos(build.call).end
    later: list[Ref] = []
    for ref in found:
        if ref.node is name:
            continue
        if ref.rebinds and index.parent(index.parent(ref.node)) is small:
            continue  # `encoder = Sequential(...)` itself
        if ref.deferred or ref.rebinds or ref.start < (end.line, end.column):
            return None
        later.append(ref)
    return tuple(later)


def _read_before_build(
    index: TreeIndex,
    plan: Plan,
    held: list[cst.BaseExpression],
    build: BuildCall,
) -> bool:
    """Whether a name in either list is read between the outer model and its build.

    Such a layer or model is built at the outer model's line once converted,
    at the build before; a read in between, or in a function, could tell.
    """
    start = index.pos(plan.statement).end
    end = index.pos(build.call).start
    for expr in held:
        if not isinstance(expr, cst.Name):
            continue
        for node in index.names.get(expr.value, []):
            if node is expr or not index.known(node):
                continue
            at = index.pos(node).start
            if (
                (start.line, start.column)
                < (at.line, at.column)
                < (
                    end.line,
                    end.column,
                )
            ):
                return True
            if index.is_deferred_below(node, index.scope_root(plan.call)):
                return True
    return False
