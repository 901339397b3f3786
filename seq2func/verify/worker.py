"""The verification worker: imports the framework once, then builds one model per job.

Run as `python -m seq2func.verify.worker`; it reads one JSON job per line on
standard input and answers one JSON line on standard output. The user's
code runs here, never in the parent: a crash, hang or out-of-memory costs
this process only. Each job gets a fresh Keras session, the fixed seed and
a temporary working directory; downloads are refused and pretrained weights
are built with `weights=None`.

A worker runs one Keras for its whole life (`SEQ2FUNC_KERAS`): "3" imports
`keras`; "2" imports tf-keras with `TF_USE_LEGACY_KERAS=1`, so `tf.keras` is
Keras 2, and makes `import keras` mean tf-keras too (see `_KerasTwoAlias`).
"""

from __future__ import annotations

import __future__
import ast
import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import re
import sys
import time
import traceback
from dataclasses import asdict, dataclass

from seq2func.verify.flags import forget_probe_flags
from seq2func.verify.local_imports import LocalImports
from seq2func.verify.stand_ins import failing_line

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _limit_memory() -> None:
    limit = os.environ.get("SEQ2FUNC_MEMORY_LIMIT_MB")
    if not limit:
        return
    import resource

    size = int(limit) * 1024 * 1024
    # The data size, not the address space: CUDA reserves far more address
    # space than it uses, and under RLIMIT_AS JAX silently falls back to the
    # CPU and PyTorch fails to start (seen on an H100). RLIMIT_DATA counts the
    # memory a runaway program really takes (heap and private mappings).
    resource.setrlimit(resource.RLIMIT_DATA, (size, size))


class DownloadRefused(RuntimeError):
    pass


_FRAMEWORK_MODULES = ("keras", "tensorflow", "tf_keras")


class _Downloads:
    """Pretrained weights are not fetched, and neither is data: structure, not
    values, is compared, and the data-loading code is not what is verified.

    `get_file` is replaced wherever a module bound it (dataset loaders import
    it by name), and every function of `applications` that takes `weights`
    builds with `weights=None`. Modules imported by a job after the first are
    swept when the next job starts; each module is swept once.
    """

    def __init__(self, keras):
        self.keras = keras
        self.notes: list[str] = []
        self.swept: set[str] = set()
        self.replacements: dict[int, tuple[object, object]] = {}
        src = "tf_keras.src" if keras.__name__.startswith("tf_keras") else "keras.src"
        self.applications = f"{src}.applications."
        files = importlib.import_module(
            f"{src}.utils.data_utils"
            if src == "tf_keras.src"
            else f"{src}.utils.file_utils"
        )
        self._replace(files.get_file, self._refuse)

    @staticmethod
    def _refuse(*args, **kwargs):
        raise DownloadRefused(
            "downloads are disabled during verification (data loading is not run)"
        )

    def _replace(self, original, replacement) -> None:
        self.replacements[id(original)] = (original, replacement)

    def _wrap(self, function):
        import functools
        import inspect

        default = inspect.signature(function).parameters["weights"].default
        downloads = self

        @functools.wraps(function)
        def without_download(*args, **kwargs):
            weights = kwargs.get("weights", default)
            if weights is not None:
                downloads.notes.append(
                    f"{function.__name__}(weights={weights!r}) built with weights=None"
                )
                kwargs["weights"] = None
            return function(*args, **kwargs)

        return without_download

    @staticmethod
    def _modules():
        return [
            (name, module)
            for name, module in list(sys.modules.items())
            if module is not None and name.startswith(_FRAMEWORK_MODULES)
        ]

    def sweep(self) -> None:
        import inspect

        grown = False
        for name, module in self._modules():
            if name in self.swept or not name.startswith(self.applications):
                continue
            for value in list(vars(module).values()):
                if not inspect.isfunction(value) or id(value) in self.replacements:
                    continue
                try:
                    parameters = inspect.signature(value).parameters
                except (TypeError, ValueError):
                    continue
                if "weights" in parameters:
                    self._replace(value, self._wrap(value))
                    grown = True
        if grown:  # modules swept before may hold the new originals too
            self.swept.clear()
        for name, module in self._modules():
            if name in self.swept:
                continue
            self.swept.add(name)
            try:
                items = list(vars(module).items())
            except TypeError:
                continue
            for attr, value in items:
                found = self.replacements.get(id(value))
                if found is not None and found[0] is value:
                    setattr(module, attr, found[1])


