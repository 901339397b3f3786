"""The recorder: inside a traced program, note where each `Sequential` is made and what it is first built with.

It never imports Keras. `start` installs post-import hooks (`hooks.py`);
when the program itself imports Keras 3 (`keras`, or `tf.keras` in
TensorFlow >= 2.16) or Keras 2 (`tf_keras`), the `Sequential` class is
patched before the program can make one:

- `Sequential.__new__` looks at the frame that made the call (the calling
  instruction's position, `co_positions()`), turns it into a key
  (`keys.py`) and remembers it for the new object. Models that Keras or
  TensorFlow make themselves (clones, deserialised models) are not sites of
  the program and are left alone.
- Keras 3 calls `_lock_state()` on a model right after every successful
  build, and `Sequential`'s is a no-op; it is replaced by one that calls the
  original, then records the model's first build: the shapes Keras built
  with (`_build_shapes_dict`), the `InputLayer` it made, and, from the
  frames on the stack, which public call built it (`fit`, `predict`,
  `__call__`, `build`, ...) and the data passed to it. Keras 2 builds a
  deferred `Sequential` in `_build_graph_network_for_inferred_shape`, which
  is wrapped the same way.

The wrappers are in `keras_patches.py`; this module keeps the state they
report to and what it records.

Each model object is recorded once, at its first build; later builds of the
same site are other objects (a function called again, another run), and
are recorded too.

Nothing here changes what the program computes: the wrappers call the
originals with the same arguments and return their results, and no wrapper
frame is on the stack when the program's own code runs (a failure inside a
model's build runs through Keras's frames only). Any error of the recorder
itself is printed once on stderr, recording stops in that process, and the
program goes on.

Per-process state: `start` keeps one `Recorder` in a module global. The
patched Keras methods are called by Keras with no way to hand them a
context, so they find the recorder there; the process has exactly one, and
a forked child keeps it (the store connection is renewed after a fork).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from types import FrameType, ModuleType
from typing import Any

from . import cells, describe, hooks, keras_patches, keys, startup, store

DEBUG_ENV = "SEQ2FUNC_TRACE_DEBUG"
# Modules whose own Sequential(...) calls are not sites of the program.
_INTERNAL_MODULES = ("keras", "tf_keras", "tensorflow", "copy", "copyreg", "pickle")
_MAX_STACK = 400  # frames searched for the public call that built a model
_PRUNE_AT = 4096  # pending models after which dead entries are dropped

_RECORDER: Recorder | None = None


@dataclass(frozen=True)
class _Unit:
    digest: str
    kind: str  # "file" or "cell"
    path: str
    index: keys.CallIndex
    # The cell as written, when `index` is of the code IPython compiled from it.
    raw: str | None = None


@dataclass(frozen=True)
class _Site:
    digest: str
    line: int
    column: int
    kind: str
    path: str


class Recorder:
    """The recording state of one process; see the module docstring."""

    def __init__(self, writer: store.Writer, *, debug: bool = False):
        self.writer = writer
        self.enabled = True
        self.debug = debug
        self.cells = cells.CellSources()
        self._pending: dict[int, tuple[weakref.ref, _Site]] = {}
        self._files: dict[str, _Unit | None] = {}
        self._noted_cells: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()
        self._reported = False
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        # A lock another thread held at the fork would stay held in the child.
        self._lock = threading.Lock()
        self.cells.after_fork()
        self.writer.after_fork()

    # ------------------------------------------------------------ failures
    def fail(self, error: BaseException) -> None:
        self.enabled = False
        if self._reported:
            return
        self._reported = True
        try:
            sys.stderr.write(
                "seq2func trace: recording stopped in this process after an internal "
                f"error ({type(error).__name__}: {error}); the program goes on.\n"
            )
            sys.stderr.flush()
        except Exception:
            pass

    def log(self, message: str) -> None:
        if self.debug:
            sys.stderr.write(f"seq2func trace [{os.getpid()}]: {message}\n")

    def guarded(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function`, with its errors reported once instead of raised."""

        @functools.wraps(function)
        def call(*args, **kwargs):
            if not self.enabled:
                return None
            try:
                return function(*args, **kwargs)
            except Exception as error:
                self.fail(error)
                return None

        return call

    # ------------------------------------------------------------ where
    def _unit(self, filename: str) -> _Unit | None:
        compiled = self.cells.get(filename)
        if compiled is not None:
            raw, transformed, index = compiled
            return _Unit(
                keys.unit_digest(raw),
                "cell",
                cells.kernel_notebook_path(),
                index,
                raw,
            )
        if filename in self._files:
            return self._files[filename]
        unit = None
        if not filename.startswith("<"):
            text = keys.read_python_source(filename)
            if text is not None:
                unit = _Unit(
                    keys.unit_digest(text),
                    "file",
                    os.path.realpath(filename),
                    keys.CallIndex(text),
                )
        self._files[filename] = unit
        return unit

    def site_of(self, frame: FrameType | None) -> _Site | None:
        """The key of the call the frame is making, or None if it is not a site of the program."""
        if frame is None:
            return None
        module = frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.split(".", 1)[0] in _INTERNAL_MODULES:
            return None
        code = frame.f_code
        unit = self._unit(code.co_filename)
        if unit is None:
            self.log(f"no source for {code.co_filename}")
            return None
        span = None
        positions = getattr(code, "co_positions", None)
        if positions is not None:
            found = next(islice(positions(), frame.f_lasti // 2, None), None)
            if found is not None and found[1] is not None and found[3] is not None:
                span = unit.index.ending_at(found[1], found[3])
        else:  # Python 3.10: the line only
            span = unit.index.on_line(frame.f_lineno, "Sequential")
        if span is None:
            self.log(f"no call found at {code.co_filename}:{frame.f_lineno}")
            return None
        line, column = span.line, span.column
        if unit.raw is not None:
            moved = keys.cell_position(unit.raw, unit.index.text, line, column)
            if moved is None:
                return None
            line, column = moved
        return _Site(unit.digest, line, column, unit.kind, unit.path)

    def constructed(self, model: object, site: _Site) -> None:
        with self._lock:
            if len(self._pending) >= _PRUNE_AT:
                self._pending = {
                    key: value
                    for key, value in self._pending.items()
                    if value[0]() is not None
                }
            self._pending[id(model)] = (weakref.ref(model), site)

    def _take(self, model: object) -> _Site | None:
        with self._lock:
            entry = self._pending.pop(id(model), None)
        if entry is None or entry[0]() is not model:
            return None
        return entry[1]

    @property
    def waiting(self) -> bool:
        return bool(self._pending)

    # ------------------------------------------------------------ what
    def built(
        self,
        model: Any,
        input_shape: Any,
        input_layer: Any,
        keras_version: str | None,
        backend: str | None,
    ) -> None:
        """Record the first build of `model`, if it is a site waiting for one."""
        site = self._take(model)
        if site is None:
            return
        found = describe.shape_structure(input_shape)
        if found is None:
            self.log(f"unsupported input structure {input_shape!r}")
            return
        structure, shaped = found
        names = [key for key, _ in shaped]
        call, outer, inner = _public_call(model)
        data = describe.merge(
            describe.data_leaves(outer, structure, names),
            describe.data_leaves(inner, structure, names),
        )
        leaves = _leaves(shaped, data, structure, input_layer)
        name = getattr(model, "name", None)
        self.writer.add_build(
            store.BuildRow(
                digest=site.digest,
                line=site.line,
                column=site.column,
                kind=site.kind,
                path=site.path,
                cell=store.UNKNOWN_CELL,
                model=name if isinstance(name, str) else None,
                call=call,
                structure=structure,
                leaves=leaves,
                keras=keras_version,
                backend=backend,
            )
        )
        self.log(f"recorded {site} {structure} {leaves} via {call}")

    def note_cell(self, source: str, path: str, index: int) -> None:
        """A code cell a notebook client ran (see `cells.patch_nbclient`)."""
        digest = keys.unit_digest(source)
        if (digest, path, index) in self._noted_cells:
            return
        self._noted_cells.add((digest, path, index))
        self.writer.add_unit(digest, "cell", path or store.UNKNOWN_PATH, index)

    # ------------------------------------------------------------ patches
    def apply(self, patch: str, module: ModuleType) -> None:
        """Apply one of the patches (`startup.WATCHED` names them) to a module just imported."""
        self.guarded(getattr(self, patch))(module)

    def patch_ipython(self, module: ModuleType) -> None:
        self.cells.patch_ipython(module)

    def patch_nbclient(self, module: ModuleType) -> None:
        cells.patch_nbclient(module, self.guarded(self.note_cell))

    def patch_keras3(self, module: ModuleType) -> None:
        keras_patches.patch_keras3(self, module)

    def patch_keras2(self, module: ModuleType) -> None:
        keras_patches.patch_keras2(self, module)


def _leaves(
    shaped: list[tuple[str | int | None, describe.Shape]],
    data: list[describe.DataLeaf],
    structure: describe.Structure,
    input_layer: Any,
) -> tuple[dict, ...]:
    """Each input of a build as stored: its shape, its InputLayer's flags, its data."""
    has_layer = structure == "tensor" and input_layer is not None
    return tuple(
        describe.Leaf(
            key=key,
            shape=shape,
            dtype=(
                describe.dtype_name(getattr(input_layer, "dtype", None))
                if has_layer
                else None
            ),
            sparse=bool(getattr(input_layer, "sparse", False)) if has_layer else False,
            ragged=bool(getattr(input_layer, "ragged", False)) if has_layer else False,
            data_dtype=fed.dtype,
            data_sparse=fed.sparse,
            data_ragged=fed.ragged,
        ).to_json()
        for (key, shape), fed in zip(shaped, data)
    )


def _public_call(model: object) -> tuple[str, Any, Any]:
    """The outermost public method of `model` on the stack, the data it got, and the innermost call's input.

    A model built by a direct `model.build(shape)` has no frame of its own
    left on the stack (Keras's wrapper called it), hence the default.
    """
    call, outer, inner = "build", None, None
    frame = sys._getframe(1)
    for _ in range(_MAX_STACK):
        if frame is None:
            break
        name = frame.f_code.co_name
        if name in describe.PUBLIC_CALLS:
            local = frame.f_locals
            if local.get("self") is model:
                data = _data_of(name, local)
                call, outer = name, data
                if name == "__call__" and inner is None:
                    inner = data
        frame = frame.f_back
    return call, outer, inner


def _data_of(name: str, local: dict) -> Any:
    if name in describe.TRAINING_CALLS:
        return local.get("x")
    if name == "__call__":
        args = local.get("args") or ()
        if args:
            return args[0]
        return (local.get("kwargs") or {}).get("inputs")
    return None


def start(store_path: str, run: str, *, install_hooks: bool = True) -> Recorder:
    """Start recording in this process; the hooks wait for the program's imports.

    The start-up file installs the hooks itself and calls this when one of
    them fires (`install_hooks=False`). Called again (seq2func's own process
    tracing notebooks twice), the records go to the new store and run.
    """
    global _RECORDER
    if _RECORDER is not None:
        if (str(_RECORDER.writer.path), _RECORDER.writer.run) != (str(store_path), run):
            _RECORDER.writer = store.Writer(store_path, run)
        return _RECORDER
    recorder = Recorder(
        store.Writer(store_path, run), debug=bool(os.environ.get(DEBUG_ENV))
    )
    _RECORDER = recorder
    if install_hooks:
        hooks.install(
            {
                module: functools.partial(recorder.apply, patch)
                for module, patch in startup.WATCHED.items()
            }
        )
    return recorder


def current() -> Recorder | None:
    """The recorder of this process, if `start` was called."""
    return _RECORDER
