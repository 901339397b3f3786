"""The verification worker: imports the framework once, then builds one model per job.

Run as `python -m seq2func.verify.worker`; it reads one JSON job per line on
standard input and answers one JSON line on standard output. The user's
code runs here, never in the parent: a crash, hang or out-of-memory costs
this process only. Each job gets a fresh Keras session, the fixed seed and
a temporary working directory; downloads are refused and pretrained weights
are built with `weights=None`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback

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


def _neutralise_downloads(keras, notes: list[str]) -> None:
    """Pretrained weights are not fetched: structure, not values, is compared."""
    import functools
    import inspect

    def refuse(*args, **kwargs):
        raise DownloadRefused(
            "downloads are disabled during verification (data loading is not run)"
        )

    from keras.src.utils import file_utils

    file_utils.get_file = refuse
    keras.utils.get_file = refuse
    originals = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("keras.src.applications.") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if (
                inspect.isfunction(value)
                and "weights" in inspect.signature(value).parameters
            ):
                originals[id(value)] = value
    if not originals:
        return

    def wrap(function):
        @functools.wraps(function)
        def without_download(*args, **kwargs):
            weights = kwargs.get(
                "weights", inspect.signature(function).parameters["weights"].default
            )
            if weights not in (None,):
                notes.append(
                    f"{function.__name__}(weights={weights!r}) built with weights=None"
                )
                kwargs["weights"] = None
            return function(*args, **kwargs)

        return without_download

    wrapped = {key: wrap(function) for key, function in originals.items()}
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith(
            ("keras", "tensorflow")
        ):
            continue
        try:
            items = list(vars(module).items())
        except TypeError:
            continue
        for attr, value in items:
            if id(value) in wrapped and originals[id(value)] is value:
                setattr(module, attr, wrapped[id(value)])


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


def _as_numpy(keras, outputs):
    """A model's outputs as one NumPy array, from any backend and device.

    `np.asarray` is not enough: a PyTorch tensor that requires grad refuses,
    and one on a GPU must be copied back first.
    """
    import numpy as np

    arrays = [
        keras.ops.convert_to_numpy(value) for value in keras.tree.flatten(outputs)
    ]
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate([a.astype("float64").ravel() for a in arrays])


class _Watcher:
    """Watches a function's frame and keeps the k-th object bound to the target."""

    def __init__(self, code, target: str | None, ordinal: int):
        self.code = code
        self.target = target
        self.ordinal = ordinal
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
        return self.local

    def model(self):
        if self.target is None:
            return self.returned
        if len(self.seen) >= self.ordinal:
            return self.seen[self.ordinal - 1]
        return None


def _reach(job, namespace):
    probe = job["probe"]
    exec(compile(probe["code"], job.get("path") or "<verified>", "exec"), namespace)
    mode = probe["mode"]
    if mode == "module":
        return _lookup(namespace, probe["target"])
    kwargs = probe["kwargs"]
    if mode == "function":
        function = namespace[probe["function"]]
        watcher = _Watcher(function.__code__, probe["target"], probe["ordinal"])
        sys.settrace(watcher)
        try:
            function(**kwargs)
        finally:
            sys.settrace(None)
        return watcher.model()
    cls = namespace[probe["class_name"]]
    method = getattr(cls, probe["function"])
    watcher = _Watcher(method.__code__, probe["target"], probe["ordinal"])
    sys.settrace(watcher)
    try:
        instance = cls()
        if probe["function"] != "__init__":
            getattr(instance, probe["function"])(**kwargs)
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
        ignored = getattr(layer, "_input_shape_arg", None)
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


def _config(layer):
    try:
        config = layer.get_config()
    except Exception:
        return {}
    config.pop("name", None)
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


def run_job(keras, job) -> dict:
    import numpy as np

    started = time.perf_counter()
    notes: list[str] = []
    workdir = job["workdir"]
    os.makedirs(workdir, exist_ok=True)
    previous = os.getcwd()
    os.chdir(workdir)
    keras.backend.clear_session()
    keras.utils.set_random_seed(job.get("seed", 0))
    namespace = {"__name__": "__seq2func_verify__"}
    result = {
        "side": job["side"],
        "device": job["device_name"],
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "notes": notes,
    }
    try:
        _neutralise_downloads(keras, notes)
        with contextlib.redirect_stdout(io.StringIO()):
            model = _reach(job, namespace)
        if model is None or not isinstance(model, keras.Model):
            raise LookupError("the model was not reached (the code did not bind it)")
        if not model.built or not getattr(model, "inputs", None):
            raise ValueError("the model has no input: it is not built")
        functional = job["side"] == "converted"
        result["layers"] = _rows(keras, model, functional)
        result["summary"] = _summary(model)
        inputs = model.inputs[0]
        result["input_shape"] = str(tuple(inputs.shape))
        result["input_dtype"] = str(inputs.dtype)
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
        result["params"] = {
            "total": trainable + non_trainable,
            "trainable": trainable,
            "non_trainable": non_trainable,
        }
        weights = [np.asarray(w) for w in model.get_weights()]
        np.savez(os.path.join(workdir, f"{job['side']}_weights.npz"), *weights)
        result["weight_paths"] = [w.path for w in model.weights]
        batch = job["inputs_file"]
        if not os.path.exists(
            batch
        ):  # the original side makes it; without one, make our own
            shape = [2 if d is None else int(d) for d in inputs.shape]
            rng = np.random.default_rng(0)
            if "int" in str(inputs.dtype):
                sample = rng.integers(0, 2, size=shape).astype(str(inputs.dtype))
            else:
                sample = rng.standard_normal(size=shape).astype(str(inputs.dtype))
            np.save(batch, sample)
        sample = np.load(batch)
        try:
            outputs = _as_numpy(keras, model(sample, training=False))
            np.save(os.path.join(workdir, f"{job['side']}_outputs.npy"), outputs)
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
        result["traceback"] = traceback.format_exc(limit=-3)
    finally:
        os.chdir(previous)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def main() -> None:
    _limit_memory()
    requested = os.environ.get("SEQ2FUNC_DEVICE", "auto")
    if requested == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    protocol = sys.stdout
    sys.stdout = sys.stderr  # the user's prints must not corrupt the protocol
    import keras

    try:
        device_name = _device(keras, requested)
    except RuntimeError as error:
        protocol.write(json.dumps({"fatal": str(error)}) + "\n")
        protocol.flush()
        return
    protocol.write(
        json.dumps(
            {"ready": True, "device": device_name, "backend": keras.backend.backend()}
        )
        + "\n"
    )
    protocol.flush()
    for line in sys.stdin:
        job = json.loads(line)
        job["device_name"] = device_name
        result = run_job(keras, job)
        protocol.write(json.dumps(result) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