def _device(keras, requested: str) -> str:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus and requested != "cpu":
            details = tf.config.experimental.get_device_details(gpus[0])
            return f"GPU: {details.get('device_name', gpus[0].name)}"
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "gpu":
            return f"GPU: {device.device_kind}"
    elif backend == "torch":
        import torch

        if torch.cuda.is_available() and requested != "cpu":
            return f"GPU: {torch.cuda.get_device_name(0)}"
    if requested == "gpu":
        raise RuntimeError(
            "--device gpu was asked for, but no GPU is visible to the framework"
        )
    return "CPU"


def _flatten(keras, outputs) -> list:
    tree = getattr(keras, "tree", None)  # Keras 3
    if tree is not None:
        return list(tree.flatten(outputs))
    import tensorflow as tf  # Keras 2 runs on TensorFlow only

    return list(tf.nest.flatten(outputs))


def _to_numpy(keras, value):
    import numpy as np

    ops = getattr(keras, "ops", None)  # Keras 3: any backend, any device
    if ops is not None and hasattr(ops, "convert_to_numpy"):
        return ops.convert_to_numpy(value)
    return np.asarray(value)


def _as_numpy(keras, outputs):
    """A model's outputs as one NumPy array, from any backend and device.

    `np.asarray` is not enough: a PyTorch tensor that requires grad refuses,
    and one on a GPU must be copied back first.
    """
    import numpy as np

    arrays = [_to_numpy(keras, value) for value in _flatten(keras, outputs)]
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate([a.astype("float64").ravel() for a in arrays])


def _dtype_name(dtype) -> str:
    """`float32` from Keras 3's strings and Keras 2's `tf.DType` alike."""
    return str(getattr(dtype, "name", None) or dtype)


_MODEL_PACKAGES = ("keras", "tf_keras", "tensorflow.python.keras")


def _is_model(keras, value) -> bool:
    """A Keras model of the worker's Keras, or of TensorFlow's own legacy copy
    (`tensorflow.python.keras`, which Keras 2 code still imports)."""
    if isinstance(value, keras.Model):
        return True
    return any(
        cls.__name__ == "Model" and cls.__module__.startswith(_MODEL_PACKAGES)
        for cls in type(value).__mro__
    )


class _ModelComplete(BaseException):
    """Raised into the watched function once its model is complete.

    A BaseException, so the user's own `except Exception` does not catch it.
    """


class _Watcher:
    """Watches a function's frame and keeps the k-th object bound to the target;
    with `complete_at`, stops the function once that model is complete."""

    def __init__(self, code, target: str | None, ordinal: int, complete_at=None):
        self.code = code
        self.target = target
        self.ordinal = ordinal
        self.complete_at = complete_at
        self.seen: list = []
        self.returned = None

    def __call__(self, frame, event, arg):
        if frame.f_code is not self.code:
            return None
        return self.local

    def local(self, frame, event, arg):
        if self.target is not None and "." not in self.target:
            value = frame.f_locals.get(self.target)
            if value is not None and not any(value is s for s in self.seen):
                self.seen.append(value)
        if event == "return":
            self.returned = arg
        elif (
            event == "line"
            and self.complete_at is not None
            and frame.f_lineno > self.complete_at
            and len(self.seen) >= self.ordinal
        ):
            raise _ModelComplete()
        return self.local

    def model(self):
        if self.target is None:
            return self.returned
        if len(self.seen) >= self.ordinal:
            return self.seen[self.ordinal - 1]
        return None


@dataclass
class SkippedImport:
    """An import of the probe that failed; the names it would have bound stay unbound."""

    statement: str
    module: str
    names: tuple[str, ...]
    error: str


def _imported_module(node: ast.stmt, error: ImportError) -> str:
    if getattr(error, "name", None):
        return error.name
    if isinstance(node, ast.ImportFrom):
        return node.module or "."
    return node.names[0].name


def _run_probe(
    code: str, filename: str, namespace: dict, skipped: list[SkippedImport]
) -> None:
    """Run the probe one top-level statement at a time; an import that fails
    with ImportError is skipped and its names left unbound, never stubbed: code
    that then reads one fails with NameError and the caller names the module."""
    tree = ast.parse(code)
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    for node in tree.body:
        unit = compile(
            ast.Module(body=[node], type_ignores=[]),
            filename,
            "exec",
            flags=flags,
            dont_inherit=True,
        )
        importing = isinstance(node, (ast.Import, ast.ImportFrom)) and not (
            isinstance(node, ast.ImportFrom) and node.module == "__future__"
        )
        if not importing:
            exec(unit, namespace)
            continue
        try:
            exec(unit, namespace)
        except ImportError as error:
            names = tuple(
                (alias.asname or alias.name).split(".")[0] for alias in node.names
            )
            skipped.append(
                SkippedImport(
                    ast.unparse(node),
                    _imported_module(node, error),
                    names,
                    f"{type(error).__name__}: {_first_line(error)}",
                )
            )


