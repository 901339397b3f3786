"""The verification worker: imports the framework once, then builds one model per job.

Run as `python -m seq2func.verify.worker`; it reads one JSON job per line on
standard input and answers one JSON line on standard output. The user's
code runs here, never in the parent: a crash, hang or out-of-memory costs
this process only. Each job gets a fresh Keras session, the fixed seed and
a temporary working directory; downloads are refused and pretrained weights
are built with `weights=None`.

A worker runs one Keras for its whole life (`SEQ2FUNC_KERAS`): "3" imports
`keras`; "2" imports tf-keras with `TF_USE_LEGACY_KERAS=1`, so `tf.keras` is
Keras 2, and makes `import keras` mean tf-keras too (see
`worker_keras._KerasTwoAlias`).

This module is the process and one job's steps; the `worker_*` modules hold
what the steps use: `worker_keras` (importing the Keras), `worker_downloads`
(downloads refused), `worker_probe` (running the user's code to the model),
`worker_model` (reading a built model), `worker_sample` (the sample it is
called on) and `worker_first_build` (the original built by the program's own
first build, for a model whose input was read from its data). None of them
imports the framework at module level.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from dataclasses import asdict

from .flags import forget_probe_flags
from .local_imports import LocalImports
from .stand_ins import failing_line
from .worker_downloads import _Downloads
from .worker_first_build import observe, replay
from .worker_keras import _import_keras
from .worker_model import (
    _as_numpy,
    _dtype_name,
    _is_legacy_model,
    _is_model,
    _rows,
    _summary,
)
from .worker_probe import SkippedImport, _failed_import, _first_line, _reach
from .worker_sample import _choose_sample, _reset_states

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


def run_job(keras, job, downloads: _Downloads) -> dict:
    started = time.perf_counter()
    notes: list[str] = []
    datasets: list[str] = []  # Keras datasets loaded as zeros (`worker_datasets`)
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
        "datasets": datasets,
        "skipped_imports": [],
    }
    try:
        downloads.notes = notes
        downloads.datasets = datasets
        downloads.sweep()
        model = _built_model(keras, job, namespace, skipped, imports, result)
        result["skipped_imports"] = [asdict(entry) for entry in skipped]
        dtype = _describe(keras, model, job, result)
        sample = _sample(keras, model, job, result, dtype)
        # Choosing the sample ran the model: both sides call it from the same
        # random state and fresh recurrent states, whatever happened before.
        keras.utils.set_random_seed(seed)
        _reset_states(model)
        _call(keras, model, job, sample, result)
        _checkpoint(keras, model, job, sample, result)
        result["ok"] = True
    except Exception as error:
        _failed(error, skipped, result, job)
    finally:
        os.chdir(previous)
        # The probe runs from worker_probe, which absl files its flags under.
        forget_probe_flags((sys.argv[0], __name__, _reach.__module__))
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _built_model(
    keras,
    job,
    namespace: dict,
    skipped: list[SkippedImport],
    imports: LocalImports,
    result: dict,
):
    probe = job["probe"]
    with imports, contextlib.redirect_stdout(io.StringIO()):
        seen = None
        if probe.get("first_build") and job["side"] == "original":
            seen = _first_build(keras, job)
            result["first_build"] = seen
        model = _reach(job, namespace, skipped)
        shape = probe.get("build_shape")
        if _is_model(keras, model) and not model.built:
            if seen is not None and "batch_shape" in seen:
                replay(model, seen)
            elif shape is not None:
                model.build(tuple(shape))
                result["built_on_plan"] = True
    if model is None or not _is_model(keras, model):
        raise LookupError("the model was not reached (the code did not bind it)")
    if not model.built or not getattr(model, "inputs", None):
        raise ValueError("the model has no input: it is not built")
    return model


def _first_build(keras, job) -> dict:
    """What the program's own first build of the model builds it with
    (`worker_first_build`); then a fresh session from the seed, so the model
    compared draws its weights as the converted one does."""
    probe = job["probe"]
    filename = job.get("path") or "<verified>"
    try:
        target = probe.get("first_build_target") or probe["target"]
        seen = observe(keras, probe["first_build"], filename, target)
    finally:
        forget_probe_flags((sys.argv[0], __name__, _reach.__module__))
        keras.backend.clear_session()
        keras.utils.set_random_seed(job.get("seed", 0))
    return seen


def _describe(keras, model, job, result: dict) -> str:
    """Records the model's layers, input, parameters and weights; returns its
    input's dtype."""
    import numpy as np

    workdir = job["workdir"]
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
    result["weight_paths"] = [getattr(w, "path", None) or w.name for w in model.weights]
    return dtype


def _sample(keras, model, job, result: dict, dtype: str):
    import numpy as np

    batch = job["inputs_file"]
    if not os.path.exists(batch):
        # The original side chooses the sample and the converted side reads
        # it, so both are called on the same numbers.
        shape = list(model.inputs[0].shape)
        sample, problem = _choose_sample(keras, model, shape, dtype)
        if problem:
            result["sample_error"] = problem
        np.save(batch, sample)
    sample = np.load(batch)
    result["sample_shape"] = str(tuple(sample.shape))
    return sample


def _call(keras, model, job, sample, result: dict) -> None:
    import numpy as np

    workdir = job["workdir"]
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


def _checkpoint(keras, model, job, sample, result: dict) -> None:
    """The original saves its weights; the converted side loads them and is
    called again on the sample."""
    import numpy as np

    workdir = job["workdir"]
    seed = job.get("seed", 0)
    checkpoint = job["checkpoint"]
    if job["side"] == "original":
        try:
            model.save_weights(checkpoint)
        except Exception as error:
            # TensorFlow 2.21's legacy copy of Keras 2 saves no weights in
            # either format (h5 imports a `__version__` it lacks, the TF
            # format fails in `_lookup_dependency`): the judge says so.
            if not _is_legacy_model(model):
                raise
            result["checkpoint_unsaved"] = (
                f"{type(error).__name__}: {_first_line(error)}"
            )
            return
        # Weights the original cannot load back into itself (a layer whose
        # `load_own_variables` raises, as Keras's own saving tests write)
        # prove nothing when the converted model cannot load them either.
        # Its outputs are already saved: loading its own values changes none.
        try:
            model.load_weights(checkpoint)
        except Exception as error:
            result["checkpoint_unloadable"] = (
                f"{type(error).__name__}: {_first_line(error)}"
            )
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
            result["checkpoint_error"] = f"{type(error).__name__}: {_first_line(error)}"


def _failed(
    error: Exception, skipped: list[SkippedImport], result: dict, job: dict
) -> None:
    """Records why the job failed; called while `error` is being handled."""
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
