"""`Sequential(model_A.layers[:-1])`: a model made of the layers of another (transfer learning).

Keras adds the listed layer objects one by one, and the new model gets an
input only from its first element. Measured on Keras 3.15.1 (and tf_keras
2.21) with `B = Sequential(A.layers[:-1]); B.add(Dense(1))`:

- `A` a Sequential whose first layer was given `input_shape=[28, 28]`: the
  layer object keeps it, and B makes its own InputLayer from it: input
  `(None, 28, 28)`, float32 (Keras 2 takes the layer's dtype instead), a new
  auto-named `input_layer_N`. The same holds when `A` is converted, as long
  as the slice skips its InputLayer (the `layers` rule shifts it, S2F203)
  and the layer keeps `input_shape=` (it does: the layers are handed out,
  S2F207).
- `A` a Functional model on `keras.Input`: a slice from 0 starts with A's
  InputLayer, and B's input is that very layer (`A.input`). The slice must
  surely hold it (`A.layers[:0]`, or `[:-3]` of three layers, leave B
  without an input): an upper bound of -1 needs A's outputs to be a layer's
  call, and a `keras.applications` model has at least 19 layers.
- `A` with `keras.Input` as its first element, or a slice that starts after
  the first layer: B has no input until it is built on data; the other
  late sources (a trace) are asked, else S2F111 says why.

In every case the layers stay A's own objects, weights included. The
converted code applies them to the input in a loop,
`for layer in A.layers[...]: x = layer(x)`, then the added layers
(S2F222). The slice is written as the file has it: when A is converted, its
own `layers` rule has already shifted it past the InputLayer.
`taken_layers` is asked by the constructor step for a layer list that is
not a literal; `input_of_the_layers` is an entry of `inputs.LATE_SOURCES`.
Fixtures: `form_layers_of_another_model*`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext

from ..analysis import keras_names
from ..analysis.index import TreeIndex, WholeFileNeeded
from ..analysis.layer_chain import is_chain, is_chain_application
from ..analysis.nodes import has_star, int_literal, kwarg
from ..analysis.may_reach import reaching_bindings
from ..diagnostics import LAYERS_FROM_MODEL
from .plan import Application, InputSource, InputSpec, Plan, Skip, diagnostic


def taken_layers(index: TreeIndex, value: cst.BaseExpression) -> Application | None:
    """The loop over `X.layers` or `X.layers[a:b]` (no step), as one application."""
    if source_model(value) is None:
        return None
    return Application(expr=value, top_level=True, loop=True)


def input_of_the_layers(
    index: TreeIndex, plan: Plan, first: Application, skip: Skip
) -> InputSpec | None:
    """Where Keras found the input of a model made of another model's layers.

    None, with the reason in `skip`, when the other model's code does not
    give it: the new model is then built by its first data, which a later
    source (a trace) may know.
    """
    if not first.loop:
        return None
    written = first.expr
    name, lower = source_model(written)  # type: ignore[misc]
    bindings = reaching_bindings(index, name) or []
    values = [b.value for b in bindings]
    spec = None
    if len(values) != 1 or not isinstance(values[0], cst.Call):
        reason = f"`{name.value}` may be more than one model"
    elif lower not in (None, 0):
        reason = f"`{index.code(written)}` does not start with the first layer"
    else:
        model = values[0]
        qualified = index.qualified(model.func)
        reason = f"the layers of `{name.value}` carry no input shape Keras reads"
        if keras_names.sequential_family(qualified):
            found = _from_first_layer(index, plan, model)
            if isinstance(found, str):
                reason = found
            else:
                spec = found
        elif not _chain(index, model, qualified):
            # Keras adds a branch's layers one by one and leaves the model
            # unbuilt; applied in a loop they raise (`analysis.layer_chain`).
            reason = f"the layers of `{name.value}` do not form one chain"
        elif not _holds_first(written, _fewest_layers(index, model, qualified)):
            reason = (
                f"`{index.code(written)}` may not hold the InputLayer of `{name.value}`"
            )
        elif keras_names.is_model(qualified):
            spec = _from_functional(index, plan, model, first, name)
        elif keras_names.is_application(qualified):
            spec = _from_application(model, first, name)
    if spec is None:
        skip.detail = f" ({reason})"
        return None
    detail = f"`{index.code(written)}` applied to the input in a loop"
    plan.notes.append(diagnostic(index, plan, LAYERS_FROM_MODEL, detail, written))
    return spec


def source_model(value: cst.BaseExpression) -> tuple[cst.Name, int | None] | None:
    """(`X`, the slice's lower bound) for `X.layers` / `X.layers[a:b]`."""
    lower = None
    if isinstance(value, cst.Subscript):
        if len(value.slice) != 1 or not isinstance(value.slice[0].slice, cst.Slice):
            return None
        part = value.slice[0].slice
        if part.step is not None:
            return None
        if part.lower is not None:
            lower = int_literal(part.lower)
            if lower is None:
                return None
        if part.upper is not None and int_literal(part.upper) is None:
            return None
        value = value.value
    if (
        isinstance(value, cst.Attribute)
        and value.attr.value == "layers"
        and isinstance(value.value, cst.Name)
    ):
        return value.value, lower
    return None


def _from_first_layer(
    index: TreeIndex, plan: Plan, model: cst.Call
) -> InputSpec | str | None:
    """A Sequential's first layer, listed or added, given `input_shape=`/`input_dim=`;
    why not, when it has one but the converter does not take it."""
    first = _first_element(index, model)
    if not isinstance(first, cst.Call) or has_star(first):
        return None
    qualified = index.qualified(first.func)
    if not keras_names.keras_layer_class(qualified) or index.mixed_precision:
        return None
    shape = kwarg(first, "input_shape")
    dim = None if keras_names.is_embedding(qualified) else kwarg(first, "input_dim")
    if (shape is None) == (dim is None) or kwarg(first, "batch_input_shape"):
        return None
    layer = index.code(first.func)
    if kwarg(first, "dtype") is not None:
        # Keras 2 gives the InputLayer that dtype, Keras 3 float32.
        return f"{layer} is given dtype=, whose InputLayer differs in Keras 2 and 3"
    if index.attributes.get("set_floatx") or index.names.get("set_floatx"):
        # Keras 2's is the layer's, the float type when it was made, which
        # may not be the one where the Input is made.
        return "the file sets floatx, which Keras 2 read when the layer was made"
    if kwarg(first, "batch_size") is not None:
        return f"{layer} is given batch_size=, which Keras 2 gave the InputLayer"
    given = shape or dim
    read = given.value  # type: ignore[union-attr]
    # The Input is written at the model's line, the shape was read at the
    # layer's, which a loop that adds the layers may come after, and which a
    # function runs when it is called.
    rebound = index.rebound_between(read, first, plan.call) or index.rebound_between(
        read, plan.call, first
    )
    if rebound:
        return f"`{rebound}`, which the input shape of {layer} reads, is bound again"
    reads_names = any(isinstance(n, cst.Name) for n in index.walk(read))
    if reads_names and index.scope_root(first) is not index.scope_root(plan.call):
        return f"the input shape of {layer} reads names of another scope"
    code = index.code(given.value)  # type: ignore[union-attr]
    arguments = f"shape={code}" if shape is not None else f"shape=({code},)"
    return InputSpec(InputSource.LAYER, arguments=arguments)


def _listed(model: cst.Call) -> cst.List | cst.Tuple | None:
    """The literal list or tuple of layers a `Sequential(...)` call is given."""
    listed = next(
        (
            a.value
            for a in model.args
            if a.keyword is None or a.keyword.value == "layers"
        ),
        None,
    )
    if isinstance(listed, (cst.List, cst.Tuple)) and listed.elements:
        return listed
    return None


def _first_element(index: TreeIndex, model: cst.Call) -> cst.BaseExpression | None:
    """A Sequential's first element: listed, or added first (`Sequential()`, then `add()`)."""
    listed = _listed(model)
    if listed is not None:
        return listed.elements[0].value
    if model.args:
        return None
    from .inputs import stated_input  # planning that model runs the input step

    stated = stated_input(index, model)
    return stated[1] if stated is not None else None


def layer_count(index: TreeIndex, name: cst.Name) -> int | None:
    """How many layers the one Sequential `name` holds lists, where its code
    says and nothing pops them (nor code it was handed to); None else."""
    if index.narrowed:
        raise WholeFileNeeded  # a pop() may be in a statement narrowing left out
    bindings = reaching_bindings(index, name) or []
    if len(bindings) != 1 or not isinstance(bindings[0].value, cst.Call):
        return None
    model = bindings[0].value
    if not keras_names.sequential_family(index.qualified(model.func)):
        return None
    if any(
        isinstance(a.value, cst.Name) and a.value.value == name.value
        for a in index.attributes.get("pop", [])
    ):
        return None
    if _handed_on_before(index, name):
        return None
    listed = _listed(model)
    if listed is not None:
        if any(not isinstance(e, cst.Element) for e in listed.elements):
            return None
        return len(listed.elements)
    if model.args:
        return None
    from .inputs import stated_input

    stated = stated_input(index, model)
    if stated is None:
        return None
    apps = stated[0].applications
    if not all(a.top_level and not a.loop for a in apps):
        return None
    return len(apps)


def _chain(index: TreeIndex, model: cst.Call, qualified: set[str]) -> bool:
    """A Functional model whose code applies one layer after another from its
    Input, or an application of the VGG family."""
    if keras_names.is_application(qualified):
        return is_chain_application(qualified)
    outputs = kwarg(model, "outputs")
    if outputs is None and len(model.args) > 1 and model.args[1].keyword is None:
        outputs = model.args[1]
    inputs = kwarg(model, "inputs")
    if inputs is None and model.args and model.args[0].keyword is None:
        inputs = model.args[0]
    if outputs is None or inputs is None or not isinstance(inputs.value, cst.Name):
        return False
    if index.narrowed:
        raise WholeFileNeeded  # the chain's statements may be ones narrowing left out
    return is_chain(index, outputs.value, inputs.value)


def _handed_on_before(index: TreeIndex, name: cst.Name) -> bool:
    """Whether the model `name` reads is read before it other than for one of
    its public attributes (`trim(base)`, `other = base`): that code may pop it."""
    here = index.pos(name).start
    for node in index.names.get(name.value, []):
        where = index.pos(node).start
        if (where.line, where.column) >= (here.line, here.column):
            continue
        if index.context(node) != ExpressionContext.LOAD:
            continue
        parent = index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue  # `other.base` names an attribute
        if not (
            isinstance(parent, cst.Attribute)
            and parent.value is node
            and not parent.attr.value.startswith("_")
        ):
            return True
    return False


def _from_application(
    model: cst.Call, first: Application, name: cst.Name
) -> InputSpec | None:
    """A `keras.applications` model: its `layers[0]` is its InputLayer."""
    given_in_order = [a for a in model.args[2:] if a.keyword is None]
    if kwarg(model, "input_tensor") is not None or has_star(model) or given_in_order:
        # Its InputLayer may be another model's; a third argument in order is
        # `input_tensor` for VGG16 and the other (include_top, weights, ...) ones.
        return None
    first.expr = _shifted(first.expr)
    return InputSpec(InputSource.VARIABLE, variable=f"{name.value}.input")


def _from_functional(
    index: TreeIndex, plan: Plan, model: cst.Call, first: Application, name: cst.Name
) -> InputSpec | None:
    """A Functional model on one `keras.Input`: the slice starts with its InputLayer."""
    inputs = kwarg(model, "inputs")
    if inputs is None and model.args and model.args[0].keyword is None:
        inputs = model.args[0]
    if inputs is None:
        return None
    bound = index.single_assignment(inputs.value)
    if bound is None and index.narrowed:
        raise WholeFileNeeded  # the binding may be a statement narrowing left out
    if bound is None or not keras_names.is_input(index.qualified(bound.func)):
        return None
    # B's input is A's own InputLayer; the loop starts after it.
    first.expr = _shifted(first.expr)
    return InputSpec(InputSource.VARIABLE, variable=f"{name.value}.input")


# VGG16 without its top, the smallest `keras.applications` model, has 19
# layers (Keras 3.15.1, tf_keras 2.21).
_FEWEST_APPLICATION_LAYERS = 19


def _fewest_layers(index: TreeIndex, model: cst.Call, qualified: set[str]) -> int:
    """The fewest layers the model surely has: a Functional model whose outputs
    are a layer's call (`Dense(4)(h)`, written there or bound once) has its
    InputLayer and that layer."""
    if keras_names.is_application(qualified):
        return _FEWEST_APPLICATION_LAYERS
    outputs = kwarg(model, "outputs")
    if outputs is None and len(model.args) > 1 and model.args[1].keyword is None:
        outputs = model.args[1]
    value = outputs.value if outputs is not None else None
    if isinstance(value, cst.Name):
        value = index.single_assignment(value)
        if value is None and index.narrowed:
            raise WholeFileNeeded  # the binding may be a statement narrowing left out
    called = isinstance(value, cst.Call) and isinstance(value.func, cst.Call)
    return 2 if called else 1


def holds_second(index: TreeIndex, expr: cst.BaseExpression) -> bool:
    """Whether `X.layers[:b]` of a Functional or `keras.applications` model
    surely holds `X.layers[1]` too, the first layer after its InputLayer."""
    name, _ = source_model(expr)  # type: ignore[misc]
    values = [b.value for b in reaching_bindings(index, name) or []]
    if len(values) != 1 or not isinstance(values[0], cst.Call):
        return False
    fewest = _fewest_layers(index, values[0], index.qualified(values[0].func))
    return fewest >= 2 and _holds_first(expr, fewest - 1)


def _holds_first(expr: cst.BaseExpression, fewest: int) -> bool:
    """Whether `X.layers[:b]` surely holds `X.layers[0]`, the InputLayer, when
    X has at least `fewest` layers: else the new model has no input of its own
    (`[:0]`, `[:-3]` of three layers) and takes one from its first data."""
    if not isinstance(expr, cst.Subscript):
        return True
    part = expr.slice[0].slice
    assert isinstance(part, cst.Slice)
    if part.upper is None:
        return True
    upper = int_literal(part.upper)
    assert upper is not None  # source_model reads only literal bounds
    return upper > 0 or (upper < 0 and fewest + upper >= 1)


def _shifted(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`X.layers[1:b]` for `X.layers[:b]` / `X.layers[0:b]` / `X.layers`."""
    if isinstance(expr, cst.Subscript):
        part = expr.slice[0].slice
        assert isinstance(part, cst.Slice)
        upper = part.upper
        text = cst.Module([]).code_for_node(upper) if upper is not None else ""
        owner = cst.Module([]).code_for_node(expr.value)
        return cst.parse_expression(f"{owner}[1:{text}]")
    return cst.parse_expression(f"{cst.Module([]).code_for_node(expr)}[1:]")
