"""The recorded builds of one site, summarized: one input, or the inputs that differ.

A `Build` is one row of the store's `builds` table. `summarize` groups them by
what `keras.Input` would be written from (all but the batch dimension):
one group is a `TracedInput`, more are a `VaryingInput`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .describe import Structure
from .found import SeenInput, TracedInput, TracedLeaf, TraceOrigin, VaryingInput
from .texts import leaf_text


@dataclass(frozen=True)
class Build:
    run: str
    path: str
    call: str
    structure: Structure
    leaves: tuple[dict, ...]
    keras: str | None
    backend: str | None

    @classmethod
    def of(cls, row: tuple) -> "Build":
        run, path, call, structure, leaves, keras, backend = row
        return cls(
            run, path, call, structure, tuple(json.loads(leaves)), keras, backend
        )

    @property
    def signature(self) -> tuple:
        """Everything `keras.Input` would be written from: all but the batch dimension."""
        return (
            self.structure,
            tuple(
                (
                    leaf["key"],
                    tuple(leaf["shape"][1:]),
                    leaf["dtype"],
                    leaf["sparse"],
                    leaf["ragged"],
                )
                for leaf in self.leaves
            ),
        )


# Where the builds of one run came from: (run, its builds) -> origin. Asked only
# when the builds agree, since only a TracedInput carries origins.
OriginOf = Callable[[str, list[Build]], TraceOrigin]


def summarize(builds: list[Build], origin_of: OriginOf) -> TracedInput | VaryingInput:
    runs = tuple(dict.fromkeys(b.run for b in builds))
    signatures: dict[tuple, list[Build]] = {}
    for build in builds:
        signatures.setdefault(build.signature, []).append(build)
    if len(signatures) > 1:
        return _varying(list(signatures.values()), len(builds), len(runs))
    first = builds[0]
    return TracedInput(
        structure=first.structure,
        leaves=_leaves(builds),
        batch_sizes=tuple(
            dict.fromkeys(
                b.leaves[0]["shape"][0] if b.leaves[0]["shape"] else None
                for b in builds
            )
        ),
        first_batch_shapes=tuple(tuple(leaf["shape"]) for leaf in first.leaves),
        builds=len(builds),
        runs=len(runs),
        calls=tuple(dict.fromkeys(b.call for b in builds)),
        keras_versions=tuple(dict.fromkeys(b.keras for b in builds if b.keras)),
        backends=tuple(dict.fromkeys(b.backend for b in builds if b.backend)),
        origins=tuple(
            origin_of(run, [b for b in builds if b.run == run]) for run in runs
        ),
    )


def _varying(groups: list[list[Build]], builds: int, runs: int) -> VaryingInput:
    return VaryingInput(
        tuple(
            SeenInput(
                _signature_text(group[0]),
                len(group),
                len({b.run for b in group}),
            )
            for group in groups
        ),
        builds,
        runs,
    )


def _leaves(builds: list[Build]) -> tuple[TracedLeaf, ...]:
    """The first build's leaves, with the data dtypes every build saw."""
    return tuple(
        TracedLeaf(
            key=leaf["key"],
            shape=tuple(leaf["shape"][1:]),
            dtype=leaf["dtype"],
            sparse=bool(leaf["sparse"]),
            ragged=bool(leaf["ragged"]),
            data_dtypes=tuple(
                dict.fromkeys(
                    b.leaves[i]["data_dtype"]
                    for b in builds
                    if b.leaves[i]["data_dtype"] is not None
                )
            ),
        )
        for i, leaf in enumerate(builds[0].leaves)
    )


def _signature_text(build: Build) -> str:
    parts = [
        leaf_text(
            (None, *leaf["shape"][1:]), leaf["dtype"], leaf["sparse"], leaf["ragged"]
        )
        for leaf in build.leaves
    ]
    if build.structure == "tensor":
        return parts[0]
    if build.structure == "dict":
        return (
            "{"
            + ", ".join(
                f"{leaf['key']!r}: {part}" for leaf, part in zip(build.leaves, parts)
            )
            + "}"
        )
    return "[" + ", ".join(parts) + "]"