def _reach(job, namespace, skipped: list):
    probe = job["probe"]
    _run_probe(probe["code"], job.get("path") or "<verified>", namespace, skipped)
    mode = probe["mode"]
    if mode == "module":
        return _lookup(namespace, probe["target"])
    kwargs = probe["kwargs"]
    complete_at = probe.get("complete_at")
    if mode == "function":
        function = namespace[probe["function"]]
        watcher = _Watcher(
            function.__code__, probe["target"], probe["ordinal"], complete_at
        )
        sys.settrace(watcher)
        try:
            function(**kwargs)
        except _ModelComplete:
            pass
        finally:
            sys.settrace(None)
        return watcher.model()
    cls = namespace[probe["class_name"]]
    method = getattr(cls, probe["function"])
    watcher = _Watcher(method.__code__, probe["target"], probe["ordinal"], complete_at)
    instance = None
    sys.settrace(watcher)
    try:
        if probe["function"] == "__init__":
            instance = cls()
        else:
            # The instance is made untraced to completion; only the method is
            # stopped when its model is complete.
            sys.settrace(None)
            instance = cls()
            sys.settrace(watcher)
            getattr(instance, probe["function"])(**kwargs)
    except _ModelComplete:
        pass
    finally:
        sys.settrace(None)
    target = probe["target"]
    if target and target.startswith("self."):
        return getattr(instance, target.split(".", 1)[1], None)
    return watcher.model()


def _lookup(namespace, target):
    head, _, rest = target.partition(".")
    value = namespace.get(head)
    for part in rest.split(".") if rest else ():
        value = getattr(value, part, None)
    return value


def _shape(shape) -> str:
    return (
        str(tuple(shape)).replace(",)", ")")
        if len(tuple(shape)) != 1
        else str(tuple(shape))
    )


def _rows(keras, model, functional: bool):
    rows = []
    layers = model.layers
    for index, layer in enumerate(layers):
        is_input = type(layer).__name__ == "InputLayer"
        try:
            output_shape = _shape(layer.output.shape)
        except Exception:
            output_shape = "?"
        try:
            input_shape = _shape(layer.input.shape) if not is_input else output_shape
        except Exception:
            input_shape = ""
        ignored = None if is_input else _input_shape_argument(layer)
        first_real = index == (
            1
            if functional and layers and type(layers[0]).__name__ == "InputLayer"
            else 0
        )
        rank = (
            input_shape.count(",") + 1
            if input_shape.startswith("(") and input_shape != "()"
            else 0
        )
        rows.append(
            {
                "name": layer.name,
                "class_name": type(layer).__name__,
                "output_shape": output_shape,
                "params": int(layer.count_params()) if layer.built else 0,
                "input_shape": input_shape,
                "explicit_input": is_input and functional,
                "ignored_input_shape": (
                    None
                    if ignored is None or (first_real and not functional)
                    else str(tuple(ignored))
                ),
                "acts_on_last_axis": hasattr(layer, "units") and rank > 2,
                "config": json.dumps(_config(layer), sort_keys=True, default=str),
            }
        )
    return rows


def _input_shape_argument(layer):
    """The `input_shape` a layer was given: Keras 3 keeps the argument, Keras 2
    the batch shape made from it (None when the layer got none)."""
    shape = getattr(layer, "_input_shape_arg", None)
    if shape is not None:
        return shape
    batch_shape = getattr(layer, "_batch_input_shape", None)
    if batch_shape is not None and type(layer).__name__ != "InputLayer":
        return tuple(batch_shape)[1:]
    return None


def _config(layer):
    try:
        config = layer.get_config()
    except Exception:
        return {}
    config.pop("name", None)
    # Keras 2 writes the input_shape a layer was given into its config as
    # batch_input_shape; the Functional form gives it to the Input instead.
    # The model's input is compared on its own, and the seed-002 rows show the
    # input_shape Keras ignored, so the copy in the config is not compared.
    config.pop("batch_input_shape", None)
    # A lambda's serialised bytecode carries its line numbers, which a rewrite
    # moves; what it computes is checked by comparing outputs.
    for key in ("function", "output_shape", "mask"):
        value = config.get(key)
        if isinstance(value, dict) and value.get("class_name") == "__lambda__":
            config[key] = "<lambda>"
    return config


