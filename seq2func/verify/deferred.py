"""Verifying a model whose input the converter read from the data of its first build (S2F210).

The original model is built only when the program first runs it on data: a
`fit`, `predict` or call after its statements, which the module-level probe
drops (`reach`: data loading, training and the rest of the program never run
there). So the original's side replays that build, as Keras made it on the
code's own data, not as the converter read it: it first runs the program's
statements through that first build (the model, its data, `compile`, the
call: `first_build_run`), records what Keras builds the model with there,
and builds the model it compares with exactly that (`worker_first_build`).
Keras 2's `InputLayer` takes the data's dtype (int64 data, an int64 input),
so a converted float32 Input is "different"; a `model.build(planned_shape)`
would have been float32 too, and proved a wrong rewrite. Where that run
fails (data from a download or a file, a fit that fails), the model is
built with `model.build(batch_shape)` on the batch shape the converter read,
and the site says so (S2F315). A model whose input a trace recorded (S2F208)
is built that way on the recorded batch shape.

In a function or method, the probe runs the whole body, first build
included; a method of a test class gets its `setUp` first, as unittest
runs it. A body that returns its model unbuilt (`def build_model(): ...
return model`, fitted by the caller) leaves the first build outside the
probe: the worker builds the model it reaches unbuilt as the caller's first
build did (the caller's `m = build_model()` and `m.fit(x)` run the same way,
when at module level), or on the planned batch shape (`Probe.build_shape`);
a model the body built is left as it is.

Keras 3 keeps the first batch's size as the original's input batch dimension
(S2F211); the converted `keras.Input(shape=...)` has None there. The
comparison reads the original's batch dimension as None (in the input and
in every layer's shapes), and the report lists the difference among the
expected ones, with the number.
"""

from __future__ import annotations

import ast
import json
import dataclasses
from dataclasses import dataclass

import libcst as cst

from ..analysis.index import TreeIndex
from ..analysis.traces import SiteTraces
from ..diagnostics import INPUT_FROM_FIRST_BUILD, INPUT_FROM_TRACE
from ..planning import find_sites
from ..planning.plan import FirstBuild
from ..results import Site
from .reach import Probe, module_bindings, ordinal_of
from .slicing import backward_slice

# Inputs Keras took from the data of the model's first build, read or recorded.
_DEFERRED = (INPUT_FROM_FIRST_BUILD, INPUT_FROM_TRACE)


@dataclass(frozen=True)
class DeferredBuild:
    """A site converted from its first build, and that build when it could be found again."""

    site: Site
    first_build: FirstBuild | None
    # The program through the model's first build, where the converter read
    # the input from its data (S2F210) at module level (`first_build_run`).
    run: FirstBuildRun | None = None

    @property
    def read_from_data(self) -> bool:
        """The converter read the input from the code's data (S2F210), not a trace."""
        return any(d.code == INPUT_FROM_FIRST_BUILD for d in self.site.diagnostics)

    def probes(self, original: Probe, converted: Probe) -> tuple[Probe, Probe]:
        """The two probes, the original's building the model the way its first call did."""
        first = self.first_build
        if original.mode == "module" and first is not None and original.target:
            return self._built_first(original, first), converted
        # In a function the first build comes after the model is complete, so
        # both sides run the whole body (the same data, the same training)
        # instead of stopping at completion.
        whole = [
            dataclasses.replace(with_set_up(probe), complete_at=None)
            for probe in (original, converted)
        ]
        if first is not None:
            # A body that returns its model unbuilt leaves the first build to
            # its caller, which the probe never runs: the worker replays it.
            whole[0] = self._built_first(whole[0], first)
        return whole[0], whole[1]

    def _built_first(self, probe: Probe, first: FirstBuild) -> Probe:
        """The original's probe, building a model it reaches unbuilt the way
        the program's first build does (or, failing that, on the planned shape)."""
        run = self.run
        return dataclasses.replace(
            probe,
            build_shape=first.batch_shape,
            first_build=run.code if run else None,
            first_build_target=run.target if run else None,
        )

    def relaxed(self, original: dict, converted: dict) -> tuple[dict, str | None]:
        """The original's result with its batch dimension read as the converted model's.

        Returns the result to compare and the expected difference to list; the
        result unchanged and None when the two batch dimensions agree, or when
        the shapes differ in more than the batch dimension (a real difference).
        """
        kept = _parse(original.get("input_shape"))
        open_ = _parse(converted.get("input_shape"))
        if (
            kept is None
            or open_ is None
            or len(kept) != len(open_)
            or kept[1:] != open_[1:]
            or kept[0] is None
            or open_[0] is not None
        ):
            return original, None
        batch = kept[0]
        relaxed = dict(original)
        relaxed["input_shape"] = converted["input_shape"]
        relaxed["layers"] = [
            _unbatched(row, batch) for row in original.get("layers", [])
        ]
        where = (
            f" (the first batch of `{self.first_build.call}`)"
            if self.first_build
            else ""
        )
        difference = (
            f"the original's input batch dimension is {batch}{where}, the converted "
            "model's is None: Keras 3 keeps the size of the first batch a model is built on"
        )
        return relaxed, difference


