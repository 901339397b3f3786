"""Comparing the model the original builds with the one the converted code builds (SPEC §1).

Works on what the workers recorded (layer rows, configs, shapes, parameter
counts, weight and output arrays on disk), so it needs NumPy, not the
framework.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .results import Check, LayerRow

OUTPUT_RTOL = 1e-5
OUTPUT_ATOL = 1e-6


def expected_differences(keras: str = "3") -> tuple[str, ...]:
    """What Keras itself changes between the two forms (SPEC §1), per Keras."""
    functional = "'model'" if keras == "2" else "'functional'"
    return (
        "the Functional summary shows the explicit InputLayer row",
        f"the default model name is {functional} instead of 'sequential'",
        "weight paths lose the 'sequential/' prefix",
    )


EXPECTED = expected_differences("3")


@dataclass(frozen=True)
class Comparison:
    checks: tuple[Check, ...]
    differences: tuple[str, ...]
    original_layers: tuple[LayerRow, ...]
    converted_layers: tuple[LayerRow, ...]

    @property
    def equivalent(self) -> bool:
        return all(c.passed for c in self.checks)


def rows(result: dict) -> tuple[LayerRow, ...]:
    return tuple(
        LayerRow(**{k: v for k, v in row.items() if k != "config"})
        for row in result.get("layers", [])
    )


def compare(original: dict, converted: dict, workdir: str) -> Comparison:
    checks = [
        _layers(original, converted),
        _input(original, converted),
        _params(original, converted),
        _weights(workdir),
        _outputs(
            workdir, "outputs", "converted_outputs.npy", "with the same initial weights"
        ),
        _checkpoint(converted, workdir),
    ]
    differences = tuple(c.detail for c in checks if not c.passed)
    return Comparison(tuple(checks), differences, rows(original), rows(converted))


def _real_layers(result: dict) -> list[dict]:
    return [r for r in result.get("layers", []) if not r["explicit_input"]]


def _converted_submodel(a: dict, b: dict) -> bool:
    """A Sequential sub-model converted at its own site (one without weights, S2F221).

    Its class, its config and a default name (`sequential` -> `functional`)
    change as the model's own do; its layers are compared at its own site,
    and what it computes by the checks on weights and outputs here.
    """
    return (a["class_name"], b["class_name"]) == ("Sequential", "Functional")


def _layers(original: dict, converted: dict) -> Check:
    left, right = _real_layers(original), _real_layers(converted)
    submodels = 0
    for index, (a, b) in enumerate(zip(left, right)):
        keys = (
            ("class_name", "class"),
            ("name", "name"),
            ("output_shape", "output shape"),
            ("config", "config"),
        )
        if _converted_submodel(a, b):
            submodels += 1
            default_names = a["name"].startswith("sequential") and b["name"].startswith(
                "functional"
            )
            keys = keys[2:3] if default_names else keys[1:3]
        for key, what in keys:
            if a[key] != b[key]:
                detail = f"layer {index} ({a['name']}): {what} {_short(a[key])} != {_short(b[key])}"
                if key == "config":
                    detail = f"layer {index} ({a['name']}): config differs: {_config_difference(a[key], b[key])}"
                return Check("layers", False, detail)
    if len(left) != len(right):
        longer = left if len(left) > len(right) else right
        extra = longer[min(len(left), len(right))]
        side = "original" if longer is left else "converted"
        return Check(
            "layers",
            False,
            f"{len(left)} layers != {len(right)}: first unmatched is {extra['name']} ({extra['class_name']}) in the {side}",
        )
    detail = f"{len(left)} layers: same class, name, config and output shape"
    if submodels:
        detail += f" ({submodels} sub-model converted to Functional: output shape)"
    return Check("layers", True, detail)


def _config_difference(a: str, b: str) -> str:
    import json

    left, right = json.loads(a), json.loads(b)
    keys = sorted(set(left) | set(right))
    for key in keys:
        if left.get(key) != right.get(key):
            return f"{key}={_short(left.get(key))} != {_short(right.get(key))}"
    return "?"


def _short(value, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _input(original: dict, converted: dict) -> Check:
    a = (original.get("input_shape"), original.get("input_dtype"))
    b = (converted.get("input_shape"), converted.get("input_dtype"))
    if a != b:
        return Check("input", False, f"input {a[0]} {a[1]} != {b[0]} {b[1]}")
    return Check("input", True, f"input batch shape {a[0]}, dtype {a[1]}")


def _params(original: dict, converted: dict) -> Check:
    a, b = original.get("params", {}), converted.get("params", {})
    if a != b:
        return Check("parameters", False, f"parameters {a} != {b}")
    return Check(
        "parameters",
        True,
        f"{a.get('total', 0):,} total, {a.get('trainable', 0):,} trainable, {a.get('non_trainable', 0):,} non-trainable",
    )


def _weights(workdir: str) -> Check:
    left = np.load(os.path.join(workdir, "original_weights.npz"))
    right = np.load(os.path.join(workdir, "converted_weights.npz"))
    names_a, names_b = sorted(left.files, key=_index), sorted(right.files, key=_index)
    if len(names_a) != len(names_b):
        return Check(
            "initial weights", False, f"{len(names_a)} weight arrays != {len(names_b)}"
        )
    for position, (x, y) in enumerate(zip(names_a, names_b)):
        a, b = left[x], right[y]
        if a.shape != b.shape:
            return Check(
                "initial weights",
                False,
                f"weight {position}: shape {a.shape} != {b.shape}",
            )
        if a.dtype != b.dtype or not np.array_equal(a, b):
            diff = (
                float(np.max(np.abs(a.astype("float64") - b.astype("float64"))))
                if a.size
                else 0.0
            )
            return Check(
                "initial weights",
                False,
                f"weight {position} differs (max {diff:.3g})",
                0.0,
                diff,
            )
    return Check(
        "initial weights",
        True,
        f"{len(names_a)} arrays bit-identical under the same seed",
        0.0,
        0.0,
    )


def _index(name: str) -> int:
    return int(name.split("_")[-1])


def _outputs(workdir: str, label: str, converted_file: str, how: str) -> Check:
    name = (
        "outputs"
        if converted_file == "converted_outputs.npy"
        else "outputs after loading the checkpoint"
    )
    try:
        a = np.load(os.path.join(workdir, "original_outputs.npy"))
        b = np.load(os.path.join(workdir, converted_file))
    except OSError:
        return Check(
            name, False, "the converted model does not accept the original's inputs"
        )
    if a.shape != b.shape:
        return Check(name, False, f"output shape {a.shape} != {b.shape}")
    diff = (
        float(np.max(np.abs(a.astype("float64") - b.astype("float64"))))
        if a.size
        else 0.0
    )
    same = np.allclose(a, b, rtol=OUTPUT_RTOL, atol=OUTPUT_ATOL)
    detail = f"max |difference| {diff:.3g} {how} (rtol {OUTPUT_RTOL:g}, atol {OUTPUT_ATOL:g})"
    return Check(
        name,
        bool(same),
        ("" if same else "outputs differ: ") + detail,
        OUTPUT_ATOL,
        diff,
    )


def _checkpoint(converted: dict, workdir: str) -> Check:
    if not converted.get("checkpoint_loaded"):
        return Check(
            "checkpoint",
            False,
            f"weights saved by the original do not load: {converted.get('checkpoint_error')}",
        )
    if converted.get("checkpoint_error"):
        return Check(
            "checkpoint",
            False,
            f"after loading the original's weights: {converted['checkpoint_error']}",
        )
    check = _outputs(
        workdir,
        "outputs",
        "converted_outputs_loaded.npy",
        "after loading the original's save_weights",
    )
    return Check(
        "checkpoint", check.passed, check.detail, check.tolerance, check.max_difference
    )


def same_run(first: str, second: str) -> str | None:
    """How a side disagrees with itself between two runs in two folders, or None.

    Initial weights must repeat bit for bit under the seed; outputs within the
    comparison's own tolerance (a GPU's last-bit jitter is not a change).
    """
    for side in ("original", "converted"):
        try:
            a = np.load(os.path.join(first, f"{side}_weights.npz"))
            b = np.load(os.path.join(second, f"{side}_weights.npz"))
        except OSError:
            continue
        for x, y in zip(sorted(a.files, key=_index), sorted(b.files, key=_index)):
            if a[x].shape != b[y].shape or not np.array_equal(a[x], b[y]):
                return f"the {side} side's initial weights change from run to run"
        names = [f"{side}_outputs.npy"]
        if side == "converted":
            names.append("converted_outputs_loaded.npy")
        for name in names:
            try:
                a_out = np.load(os.path.join(first, name))
                b_out = np.load(os.path.join(second, name))
            except OSError:
                continue
            if a_out.shape != b_out.shape or not np.allclose(
                a_out, b_out, rtol=OUTPUT_RTOL, atol=OUTPUT_ATOL, equal_nan=True
            ):
                diff = (
                    float(
                        np.nanmax(
                            np.abs(a_out.astype("float64") - b_out.astype("float64"))
                        )
                    )
                    if a_out.shape == b_out.shape and a_out.size
                    else float("nan")
                )
                return (
                    f"the {side} side's outputs change from run to run on the same "
                    f"sample (max |difference| {diff:.3g} between two runs)"
                )
    return None