def _summary(model) -> str:
    buffer = io.StringIO()
    try:
        model.summary(
            print_fn=lambda line, *a, **k: buffer.write(line + "\n"), line_length=100
        )
    except Exception as error:  # an unbuilt model has no summary worth showing
        return f"(no summary: {error})"
    return buffer.getvalue()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _failed_import(
    error: BaseException, skipped: list[SkippedImport]
) -> tuple[str, str | None] | None:
    """(the error to report, the module not installed) when a failure comes down
    to an import: a name the model reads from an import that was skipped, or
    an import the model's own code runs."""
    if isinstance(error, NameError):
        for entry in skipped:
            if error.name in entry.names:
                missing = entry.error.startswith("ModuleNotFoundError")
                return entry.error, entry.module if missing else None
        return None
    if isinstance(error, ModuleNotFoundError) and error.name:
        return f"ModuleNotFoundError: No module named {error.name!r}", error.name
    if isinstance(error, ImportError):
        # A library's own word for an optional dependency it lacks (Keras says
        # "This requires the scipy module. You can install it via ...").
        named = re.search(
            r"requires the '?([A-Za-z_][\w.]*)'? (?:module|package)", str(error)
        )
        if named:
            return f"{type(error).__name__}: {_first_line(error)}", named.group(1)
    return None


# --- Samples that exercise the model --------------------------------------------

_BATCH = 2
_LARGEST_OPEN = 1024  # the largest size tried for a None dimension
_MOST_ELEMENTS = 1 << 24  # and the largest sample, in elements


def _largest(value) -> int:
    if value is None:
        return 1
    if isinstance(value, (tuple, list)):
        return max((_largest(v) for v in value), default=1)
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def _all_layers(model) -> list:
    found = []
    for layer in getattr(model, "layers", ()):
        if getattr(layer, "layers", None):
            found.extend(_all_layers(layer))
        else:
            found.append(layer)
    return found


def _shortest_input(model) -> int:
    """The shortest length along a None axis that leaves every windowed layer an
    output of length 1 or more: walked back from the last layer, each
    convolution or pooling needs `(out - 1) * stride + window` (`same` and
    `causal` padding need `(out - 1) * stride + 1`)."""
    need = 1
    for layer in reversed(_all_layers(model)):
        window = getattr(layer, "kernel_size", None)
        if window is None:
            window = getattr(layer, "pool_size", None)
        if window is None:
            continue
        if "Transpose" in type(layer).__name__:
            continue  # a transposed convolution grows its input
        stride = _largest(getattr(layer, "strides", None) or window)
        dilation = _largest(getattr(layer, "dilation_rate", 1))
        padding = str(getattr(layer, "padding", "valid")).lower()
        span = (_largest(window) - 1) * dilation + 1 if padding == "valid" else 1
        need = (need - 1) * stride + span
    return need


