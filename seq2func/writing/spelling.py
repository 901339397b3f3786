"""Spelling `Input` and `Model` the way the file already spells Keras.

A file that writes `tf.keras.Sequential` gets `tf.keras.Input`; one that
imports `Sequential` from `keras.models` gets `Model` from the same module
and `Input` next to its other layer imports. Imports to add are returned for
LibCST's AddImportsVisitor, which merges them into existing import lines.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

import libcst as cst

from ..analysis.nodes import dotted as dotted_name

from ..analysis import keras_names


@dataclass(frozen=True)
class Spelling:
    input: str
    model: str
    imports: tuple[tuple[str, str], ...] = ()  # (module, name) pairs to add


@dataclass(frozen=True)
class ImportBinding:
    """A module-level name bound by an import: `layers` -> `tensorflow.keras.layers`."""

    name: str
    qualified: str
    from_module: str | None  # set for `from X import y`


def import_bindings(module: cst.Module) -> dict[str, ImportBinding]:
    bindings: dict[str, ImportBinding] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    dotted = dotted_name(alias.name)
                    if alias.asname is not None:
                        name = alias.asname.name.value  # type: ignore[union-attr]
                        bindings[name] = ImportBinding(name, dotted, None)
                    else:
                        root = dotted.split(".")[0]
                        bindings[root] = ImportBinding(root, root, None)
            elif isinstance(small, cst.ImportFrom) and not isinstance(
                small.names, cst.ImportStar
            ):
                if small.relative or small.module is None:
                    continue
                source = dotted_name(small.module)
                for alias in small.names:
                    imported = dotted_name(alias.name)
                    name = alias.asname.name.value if alias.asname else imported  # type: ignore[union-attr]
                    bindings[name] = ImportBinding(name, f"{source}.{imported}", source)
    return bindings


def _family_of(qualified: str) -> tuple[str, str] | None:
    return keras_names.split_family(qualified)


class SpellingConflict(Exception):
    """`Input`/`Model` cannot be written without shadowing one of the file's names."""


def spell(
    func: cst.BaseExpression,
    family: str,
    bindings: dict[str, ImportBinding],
    module_names: Container[str],
    code_for: "callable",
) -> Spelling:
    """How to write Input and Model for a site whose constructor is `func`."""
    if isinstance(func, cst.Attribute):
        prefix = func.value
        prefix_code = code_for(prefix)
        rest = _rest_of_prefix(prefix, bindings, family)
        if rest == "":
            return Spelling(f"{prefix_code}.Input", f"{prefix_code}.Model")
        if rest == "models" and isinstance(prefix, cst.Attribute):
            root = code_for(prefix.value)
            return Spelling(f"{root}.Input", f"{root}.Model")
    bare = isinstance(func, cst.Name)
    sequential_source = (
        bindings[func.value].from_module if bare and func.value in bindings else None
    )
    imports: list[tuple[str, str]] = []
    spelled = []
    for name, submodule in (("Input", "layers"), ("Model", "models")):
        existing = _existing(bindings, family, name, submodule, prefer_bare=bare)
        if existing is None:
            module = _import_module(name, family, sequential_source, bindings)
            if name in bindings or name in module_names:
                raise SpellingConflict(name)
            existing = name
            imports.append((module, name))
        spelled.append(existing)
    return Spelling(spelled[0], spelled[1], tuple(imports))


def _existing(bindings, family, name, submodule, prefer_bare) -> str | None:
    """A spelling that the file's imports already allow, without adding any."""
    bare = attribute = None
    for binding in bindings.values():
        split = _family_of(binding.qualified)
        if split is None or split[0] != family:
            if family == "tensorflow.keras" and binding.qualified == "tensorflow":
                attribute = attribute or f"{binding.name}.keras.{name}"
            continue
        if binding.name == name and (
            keras_names.is_input if name == "Input" else keras_names.is_model
        )({binding.qualified}):
            bare = name
        elif split[1] == "":
            attribute = f"{binding.name}.{name}"
        elif split[1] == submodule and attribute is None:
            attribute = f"{binding.name}.{name}"
    if prefer_bare:
        return bare  # None: import it bare, as the file imports Sequential
    return attribute or bare


def _root(sequential_source: str | None, family: str) -> str:
    """The package the file takes Sequential from: `tensorflow.python.keras` is
    Keras 2 where `tensorflow.keras` is Keras 3, though both are one family."""
    if sequential_source is None:
        return family
    split = _family_of(sequential_source)
    if split is None or split[0] != family:
        return family
    rest = split[1]
    return sequential_source[: len(sequential_source) - len(rest)].rstrip(".")


def _import_module(name, family, sequential_source, bindings) -> str:
    """Where to import a bare `Input`/`Model` from, next to the file's own imports."""
    family = _root(sequential_source, family)
    if name == "Model":
        if sequential_source is not None and (
            _family_of(sequential_source) or ("", "x")
        )[1] in ("", "models"):
            return sequential_source
        return f"{family}.models"
    if any(b.from_module == f"{family}.layers" for b in bindings.values()):
        return f"{family}.layers"
    if (
        sequential_source is not None
        and (_family_of(sequential_source) or ("", "x"))[1] == ""
    ):
        return family
    return f"{family}.layers"


def _rest_of_prefix(prefix: cst.BaseExpression, bindings, family: str) -> str | None:
    """The prefix's path inside the Keras family: "" for `keras`, "models" for `keras.models`."""
    try:
        dotted = dotted_name(prefix)
    except ValueError:
        return None
    head, _, tail = dotted.partition(".")
    if head not in bindings:
        return None
    qualified = bindings[head].qualified + (f".{tail}" if tail else "")
    split = _family_of(qualified)
    if split is None or split[0] != family:
        return None
    return split[1]
