"""In the worker: the original's first build, as the program itself runs it.

A model the converter gave an input read from the data of its first
`fit`/`predict`/call (S2F210) is built there, by Keras, on whatever that data
really is: Keras 2 gives the `InputLayer` the data's dtype (int64 data, an
int64 input) and may keep a batch size; Keras 3 keeps the first batch's size.
Building the original with `model.build(planned_shape)` instead would take
the converter's word for what the data is, and a wrong conversion would be
compared with a model built the same wrong way.

So the original side first runs the program's own statements through that
first build (`deferred.first_build_code`: the model, its data, `compile`, the
call) with the entry point of Sequential's build wrapped: when Keras builds
the site's model, the wrapper records what Keras passes (the batch shape, and
on Keras 2 the dtype) and stops the program there, before anything is built
or trained. The model compared is then made again in a fresh session, from
the fixed seed, and built with exactly that call, so its weights are drawn as
the converted model's are. Data that cannot be had (a download, a missing
file) leaves the planned build, which the report says.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import signal
import threading

from .flavour import imports_module
from .worker_probe import _first_line, _lookup, _run_probe

# The program up to its first build may do more than the model needs (train
# another model whose predictions are the data, say): past this, the planned
# build is used, so a site is never slower than this to verify than before.
_BUDGET_SECONDS = 30.0


class _TooLong(BaseException):
    """Raised by the timer when the program has not reached its first build in time."""


class _FirstBuildSeen(BaseException):
    """Stops the program at its first build of the model.

    A BaseException: Keras wraps `Exception`s raised while it builds (Keras 3's
    "Unable to automatically build the model"), and the user's code may catch them.
    """


def _entry_point(sequential: type) -> str:
    """The method of a Sequential class every first build goes through.

    Keras 2 builds a Sequential without an input from its first call
    (`fit`/`predict` trace `call`, `model(x)` calls it) through
    `_build_graph_network_for_inferred_shape(shape, dtype)`; Keras 3 through
    `build(shape)`, which gives the input the first layer's compute dtype.
    """
    if hasattr(sequential, "_build_graph_network_for_inferred_shape"):
        return "_build_graph_network_for_inferred_shape"
    return "build"


# TensorFlow's own legacy copy of Keras 2, which code written for Keras 2 still
# imports: its classes are not tf-keras's (nor Keras 3's), so a model made from
# them is built through its own class.
_LEGACY = "tensorflow.python.keras"


def _sequential_classes(keras, code: str) -> list[type]:
    """The Sequential classes the program may make its model from: the
    worker's Keras, and the legacy copy where the code imports it."""
    classes = [keras.Sequential]
    if imports_module(code, _LEGACY):
        try:
            from tensorflow.python.keras.engine import sequential
        except ImportError:
            return classes
        classes.append(sequential.Sequential)
    return classes


def _recorder(inherited, namespace: dict, target: str, seen: dict):
    """`inherited`, wrapped to record the call that builds the target's model
    and stop the program there."""

    # Keras 3 reads the signature of `build` to name the shape it passes.
    @functools.wraps(inherited)
    def wrapper(self, *args, **kwargs):
        if self is not _lookup(namespace, target):
            return inherited(self, *args, **kwargs)
        bound = inspect.signature(inherited).bind(self, *args, **kwargs).arguments
        shape = bound.get("input_shape")
        dtype = bound.get("input_dtype")
        seen["batch_shape"] = [None if d is None else int(d) for d in tuple(shape)]
        seen["dtype"] = None if dtype is None else str(getattr(dtype, "name", dtype))
        raise _FirstBuildSeen()

    return wrapper


def observe(keras, code: str, filename: str, target: str) -> dict:
    """Runs `code` to the model's first build; returns what Keras built it with:
    {"batch_shape": [...], "dtype": str | None}, or {"error": why not}."""
    namespace: dict = {"__name__": "__seq2func_verify__"}
    seen: dict = {}
    patched = [
        (sequential, name, sequential.__dict__.get(name))
        for sequential in _sequential_classes(keras, code)
        for name in (_entry_point(sequential),)
    ]
    # Keras 3 binds `build` to each layer when it is made: the class is wrapped
    # before the program makes its model.
    for sequential, name, _ in patched:
        wrapper = _recorder(getattr(sequential, name), namespace, target, seen)
        setattr(sequential, name, wrapper)
    try:
        with _budget(_BUDGET_SECONDS):
            _run_probe(code, filename, namespace, [])
    except _FirstBuildSeen:
        return seen
    except _TooLong:
        return {"error": f"it did not reach the build in {_BUDGET_SECONDS:g} s"}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {_first_line(error)}"}
    finally:
        for sequential, name, original in reversed(patched):
            if original is not None:
                setattr(sequential, name, original)
            else:
                delattr(sequential, name)
    return {"error": "running it did not build the model"}


@contextlib.contextmanager
def _budget(seconds: float):
    """Raises _TooLong after `seconds`, where a timer can (the worker's main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise _TooLong()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def replay(model, seen: dict) -> None:
    """Builds `model` with the call its first build made (`observe`)."""
    shape = tuple(seen["batch_shape"])
    if _entry_point(type(model)) == "build":
        model.build(shape)
        return
    import tensorflow as tf  # Keras 2 runs on TensorFlow only

    dtype = None if seen["dtype"] is None else tf.as_dtype(seen["dtype"])
    model._build_graph_network_for_inferred_shape(shape, dtype)
