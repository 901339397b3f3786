"""What planning produces for one site: the `Plan`, its parts, and `Skip`.

A plan is filled in by the steps of `planning.STEPS`, in their order; a step
that finds a reason to leave the site unchanged raises `Skip`, and the site
keeps its code. The closed sets (the binding form, where `Model(...)` goes,
where the input comes from) are enums, so a writer can match on them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from .. import diagnostics
from ..analysis.index import TreeIndex
from ..results import Diagnostic, model_label

Block = Union[cst.Module, cst.IndentedBlock]


class Form(str, enum.Enum):
    """How the site builds and binds its model; `Site.form` reports the value."""

    EXPRESSION = "expression"  # not yet known, or not bound at all
    LIST = "list"  # `target = Sequential([...])`
    ADD = "add"  # `target = Sequential(...)` then `target.add(...)`
    RETURN = "return"  # `return Sequential([...])`
    NESTED = "nested"  # a Sequential used as a layer of another model
    SUBCLASS = "subclass"  # `class Net(Sequential)`


class CompletionKind(str, enum.Enum):
    """Where `Model(...)` is written: where the last layer joined the model."""

    CONSTRUCTOR = "constructor"  # in place of the `Sequential(...)` statement
    LINE = "line"  # after the last `add(...)` line, in the site's block
    AFTER = "after"  # after the compound statement that holds the last `add`
    BUILD = "build"  # in place of the `build(shape)` call it folds


@dataclass(frozen=True)
class Completion:
    kind: CompletionKind = CompletionKind.CONSTRUCTOR
    node: cst.CSTNode | None = None  # the statement `kind` refers to


class InputSource(str, enum.Enum):
    """Where the model's input comes from."""

    ELEMENT = "element"  # a first `keras.Input(...)`/`InputLayer(...)` element
    VARIABLE = "variable"  # a first element bound to `keras.Input(...)`
    LAYER = "layer"  # `input_shape=`/`input_dim=` on the first layer, or a base model
    BUILD = "build"  # a later `model.build(shape)`
    TRACE = "trace"  # what runs of the program recorded (`seq2func trace`)
    FIRST_BUILD = "first-build"  # the data of its first fit/predict/call


@dataclass(frozen=True)
class FirstBuild:
    """The call that built the original model, and the batch shape Keras gave it there."""

    call: str  # `model.fit(x_train, ...)`, as messages quote it
    line: int
    batch_shape: tuple[int | None, ...]  # the original's InputLayer batch shape


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
    # `expr` is a list of layers, applied in turn: `for layer in expr: x = layer(x)`.
    loop: bool = False


@dataclass
class InputSpec:
    """Where the model input comes from: a verbatim `keras.Input(...)` or arguments for one."""

    source: InputSource
    verbatim: str | None = None
    arguments: str | None = None
    variable: str | None = None
    small: cst.BaseSmallStatement | None = None  # the `add(Input(...))` that carried it
    first_build: FirstBuild | None = None  # for InputSource.FIRST_BUILD


@dataclass
class Plan:
    """Everything the writer needs for one site, or the reasons it is skipped."""

    call: cst.Call
    target: str | None
    scope: str
    form: Form
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
    completion: Completion = field(default_factory=Completion)
    node_rewrites: dict[cst.CSTNode, str] = field(default_factory=dict)
    # Statements the converted code no longer needs (a `**config` dict's).
    removed: list[cst.BaseSmallStatement] = field(default_factory=list)
    scope_node: cst.CSTNode | None = None
    build_call: cst.Call | None = None
    # The later uses of the model, found by the completion step for the uses step.
    later_uses: list = field(default_factory=list)
    # Uses that may read this model or another bound to the same name.
    shared_uses: list = field(default_factory=list)
    deferred_uses: list = field(default_factory=list)
    # `model.output_shape` read between the adds (`mid_construction.MidRead`).
    mid_reads: list = field(default_factory=list)
    # A caller's `m.build(shape)` on the returned model, judged once the input
    # is known (`uses.caller_builds.CallerBuild`).
    caller_builds: list = field(default_factory=list)
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

    @property
    def label(self) -> str:
        return model_label(self.target, self.form.value, self.scope)


def diagnostic(
    index: TreeIndex,
    plan: Plan,
    code: str,
    detail: str = "",
    node: cst.CSTNode | None = None,
) -> Diagnostic:
    """A diagnostic about `plan`, at `node` when given, else at the site."""
    line = index.pos(node).start.line if node is not None else plan.line
    column = index.pos(node).start.column if node is not None else plan.column
    return diagnostics.make(
        code, model=plan.label, line=line, column=column, detail=detail, path=index.path
    )
