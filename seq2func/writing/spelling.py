"""Spelling `Input` and `Model` the way the file already spells Keras.

A file that writes `tf.keras.Sequential` gets `tf.keras.Input`; one that
imports `Sequential` from `keras.models` gets `Model` from the same module
and `Input` next to its other layer imports. Imports to add are returned for
LibCST's AddImportsVisitor, which merges them into existing import lines.
"""

from __future__ import annotations

from collections.abc import Callable, Container
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
    line: int = 0  # of the import statement, when `import_history` was told


def import_history(
    module: cst.Module, line_of: Callable[[cst.CSTNode], int] | None = None
) -> dict[str, list[ImportBinding]]:
    """Every import of each name at module level, in source order."""
    history: dict[str, list[ImportBinding]] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        line = 0 if line_of is None else line_of(statement)
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    dotted = dotted_name(alias.name)
                    if alias.asname is not None:
                        name = alias.asname.name.value  # type: ignore[union-attr]
                        binding = ImportBinding(name, dotted, None, line)
                    else:
                        root = dotted.split(".")[0]
                        binding = ImportBinding(root, root, None, line)
                    history.setdefault(binding.name, []).append(binding)
            elif isinstance(small, cst.ImportFrom) and not isinstance(
                small.names, cst.ImportStar
            ):
                if small.relative or small.module is None:
                    continue
                source = dotted_name(small.module)
                for alias in small.names:
                    imported = dotted_name(alias.name)
                    name = alias.asname.name.value if alias.asname else imported  # type: ignore[union-attr]
                    binding = ImportBinding(name, f"{source}.{imported}", source, line)
                    history.setdefault(name, []).append(binding)
    return history


def bindings_before(
    history: dict[str, list[ImportBinding]], line: int
) -> dict[str, ImportBinding]:
    """The imports in force above a line: those a site there can spell
    `Input`/`Model` with (the last import of each name above it).

    A notebook that imports `Model` in a later cell, or a module that does it
    at its end, has not bound the name when the site's code runs: the
    converted code must not use it.
    """
    above = {}
    for name, found in history.items():
        earlier = [b for b in found if b.line < line]
        if earlier:
            above[name] = earlier[-1]
    return above


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
    usable: Callable[[str], bool] = lambda name: True,
) -> Spelling:
    """How to write Input and Model for a site whose constructor is `func`.

    `usable` says whether an imported name still means its import (the file
    binds it no other way); only such names are written.
    """
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
        existing = _existing(bindings, family, name, submodule, bare, usable)
        if existing is None and (name in bindings or name in module_names):
            # The bare name would shadow one of the file's (or use an import
            # below the site): an attribute of a Keras module imported above.
            existing = _existing(bindings, family, name, submodule, False, usable)
            if existing is None:
                raise SpellingConflict(name)
        if existing is None:
            module = _import_module(name, family, sequential_source, bindings)
            existing = name
            imports.append((module, name))
        spelled.append(existing)
    return Spelling(spelled[0], spelled[1], tuple(imports))


def _existing(bindings, family, name, submodule, prefer_bare, usable) -> str | None:
    """A spelling that the file's imports already allow, without adding any."""
    bare = attribute = None
    for binding in bindings.values():
        if (
            binding.name != name
            and binding.qualified != "tensorflow"
            and not _keras_module(binding, family)
        ):
            continue  # it cannot spell the name: no need to ask if it is usable
        if not usable(binding.name):
            continue
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


def _keras_module(binding: ImportBinding, family: str) -> bool:
    """An import of the family's package or one of its modules (`keras`, `layers`)."""
    split = _family_of(binding.qualified)
    return split is not None and split[0] == family


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
