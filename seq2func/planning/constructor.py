"""Step: the layers and arguments written in the `Sequential(...)` call itself.

Reads the layer list (positional or `layers=`), `name=` and `trainable=`,
and the comments written around each layer, which travel with it. Raises
S2F102 (the layers are not a literal list: a variable, `*layers`) and S2F109
(a second positional argument, which is `name` in Keras 2 and `trainable` in
Keras 3, or an unknown keyword). The arguments of `Sequential(**config)`
are read from a literal dict bound just before (`config_dict`), Keras 2's
`Sequential(layer)` is a list of one (`keras2`), and another model's layers
(`Sequential(model_A.layers[:-1])`) are `layers_from_model`'s. Fixtures:
`form_layers_keyword`, `form_name_and_trainable`, `comments_*`,
`safety_unpacked_layers`, `safety_positional_name`, `input_config_dict_*`,
`keras2_bare_layer`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.index import TreeIndex
from ..diagnostics import AMBIGUOUS_ARGUMENTS, LAYERS_NOT_VISIBLE
from . import keras2
from .config_dict import config_arguments
from .layers_from_model import taken_layers
from .plan import Application, Plan, Skip


def read_constructor(index: TreeIndex, plan: Plan) -> None:
    for arg in plan.call.args:
        if arg.keyword is not None and arg.keyword.value == "name":
            if isinstance(arg.value, cst.SimpleString):
                plan.model_name = arg.value.evaluated_value  # type: ignore[assignment]
    arguments = _arguments(index, plan)
    elements = _layer_elements(index, plan, arguments)
    if isinstance(elements, Application):
        plan.applications = [elements]
        return
    plan.applications = [Application(expr=e.value, top_level=True) for e in elements]
    # The layers' comments are where the layers are: in the call, or in a config dict.
    container = plan.removed[-1] if plan.removed else plan.call
    _attach_comments(index, plan, elements, container)


def _arguments(index: TreeIndex, plan: Plan) -> list[cst.Arg]:
    """The call's arguments, with a `**config` dict's entries read as keywords."""
    arguments: list[cst.Arg] = []
    for arg in plan.call.args:
        if arg.star == "**":
            # A literal dict bound just before (issue 12, item 6).
            entries = config_arguments(index, plan, arg)
            if entries is not None:
                arguments.extend(entries)
                continue
        arguments.append(arg)
    return arguments


def _layer_elements(
    index: TreeIndex, plan: Plan, arguments: list[cst.Arg]
) -> list[cst.Element] | Application:
    layers_value: cst.BaseExpression | None = None
    for position, arg in enumerate(arguments):
        if arg.star:
            raise Skip(LAYERS_NOT_VISIBLE, f" ({arg.star}-unpacked arguments)")
        keyword = arg.keyword.value if arg.keyword else None
        if keyword is None:
            if position == 0:
                layers_value = arg.value
                continue
            raise Skip(
                AMBIGUOUS_ARGUMENTS,
                ": a second positional argument is `name` in Keras 2"
                " and `trainable` in Keras 3",
            )
        if keyword == "layers":
            layers_value = arg.value
        elif keyword in ("name", "trainable"):
            plan.model_arguments.append(f"{keyword}={index.code(arg.value)}")
        else:
            raise Skip(AMBIGUOUS_ARGUMENTS, f": unknown argument {keyword}=")
    if layers_value is None or (
        isinstance(layers_value, cst.Name) and layers_value.value == "None"
    ):
        return []
    if not isinstance(layers_value, (cst.List, cst.Tuple)):
        if keras2.bare_layer(index, plan, layers_value):  # Keras 2: one layer (item 9)
            return [cst.Element(layers_value)]
        # `Sequential(model_A.layers[:-1])`: another model's layers, in a loop.
        taken = taken_layers(index, layers_value)
        if taken is not None:
            return taken
        raise Skip(LAYERS_NOT_VISIBLE, f" ({index.code(layers_value)})")
    for element in layers_value.elements:
        if isinstance(element, cst.StarredElement):
            raise Skip(LAYERS_NOT_VISIBLE, " (an unpacked list inside the layer list)")
    return list(layers_value.elements)  # type: ignore[arg-type]


def _attach_comments(
    index: TreeIndex,
    plan: Plan,
    elements: list[cst.Element],
    container: cst.CSTNode,
) -> None:
    """Give each layer the comments written around it in the list."""
    comments = index.comments_in(container, [e.value for e in elements])
    apps = plan.applications
    for line, text in comments:
        owner = None
        for app in apps:
            if index.pos(app.expr).end.line == line and app.trailing_comment is None:
                owner = app
                break
        if owner is not None:
            owner.trailing_comment = text
            continue
        following = [a for a in apps if index.pos(a.expr).start.line > line]
        if following:
            following[0].leading_comments.append(text)
        else:
            plan.constructor_comments.append(text)
    if plan.statement is not None:
        trailing = plan.statement.trailing_whitespace.comment
        if trailing is not None:
            plan.model_comment = trailing.value