def _random_sample(np, shape, dtype: str):
    rng = np.random.default_rng(0)
    if dtype in (
        "string",
        "str",
        "object",
    ):  # a StringLookup or TextVectorization input
        return rng.choice(np.array(["a", "b", "c"]), size=shape)
    if "int" in dtype:
        return rng.integers(0, 2, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(size=shape).astype(dtype)


def _output_shapes(keras, model, sample) -> list[tuple]:
    """The shape of every layer's output on `sample` (the model's own outputs
    when its layers cannot be read one by one, e.g. a layer used twice)."""
    import numpy as np

    try:
        outputs = [
            layer.output
            for layer in model.layers
            if type(layer).__name__ != "InputLayer"
        ]
        probe = keras.Model(model.inputs, outputs) if outputs else model
    except Exception:
        probe = model
    found = probe(sample, training=False)
    return [tuple(np.shape(value)) for value in _flatten(keras, found)]


def _reset_states(model) -> None:
    """Every call starts stateful layers from zero: the converted side calls its
    model twice (before and after loading the original's weights), and
    choosing a sample may have called the original."""
    for layer in _all_layers(model):
        if getattr(layer, "stateful", False):
            reset = getattr(layer, "reset_states", None) or getattr(
                layer, "reset_state", None
            )
            if reset is not None:
                reset()


def _choose_sample(keras, model, shape: list, dtype: str):
    """A sample for the model, and why none works when none does.

    The batch dimension is 2 when open. Other None dimensions start at the
    shortest length the layers' windows and strides allow (at least 8) and
    double until no layer's output has an empty dimension: a zero-length
    sequence makes a recurrent layer return whatever memory it was given, and
    the comparison would see noise.
    """
    import numpy as np

    batch = _BATCH if shape[0] is None else int(shape[0])
    fixed = [batch, *(None if d is None else int(d) for d in shape[1:])]
    if all(d is not None for d in fixed):
        return _random_sample(np, fixed, dtype), None
    size = max(8, _shortest_input(model))
    problem = None
    while True:
        concrete = [size if d is None else int(d) for d in fixed]
        sample = _random_sample(np, concrete, dtype)
        try:
            shapes = _output_shapes(keras, model, sample)
        except Exception as error:  # a window longer than the input, say
            problem = f"{type(error).__name__}: {_first_line(error)}"
        else:
            empty = next((s for s in shapes if 0 in s), None)
            if empty is None:
                _reset_states(model)
                return sample, None
            problem = f"a layer's output {empty} is empty"
        if size >= _LARGEST_OPEN or int(np.prod(concrete)) * 2 > _MOST_ELEMENTS:
            _reset_states(model)
            return sample, (
                f"no size up to {size} for the None dimensions of {tuple(shape)} "
                f"gives every layer a non-empty output ({problem})"
            )
        size *= 2


def run_job(keras, job, downloads: _Downloads) -> dict:
    import numpy as np

    started = time.perf_counter()
    notes: list[str] = []
    skipped: list[SkippedImport] = []
    workdir = job["workdir"]
    os.makedirs(workdir, exist_ok=True)
    previous = os.getcwd()
    imports = LocalImports(job.get("path"))  # the path is relative to this folder
    os.chdir(workdir)
    keras.backend.clear_session()
    seed = job.get("seed", 0)
    keras.utils.set_random_seed(seed)
    namespace = {"__name__": "__seq2func_verify__"}
    result = {
        "side": job["side"],
        "device": job["device_name"],
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "notes": notes,
        "skipped_imports": [],
    }
    try:
        downloads.notes = notes
        downloads.sweep()
        with imports, contextlib.redirect_stdout(io.StringIO()):
            model = _reach(job, namespace, skipped)
        if model is None or not _is_model(keras, model):
            raise LookupError("the model was not reached (the code did not bind it)")
        if not model.built or not getattr(model, "inputs", None):
            raise ValueError("the model has no input: it is not built")
        result["skipped_imports"] = [asdict(entry) for entry in skipped]
        functional = job["side"] == "converted"
        result["layers"] = _rows(keras, model, functional)
        result["summary"] = _summary(model)
        inputs = model.inputs[0]
        dtype = _dtype_name(inputs.dtype)
        result["input_shape"] = str(tuple(inputs.shape))
        result["input_dtype"] = dtype
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
        result["params"] = {
            "total": trainable + non_trainable,
            "trainable": trainable,
            "non_trainable": non_trainable,
        }
        weights = [np.asarray(w) for w in model.get_weights()]
        np.savez(os.path.join(workdir, f"{job['side']}_weights.npz"), *weights)
        result["weight_paths"] = [
            getattr(w, "path", None) or w.name for w in model.weights
        ]
        batch = job["inputs_file"]
        if not os.path.exists(batch):
            # The original side chooses the sample and the converted side reads
            # it, so both are called on the same numbers.
            sample, problem = _choose_sample(keras, model, list(inputs.shape), dtype)
            if problem:
                result["sample_error"] = problem
            np.save(batch, sample)
        sample = np.load(batch)
        result["sample_shape"] = str(tuple(sample.shape))
        # Choosing the sample ran the model: both sides call it from the same
        # random state and fresh recurrent states, whatever happened before.
        keras.utils.set_random_seed(seed)
        _reset_states(model)
        try:
            outputs = _as_numpy(keras, model(sample, training=False))
            np.save(os.path.join(workdir, f"{job['side']}_outputs.npy"), outputs)
            if outputs.dtype.kind in "fc" and not np.all(np.isfinite(outputs)):
                kinds = [
                    word
                    for word, present in (
                        ("NaN", np.isnan(outputs).any()),
                        ("Inf", np.isinf(outputs).any()),
                    )
                    if present
                ]
                result["nonfinite"] = (
                    f"{' and '.join(kinds)} in {int(np.size(outputs) - np.isfinite(outputs).sum())} "
                    f"of {int(np.size(outputs))} output values on a sample of shape {tuple(sample.shape)}"
                )
        except Exception as error:  # e.g. the original's inputs do not fit this model
            result["outputs_error"] = f"{type(error).__name__}: {_first_line(error)}"
        checkpoint = job["checkpoint"]
        if job["side"] == "original":
            model.save_weights(checkpoint)
        elif not os.path.exists(checkpoint):
            result["checkpoint_loaded"] = False
            result["checkpoint_error"] = "the original saved no weights"
        else:
            try:
                model.load_weights(checkpoint)
                result["checkpoint_loaded"] = True
                keras.utils.set_random_seed(seed)
                _reset_states(model)
                loaded = _as_numpy(keras, model(sample, training=False))
                np.save(os.path.join(workdir, "converted_outputs_loaded.npy"), loaded)
            except Exception as error:
                result.setdefault("checkpoint_loaded", False)
                result["checkpoint_error"] = (
                    f"{type(error).__name__}: {_first_line(error)}"
                )
        result["ok"] = True
    except Exception as error:
        result["ok"] = False
        result["error"] = f"{type(error).__name__}: {_first_line(error)}"
        result["error_line"] = failing_line(error, job.get("path") or "<verified>")
        failed = _failed_import(error, skipped)
        if failed is not None:
            result["error"], missing = failed
            if missing is not None:
                result["missing_module"] = missing
        result["skipped_imports"] = [asdict(entry) for entry in skipped]
        result["traceback"] = traceback.format_exc(limit=-3)
    finally:
        os.chdir(previous)
        forget_probe_flags((sys.argv[0], __name__))
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


class _KerasTwoAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """In the Keras 2 worker, `keras` and `keras.X` are tf-keras.

    `TF_USE_LEGACY_KERAS=1` makes `tf.keras` Keras 2, but code written for
    standalone Keras 2 imports `keras` itself, which is Keras 3 when
    installed. tf-keras is that same Keras 2 under another name, so the
    worker makes the name mean it: `keras.X` is `tf_keras.X` where the public
    API has X, else `tf_keras.src.X` (Keras 2's internal paths such as
    `keras.engine.sequential` or `keras.layers.core`). The module objects are
    tf-keras's own, never copies, so a class has one identity whatever the
    spelling. Keras 3 is never imported in this process.
    """

    def __init__(self):
        self._own_specs: dict[str, object] = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        rest = spec.name[len("keras") :]
        candidates = [f"tf_keras{rest}"] + ([f"tf_keras.src{rest}"] if rest else [])
        for candidate in candidates:
            try:
                module = importlib.import_module(candidate)
            except ModuleNotFoundError as error:
                if error.name is None or not candidate.startswith(error.name):
                    raise
                continue
            self._own_specs[spec.name] = getattr(module, "__spec__", None)
            return module
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)

    def exec_module(self, module):
        # The import system set __spec__ to the alias's spec: give the module
        # back its own.
        module.__spec__ = self._own_specs.pop(module.__spec__.name, None)