def deferred_build(
    source: str, path: str | None, site: Site, traces: SiteTraces | None = None
) -> DeferredBuild | None:
    """The site's first build, when the converter took its input from there
    (S2F210) or from a trace of it (S2F208)."""
    if not any(d.code in _DEFERRED for d in site.diagnostics):
        return None
    first = _first_build(source, path, site, traces)
    deferred = DeferredBuild(site, first)
    if first is not None and deferred.read_from_data:
        run = first_build_run(source, site, first)
        deferred = dataclasses.replace(deferred, run=run)
    return deferred


@dataclass(frozen=True)
class FirstBuildRun:
    """The program through a model's first build, and the name the model has there."""

    code: str
    target: str


def first_build_run(source: str, site: Site, first: FirstBuild) -> FirstBuildRun | None:
    """The program's statements through the model's first build, at their own
    lines: the model (for a module-level site, its slice; for a model a
    function returns, the caller's `m = f()`), then what the statement of that
    build needs (its data, `compile`). None where that statement is not at
    module level outside the site's definition (a build in the function itself
    runs with its body)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    stop = next(
        (
            index
            for index, statement in enumerate(tree.body)
            if statement.lineno <= first.line <= (statement.end_lineno or 0)
        ),
        None,
    )
    if stop is None or isinstance(tree.body[stop], _DEFINITIONS):
        return None
    if site.scope == "<module>":
        target = site.target or ""
        ordinal = ordinal_of(source, site.scope, target, site.line)
    else:  # the caller's name for the returned model: `model` of `model.fit(x)`
        target = _receiver(first.call) or ""
        ordinal = sum(
            1 for _, n in module_bindings(tree, target) if n.lineno <= first.line
        )
    bindings = module_bindings(tree, target) if target else []
    if not 0 < ordinal <= len(bindings):
        return None
    start, binding = bindings[ordinal - 1]
    # The build may be in the statement that makes the model: a loop that
    # makes and fits one model each time round.
    if start > stop or (start == stop and first.line <= binding.end_lineno):
        return None
    lines = source.splitlines()
    code = backward_slice(tree, lines, stop, {target.split(".")[0]}, start)
    return FirstBuildRun(code, target)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _receiver(call: str) -> str | None:
    """`model` in `model.fit(x, ...)` and `model(x)`, as FirstBuild quotes them."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _first_build(
    source: str, path: str | None, site: Site, traces: SiteTraces | None
) -> FirstBuild | None:
    """Plans the original again: the batch shape is the planning's, not in the report."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    index = TreeIndex(module, path, source, traces=traces)
    for plan in find_sites(index):
        spec = plan.input
        if (plan.line, plan.column) == (site.line, site.column) and spec is not None:
            return spec.first_build
    return None


def with_set_up(probe: Probe) -> Probe:
    """A test method's probe that runs the class's `setUp` first, as unittest does."""
    if probe.mode != "method" or probe.function in (None, "__init__", "setUp"):
        return probe
    if not _has_set_up(probe.code, probe.class_name):
        return probe
    code = (
        f"{probe.code}"
        f"def _seq2func_set_up_first(cls):\n"
        f"    made = cls.__init__\n"
        f"    def __init__(self, *args, **kwargs):\n"
        f"        made(self, *args, **kwargs)\n"
        f"        self.setUp()\n"
        f"    cls.__init__ = __init__\n"
        f"_seq2func_set_up_first({probe.class_name})\n"
    )
    return dataclasses.replace(probe, code=code)


def _has_set_up(code: str, class_name: str | None) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return any(
                isinstance(s, ast.FunctionDef) and s.name == "setUp" for s in node.body
            )
    return False


def _parse(shape: str | None) -> tuple | None:
    try:
        value = ast.literal_eval(shape) if shape else None
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, tuple) else None


def _unbatched(row: dict, batch: int) -> dict:
    """A layer row with shapes that start with the kept batch size starting with None."""
    prefix = f"({batch},"
    changed = dict(row)
    for key in ("output_shape", "input_shape"):
        value = row.get(key)
        if isinstance(value, str) and value.startswith(prefix):
            changed[key] = "(None," + value[len(prefix) :]
    if "config" in row:
        # A wrapped layer's config records the shape it was built on
        # (`Bidirectional`'s backward_layer: build_config.input_shape).
        config = row["config"]
        if isinstance(config, str):  # the worker sends it as sorted JSON
            try:
                loaded = json.loads(config)
            except ValueError:
                return changed
            config = json.dumps(_unbatched_config(loaded, batch), sort_keys=True)
        else:
            config = _unbatched_config(config, batch)
        changed["config"] = config
    return changed


def _unbatched_config(value, batch: int):
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            if (
                key == "input_shape"
                and isinstance(item, (list, tuple))
                and item
                and item[0] == batch
            ):
                item = type(item)([None, *item[1:]])
            found[key] = _unbatched_config(item, batch)
        return found
    if isinstance(value, list):
        return [_unbatched_config(item, batch) for item in value]
    return value
