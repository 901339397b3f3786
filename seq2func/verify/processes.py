"""The parent's side of the worker processes: starting one, feeding it jobs,
and the slot that keeps one per Keras and replaces it when it dies or hangs."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from typing import TYPE_CHECKING

from .flavour import KerasFlavour

if TYPE_CHECKING:
    from .engine import Options


_START_TIMEOUT = 180.0


class WorkerDied(Exception):
    pass


class WorkerTimeout(Exception):
    pass


class DeviceUnavailable(RuntimeError):
    """--device gpu where no GPU is visible, or --keras 2 without tf-keras."""


class KerasUnavailable(RuntimeError):
    """The Keras a site needs cannot be imported (tf-keras is not installed)."""


class Worker:
    """One framework process, fed one job per line, on one Keras for its life."""

    def __init__(self, device: str, memory_mb: int | None, keras: KerasFlavour = "3"):
        env = dict(
            os.environ,
            SEQ2FUNC_DEVICE=device,
            SEQ2FUNC_KERAS=keras,
            TF_CPP_MIN_LOG_LEVEL="3",
        )
        # TensorFlow's documented switch for Keras 2: tf.keras is tf-keras.
        if keras == "2":
            env["TF_USE_LEGACY_KERAS"] = "1"
        else:
            env.pop("TF_USE_LEGACY_KERAS", None)
        # Several workers share one GPU: none may take most of its memory up
        # front, as JAX and TensorFlow do by default (JAX ran out on an H100).
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        if memory_mb:
            env["SEQ2FUNC_MEMORY_LIMIT_MB"] = str(memory_mb)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "seq2func.verify.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
        )
        hello = self._read(_START_TIMEOUT)
        if "fatal" in hello:
            self.close()
            if hello.get("keras_missing"):
                raise KerasUnavailable(hello["fatal"])
            raise DeviceUnavailable(hello["fatal"])
        self.device = hello["device"]
        self.backend = hello["backend"]
        self.keras = keras
        self.keras_version = hello.get("keras_version", "")

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise WorkerTimeout()
        line = self.process.stdout.readline()
        if not line:
            raise WorkerDied(self.process.wait())
        return json.loads(line)

    def run(self, job: dict, timeout: float) -> dict:
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise WorkerDied(self.process.wait()) from None
        return self._read(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class _Slot:
    """One worker per Keras, each started on first use (so a run that needs only
    Keras 3 never starts Keras 2) and replaced when it dies or hangs."""

    def __init__(self, options: Options):
        self.options = options
        self.workers: dict[KerasFlavour, Worker] = {}
        self.unavailable: dict[KerasFlavour, str] = {}  # tried once, not again

    def get(self, keras: KerasFlavour = "3") -> Worker:
        if keras in self.unavailable:
            raise KerasUnavailable(self.unavailable[keras])
        if keras not in self.workers:
            try:
                self.workers[keras] = Worker(
                    self.options.device, self.options.memory_mb, keras
                )
            except KerasUnavailable as error:
                self.unavailable[keras] = str(error)
                raise
        return self.workers[keras]

    def discard(self, keras: KerasFlavour | None = None) -> None:
        for flavour in [keras] if keras is not None else list(self.workers):
            worker = self.workers.pop(flavour, None)
            if worker is not None:
                worker.close()

    def close(self) -> None:
        self.discard()