def _import_keras(flavour: str):
    if flavour == "2":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tensorflow  # noqa: F401  (reads TF_USE_LEGACY_KERAS once)
        import tf_keras

        sys.meta_path.insert(0, _KerasTwoAlias())
        return tf_keras
    import keras

    return keras


def main() -> None:
    _limit_memory()
    requested = os.environ.get("SEQ2FUNC_DEVICE", "auto")
    flavour = os.environ.get("SEQ2FUNC_KERAS", "3")
    if requested == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    protocol = sys.stdout
    sys.stdout = sys.stderr  # the user's prints must not corrupt the protocol
    try:
        keras = _import_keras(flavour)
    except ImportError as error:
        package = "tf-keras" if flavour == "2" else "keras"
        message = f"{package} cannot be imported ({error}): pip install {package}"
        protocol.write(json.dumps({"fatal": message, "keras_missing": True}) + "\n")
        protocol.flush()
        return
    try:
        device_name = _device(keras, requested)
    except RuntimeError as error:
        protocol.write(json.dumps({"fatal": str(error)}) + "\n")
        protocol.flush()
        return
    downloads = _Downloads(keras)
    protocol.write(
        json.dumps(
            {
                "ready": True,
                "device": device_name,
                "backend": keras.backend.backend(),
                "keras": flavour,
                "keras_version": keras.__version__,
            }
        )
        + "\n"
    )
    protocol.flush()
    for line in sys.stdin:
        job = json.loads(line)
        job["device_name"] = device_name
        result = run_job(keras, job, downloads)
        protocol.write(json.dumps(result) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
